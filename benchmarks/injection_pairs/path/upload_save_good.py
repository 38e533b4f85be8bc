import uuid

from django.http import JsonResponse


def upload_avatar(request):
    upload = request.FILES["avatar"]
    destination = f"/srv/media/avatars/{uuid.uuid4()}.png"
    with open(destination, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return JsonResponse({"saved": destination})
