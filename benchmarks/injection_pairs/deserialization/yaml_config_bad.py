import yaml
from django.http import JsonResponse


def import_pipeline(request):
    spec = yaml.load(request.body, Loader=yaml.Loader)
    return JsonResponse({"steps": len(spec.get("steps", []))})
