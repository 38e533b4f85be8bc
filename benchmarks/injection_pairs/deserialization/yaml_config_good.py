import yaml
from django.http import JsonResponse


def import_pipeline(request):
    spec = yaml.safe_load(request.body)
    return JsonResponse({"steps": len(spec.get("steps", []))})
