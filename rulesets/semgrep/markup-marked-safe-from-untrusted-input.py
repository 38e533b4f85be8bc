from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from flask import Flask, render_template, request
from markupsafe import Markup, escape

from .models import Comment, Post

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


# --- stored XSS: text users wrote earlier, read back from the database ---


def show_comment(request, comment_id):
    comment = get_object_or_404(Comment, pk=comment_id)
    # ruleid: markup-marked-safe-from-untrusted-input
    body = mark_safe("<div class='comment'>" + comment.body + "</div>")
    # ok: markup-marked-safe-from-untrusted-input
    body = format_html("<div class='comment'>{}</div>", comment.body)
    # ok: markup-marked-safe-from-untrusted-input
    link = mark_safe("<a href='/comments/%d'>permalink</a>" % comment.pk)
    return render(request, "comment.html", {"body": body, "link": link})


def latest_posts(request):
    items = []
    for post in Post.objects.filter(published=True):
        # ruleid: markup-marked-safe-from-untrusted-input
        items.append(mark_safe(f"<li>{post.title}</li>"))
    return render(request, "posts.html", {"items": items})
