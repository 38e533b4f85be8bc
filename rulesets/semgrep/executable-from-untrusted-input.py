import asyncio
import json
import os
import shlex
import subprocess
import sys
from http.server import BaseHTTPRequestHandler

from django.http import JsonResponse
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
TOOLS = {"disk": ["df", "-h"], "uptime": ["uptime"], "mem": ["free", "-m"]}


@app.route("/run", methods=["POST"])
def run_command():
    command = request.json["command"]
    # ruleid: executable-from-untrusted-input
    result = subprocess.run(shlex.split(command), capture_output=True, text=True)
    return {"stdout": result.stdout, "code": result.returncode}


@api.post("/tools/{tool}")
async def run_tool(tool: str, target: str):
    # ruleid: executable-from-untrusted-input
    proc = await asyncio.create_subprocess_exec(tool, target, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return {"output": out.decode()}


def convert_view(request):
    converter = request.POST.get("converter", "pandoc")
    # ruleid: executable-from-untrusted-input
    subprocess.run([converter, "/srv/docs/in.md", "-o", "/srv/docs/out.pdf"], check=True)
    return JsonResponse({"ok": True})


class JobHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        job = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        # ruleid: executable-from-untrusted-input
        os.execvp(job["runner"], [job["runner"], "--job", job["id"]])


def main() -> None:
    # The operator's own editor, as git and click do: not untrusted input.
    editor = os.environ.get("EDITOR", "vi")
    # ok: executable-from-untrusted-input
    subprocess.call([editor, sys.argv[1]])


@app.route("/run-safe", methods=["POST"])
def run_known_tool():
    argv = TOOLS[request.json["tool"]]
    # ok: executable-from-untrusted-input
    result = subprocess.run(argv, capture_output=True, text=True)
    return {"stdout": result.stdout}


@app.route("/log")
def git_log():
    ref = request.args.get("ref", "HEAD")
    # ok: executable-from-untrusted-input
    return subprocess.run(["git", "log", "--oneline", ref], capture_output=True, text=True).stdout


def reexec_self() -> None:
    # ok: executable-from-untrusted-input
    os.execv(sys.executable, [sys.executable, *sys.argv])
