from django.http import HttpResponse


def greet(request):
    name = request.GET.get("name", "friend")
    return HttpResponse("<h2>Welcome back, %s</h2>" % name)
