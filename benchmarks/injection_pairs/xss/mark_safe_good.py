import bleach
from django.shortcuts import render
from django.utils.safestring import mark_safe


def profile_preview(request):
    bio = bleach.clean(request.POST["bio"], tags={"b", "i", "a"}, attributes={"a": ["href"]})
    return render(request, "preview.html", {"bio": mark_safe(bio)})
