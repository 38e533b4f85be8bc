from urllib.parse import urlparse

from django.http import HttpResponseRedirect
from django.shortcuts import redirect as django_redirect
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
api = FastAPI()


@app.route("/login", methods=["POST"])
def login():
    authenticate(request.form["username"], request.form["password"])
    # ruleid: redirect-to-untrusted-url
    return redirect(request.args.get("next", "/"))


@api.get("/oauth/callback")
async def oauth_callback(code: str, state: str, return_to: str = "/"):
    exchange_code(code, state)
    # ruleid: redirect-to-untrusted-url
    return RedirectResponse(return_to)


def logout_view(request):
    request.session.flush()
    target = request.GET.get("redirect_to", "/")
    # ruleid: redirect-to-untrusted-url
    return HttpResponseRedirect(target)


@app.route("/login-safe", methods=["POST"])
def login_safely():
    authenticate(request.form["username"], request.form["password"])
    target = request.args.get("next", "")
    if urlparse(target).netloc or not target.startswith("/") or target.startswith("//"):
        target = url_for("index")
    # ok: redirect-to-untrusted-url
    return redirect(target)


def logout_view_safely(request):
    request.session.flush()
    target = request.GET.get("redirect_to", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    # ok: redirect-to-untrusted-url
    return django_redirect(target)


@app.route("/items/<item_id>/edit", methods=["POST"])
def edit_item(item_id):
    save_item(item_id, request.form)
    # ok: redirect-to-untrusted-url
    return redirect(f"/items/{item_id}")


@app.route("/profile")
def profile_redirect():
    # ok: redirect-to-untrusted-url
    return redirect(url_for("user_profile", username=request.args["user"]))


def set_language(request):
    # Django's i18n view: the URL is replaced when the check fails, whatever else the condition says.
    next_url = request.POST.get("next", request.GET.get("next"))
    if (next_url or request.accepts("text/html")) and not url_has_allowed_host_and_scheme(
        url=next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    lang_code = request.POST.get("language")
    if lang_code and check_for_language(lang_code):
        # ok: redirect-to-untrusted-url
        return HttpResponseRedirect(translate_url(next_url, lang_code))
    # ok: redirect-to-untrusted-url
    return HttpResponseRedirect(next_url)


def set_theme(request):
    next_url = request.GET.get("next")
    if url_has_allowed_host_and_scheme(url=request.GET.get("fallback"), allowed_hosts=None):
        pass
    # ruleid: redirect-to-untrusted-url
    return HttpResponseRedirect(next_url)


def switch_language(request):
    # ruleid: redirect-to-untrusted-url
    return HttpResponseRedirect(translate_url(request.GET["next"], "en"))
