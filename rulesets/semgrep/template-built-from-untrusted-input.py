import jinja2
from django.http import HttpResponse
from django.template import Context, Template
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)
api = FastAPI()
env = jinja2.Environment(autoescape=True)


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # ruleid: template-built-from-untrusted-input
    return render_template_string(f"<h1>Hello {name}!</h1>")


@app.route("/email/preview", methods=["POST"])
def preview_email():
    body = request.form["template"]
    # ruleid: template-built-from-untrusted-input
    return app.jinja_env.from_string(body).render(user={"name": "Ada"})


@api.post("/reports/render", response_class=HTMLResponse)
async def render_report(layout: str, data: dict):
    # ruleid: template-built-from-untrusted-input
    template = env.from_string(layout)
    return template.render(**data)


def greeting(request):
    message = request.GET.get("message", "")
    # ruleid: template-built-from-untrusted-input
    template = Template("<p>" + message + "</p>")
    return HttpResponse(template.render(Context({})))


@app.route("/hello-safe")
def hello_safely():
    name = request.args.get("name", "world")
    # ok: template-built-from-untrusted-input
    return render_template_string("<h1>Hello {{ name }}!</h1>", name=name)


@app.route("/profile/<username>")
def profile(username):
    # ok: template-built-from-untrusted-input
    return render_template("profile.html", username=username)


def greeting_safely(request):
    message = request.GET.get("message", "")
    # ok: template-built-from-untrusted-input
    template = Template("<p>{{ message }}</p>")
    return HttpResponse(template.render(Context({"message": message})))
