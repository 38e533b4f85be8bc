import json
import socket
import sys
from urllib.parse import urlparse
from urllib.request import urlopen

import httpx
import requests
from fastapi import FastAPI
from flask import Flask, abort, request

app = Flask(__name__)
api = FastAPI()
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}
GITHUB_API = "https://api.github.com"


@app.route("/preview")
def link_preview():
    url = request.args.get("url")
    # ruleid: request-to-untrusted-url
    response = requests.get(url, timeout=5)
    return {"title": response.text[:200]}


@api.post("/webhooks/test")
async def test_webhook(target: str):
    async with httpx.AsyncClient(timeout=5) as client:
        # ruleid: request-to-untrusted-url
        response = await client.post(target, json={"event": "ping"})
    return {"status": response.status_code}


@app.route("/import", methods=["POST"])
def import_feed():
    feed_url = request.json["feed_url"]
    # ruleid: request-to-untrusted-url
    with urlopen(feed_url) as handle:
        return {"size": len(handle.read())}


def check_port() -> None:
    # A command-line tool connecting where its operator says: not SSRF.
    host = sys.argv[1]
    # ok: request-to-untrusted-url
    with socket.create_connection((host, 443), timeout=3):
        print("open")


@app.route("/avatar")
def proxy_avatar():
    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        abort(400)
    # ok: request-to-untrusted-url
    return requests.get(url, timeout=5).content


@app.route("/users/<username>/repos")
def user_repos(username):
    # ok: request-to-untrusted-url
    response = requests.get(f"https://api.github.com/users/{username}/repos", timeout=5)
    return {"repos": [r["name"] for r in response.json()]}


@api.get("/issues/{number}")
def issue(number: int):
    # ok: request-to-untrusted-url
    return httpx.get(GITHUB_API + f"/repos/acme/app/issues/{number}", timeout=5).json()


@app.route("/search")
def search():
    query = request.args.get("q", "")
    # ok: request-to-untrusted-url
    response = requests.get("https://search.example.com/api", params={"q": query}, timeout=5)
    return response.json()


# --- host allow-lists: the parsed URL of the same value, failing branch leaves ---

PREVIEW_HOSTS = {"example.com", "docs.example.com"}


@app.route("/preview-checked", methods=["POST"])
def preview_checked():
    url = request.json["url"]
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in PREVIEW_HOSTS:
        abort(400)
    # ok: request-to-untrusted-url
    return requests.get(url, timeout=5).text


@app.route("/preview-scheme-only", methods=["POST"])
def preview_scheme_only():
    url = request.json["url"]
    if urlparse(url).scheme != "https":
        abort(400)
    # ruleid: request-to-untrusted-url
    return requests.get(url, timeout=5).text


@app.route("/preview-other-url", methods=["POST"])
def preview_checks_another_url():
    url = request.json["url"]
    referrer = urlparse(request.headers.get("Referer", ""))
    if referrer.hostname not in PREVIEW_HOSTS:
        abort(400)
    # ruleid: request-to-untrusted-url
    return requests.get(url, timeout=5).text


def lambda_handler(event, context):
    callback = json.loads(event["body"])["callback_url"]
    # ruleid: request-to-untrusted-url
    urlopen(callback, timeout=5)
    if urlparse(callback).hostname not in PREVIEW_HOSTS:
        return {"statusCode": 400}
    # ok: request-to-untrusted-url
    urlopen(callback, timeout=5)
    return {"statusCode": 200}
