import json
import os
import shlex
import subprocess
import sys

from flask import Flask, request
from slack_bolt import App

app = Flask(__name__)
slack = App()


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


@app.route("/convert", methods=["POST"])
def convert():
    upload = request.files["image"]
    # ruleid: shell-command-from-untrusted-input
    subprocess.run(["bash", "-c", f"convert /tmp/in.png /srv/out/{upload.filename}"], check=True)
    return "done"


def restart_remote_service(client, service: str) -> None:
    # Called from a CLI: service comes from argv.
    service = sys.argv[2]
    # ruleid: shell-command-from-untrusted-input
    client.exec_command(f"sudo systemctl restart {service}")


@app.route("/log")
def git_log():
    ref = request.args.get("ref", "HEAD")
    # ok: shell-command-from-untrusted-input
    return subprocess.run(["git", "log", "--oneline", ref], capture_output=True, text=True).stdout


@app.route("/greet")
def greet():
    name = request.args.get("name", "world")
    # ok: shell-command-from-untrusted-input
    return subprocess.run(["bash", "-c", 'echo "hello $1"', "greet", name], capture_output=True, text=True).stdout


# --- sources beyond web requests (shared block) and their safe look-alikes ---

BACKUP_DATABASES = {"main", "analytics"}


def dump_database(**context):
    database = context["dag_run"].conf.get("database", "main")
    # ruleid: shell-command-from-untrusted-input
    subprocess.run(f"pg_dump {database} > /backups/{database}.sql", shell=True, check=True)
    if database not in BACKUP_DATABASES:
        raise ValueError(database)
    # ok: shell-command-from-untrusted-input
    subprocess.run(f"pg_dump {database} > /backups/{database}.sql", shell=True, check=True)


async def on_message(message):
    service = message.content.split(" ", 1)[1]
    # ruleid: shell-command-from-untrusted-input
    os.popen("systemctl status " + service)
    # ok: shell-command-from-untrusted-input
    os.popen("systemctl status " + shlex.quote(service))


@slack.command("/restart")
def restart(ack, command):
    ack()
    # ruleid: shell-command-from-untrusted-input
    os.system("systemctl restart " + command["text"])


def on_job(channel, method, properties, body):
    # ruleid: shell-command-from-untrusted-input
    subprocess.call("convert " + json.loads(body)["file"] + " out.png", shell=True)


def on_status(channel, method, properties, status):
    # The callback shape with a different last parameter: not a message body.
    # ok: shell-command-from-untrusted-input
    subprocess.call("logger " + status, shell=True)
