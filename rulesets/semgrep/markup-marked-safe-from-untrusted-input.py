from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from flask import Flask, render_template, request
from markupsafe import Markup, escape

app = Flask(__name__)


def banner(request):
    title = request.GET.get("title", "Welcome")
    # ruleid: markup-marked-safe-from-untrusted-input
    return render(request, "banner.html", {"title": mark_safe(f"<b>{title}</b>")})


@app.route("/comments", methods=["POST"])
def add_comment():
    comment = request.form["comment"]
    # ruleid: markup-marked-safe-from-untrusted-input
    html = Markup(comment.replace("\n", "<br>"))
    return render_template("comment.html", comment=html)


@app.route("/profile/<username>")
def profile(username):
    # ruleid: markup-marked-safe-from-untrusted-input
    heading = Markup("<h2>" + username + "</h2>")
    return render_template("profile.html", heading=heading)


def banner_safely(request):
    title = request.GET.get("title", "Welcome")
    # ok: markup-marked-safe-from-untrusted-input
    return render(request, "banner.html", {"title": format_html("<b>{}</b>", title)})


@app.route("/comments-safe", methods=["POST"])
def add_comment_safely():
    comment = request.form["comment"]
    # ok: markup-marked-safe-from-untrusted-input
    html = Markup(escape(comment).replace("\n", Markup("<br>")))
    return render_template("comment.html", comment=html)


@app.route("/profile-safe/<username>")
def profile_safely(username):
    # ok: markup-marked-safe-from-untrusted-input
    heading = Markup("<h2>{}</h2>").format(username)
    return render_template("profile.html", heading=heading)
