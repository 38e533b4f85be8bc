from django.http import HttpResponse
from django.utils.html import format_html


def greet(request):
    name = request.GET.get("name", "friend")
    return HttpResponse(format_html("<h2>Welcome back, {}</h2>", name))
