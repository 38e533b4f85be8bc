import jinja2
from django.http import HttpResponse


def preview_email(request):
    subject = request.POST["subject"]
    template = jinja2.Template("Subject: {{ subject }}\n\nDear {{ customer }},")
    return HttpResponse(template.render(subject=subject, customer="Ada"), content_type="text/plain")
