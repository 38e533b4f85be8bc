from django.http import JsonResponse


def upload_avatar(request):
    upload = request.FILES["avatar"]
    destination = "/srv/media/avatars/" + upload.name
    with open(destination, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return JsonResponse({"saved": destination})
