from django.shortcuts import render
from django.utils.safestring import mark_safe


def profile_preview(request):
    bio = request.POST["bio"]
    return render(request, "preview.html", {"bio": mark_safe(bio)})
