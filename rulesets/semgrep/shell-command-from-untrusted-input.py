import os
import shlex
import subprocess
import sys

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    # ruleid: shell-command-from-untrusted-input
    output = subprocess.check_output(f"ping -c 1 {host}", shell=True)
    return output


@app.route("/archive", methods=["POST"])
def archive():
    name = request.form["name"]
    # ruleid: shell-command-from-untrusted-input
    os.system("tar czf /tmp/backup.tgz " + name)
    return "ok"


def main() -> None:
    target = sys.argv[1]
    # ruleid: shell-command-from-untrusted-input
    os.popen("git log --oneline " + target).read()


@app.route("/ping-safe")
def ping_safe():
    host = request.args.get("host", "localhost")
    # ok: shell-command-from-untrusted-input
    return subprocess.check_output(["ping", "-c", "1", "--", host])


@app.route("/ping-quoted")
def ping_quoted():
    host = shlex.quote(request.args.get("host", "localhost"))
    # ok: shell-command-from-untrusted-input
    return subprocess.check_output(f"ping -c 1 {host}", shell=True)


def disk_usage() -> str:
    # ok: shell-command-from-untrusted-input
    return subprocess.run("du -sh /var/log", shell=True, capture_output=True, text=True).stdout
