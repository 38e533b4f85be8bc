import os

import tornado.web
from html import escape

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, jsonify, render_template, request

from .models import Comment

app = Flask(__name__)
api = FastAPI()


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # ruleid: html-built-from-untrusted-input
    return f"<h1>Hello {name}!</h1>"


@app.route("/search")
def search():
    query = request.args.get("q", "")
    results = find(query)
    # ruleid: html-built-from-untrusted-input
    page = "<p>Results for <b>" + query + "</b></p>"
    page += "".join(f"<li>{escape(r.title)}</li>" for r in results)
    return page


@api.get("/welcome", response_class=HTMLResponse)
async def welcome(user: str):
    # ruleid: html-built-from-untrusted-input
    return "<html><body><p>Welcome back, {}</p></body></html>".format(user)


def error_page(request):
    reason = request.GET.get("reason", "")
    # ruleid: html-built-from-untrusted-input
    return HttpResponse("<div class='error'>%s</div>" % reason, status=400)


@app.route("/hello-safe")
def hello_safely():
    name = request.args.get("name", "world")
    # ok: html-built-from-untrusted-input
    return f"<h1>Hello {escape(name)}!</h1>"


@app.route("/greet")
def greet():
    name = request.args.get("name", "world")
    # ok: html-built-from-untrusted-input
    return render_template("greet.html", name=name)


@app.route("/api/greet")
def greet_json():
    name = request.args.get("name", "world")
    # ok: html-built-from-untrusted-input
    return jsonify(message=f"Hello {name}!")


@app.route("/count/<int:n>")
def count(n):
    items = request.args.get("items", "")
    # ok: html-built-from-untrusted-input
    return f"<p>{len(items.split(','))} items</p>"


class SearchHandler(tornado.web.RequestHandler):
    def get(self):
        term = self.get_argument("term")
        # ruleid: html-built-from-untrusted-input
        self.write(f"<h2>Search: {term}</h2>")


class ReportBuilder:
    def build(self):
        title = os.environ.get("REPORT_TITLE", "Report")
        # ok: html-built-from-untrusted-input
        return f"<html><h1>{title}</h1></html>"


# --- Flask 2 verb decorators, and stored XSS ---


@app.get("/search")
def search():
    query = request.args.get("q", "")
    # ruleid: html-built-from-untrusted-input
    return f"<p>No results for <b>{query}</b></p>"


@app.get("/search-escaped")
def search_escaped():
    query = request.args.get("q", "")
    # ok: html-built-from-untrusted-input
    return f"<p>No results for <b>{escape(query)}</b></p>"


@api.get("/search-json")
def search_json(q: str):
    # FastAPI serialises the return value as a JSON string, not HTML.
    # ok: html-built-from-untrusted-input
    return f"<p>No results for <b>{q}</b></p>"


def comment_page(request, comment_id):
    comment = get_object_or_404(Comment, pk=comment_id)
    # ruleid: html-built-from-untrusted-input
    return HttpResponse("<article>%s</article>" % comment.body)


def comment_page_escaped(request, comment_id):
    comment = get_object_or_404(Comment, pk=comment_id)
    # ok: html-built-from-untrusted-input
    return HttpResponse("<article>%s</article>" % escape(comment.body))
