import subprocess
import sys

from aiohttp import web
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()


@app.route("/mirror", methods=["POST"])
def mirror_repository():
    repo_url = request.json["url"]
    # ruleid: command-option-injection
    subprocess.run(["git", "clone", "--depth", "1", repo_url, "/srv/mirrors/latest"], check=True)
    return {"status": "cloned"}


@api.get("/hosts/{host}/uptime")
def remote_uptime(host: str):
    # ruleid: command-option-injection
    result = subprocess.run(["ssh", "-o", "BatchMode=yes", host, "uptime"], capture_output=True, text=True)
    return {"uptime": result.stdout}


async def fetch_to_cache(request):
    form = await request.post()
    # ruleid: command-option-injection
    subprocess.run(["wget", "-q", form["url"], "-P", "/var/cache/fetch"], check=True)
    return web.json_response({"ok": True})


def download() -> None:
    # A command-line tool: the operator chooses their own arguments.
    url = sys.argv[1]
    # ok: command-option-injection
    subprocess.check_call(["curl", "-sSL", url, "-o", "/tmp/download.bin"])


@app.route("/mirror-safe", methods=["POST"])
def mirror_repository_safely():
    repo_url = request.json["url"]
    # ok: command-option-injection
    subprocess.run(["git", "clone", "--depth", "1", "--", repo_url, "/srv/mirrors/latest"], check=True)
    return {"status": "cloned"}


@app.route("/clone/<owner>/<name>")
def clone_github(owner, name):
    # ok: command-option-injection
    subprocess.run(["git", "clone", f"https://github.com/{owner}/{name}.git", "/srv/clones/x"], check=True)
    return "ok"


@api.get("/hosts/{host}/disk")
def remote_disk(host: str):
    if host.startswith("-"):
        return {"error": "invalid host"}
    # ok: command-option-injection
    result = subprocess.run(["ssh", host, "df", "-h"], capture_output=True, text=True)
    return {"disk": result.stdout}


@app.route("/log")
def git_log():
    ref = request.args.get("ref", "HEAD")
    # ok: command-option-injection
    return subprocess.run(["git", "log", "--oneline", ref], capture_output=True, text=True).stdout
