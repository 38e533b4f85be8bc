from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from flask import Flask
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)
# ruleid: csrf-protection-disabled
app.config["WTF_CSRF_ENABLED"] = False


# ruleid: csrf-protection-disabled
@csrf_exempt
def update_email(request):
    request.user.email = request.POST["email"]
    request.user.save()
    return JsonResponse({"ok": True})


# ruleid: csrf-protection-disabled
@method_decorator(csrf_exempt, name="dispatch")
class TransferView(View):
    def post(self, request):
        return JsonResponse({"ok": True})


class QuickSearchForm(FlaskForm):
    class Meta:
        # ruleid: csrf-protection-disabled
        csrf = False


# ruleid: csrf-protection-disabled
@csrf.exempt
@app.route("/api/profile", methods=["POST"])
def update_profile():
    return {"ok": True}


# ok: csrf-protection-disabled
@require_POST
def update_email_safely(request):
    request.user.email = request.POST["email"]
    request.user.save()
    return JsonResponse({"ok": True})


class SearchForm(FlaskForm):
    class Meta:
        # ok: csrf-protection-disabled
        csrf = True


# ok: csrf-protection-disabled
app.config["WTF_CSRF_TIME_LIMIT"] = 3600
