import hashlib
import hmac
import os

from fastapi import FastAPI, Header, HTTPException
from flask import Flask, abort, request

app = Flask(__name__)
api = FastAPI()
WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"].encode()
API_KEY = os.environ["API_KEY"]


@app.route("/webhook", methods=["POST"])
def github_webhook():
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET, request.data, hashlib.sha256).hexdigest()
    # ruleid: timing-unsafe-secret-comparison
    if request.headers.get("X-Hub-Signature-256") != expected:
        abort(401)
    return "ok"


@api.get("/admin/stats")
def stats(x_api_key: str = Header(...)):
    # ruleid: timing-unsafe-secret-comparison
    if x_api_key != API_KEY:
        raise HTTPException(status_code=403)
    return {"users": 42}


def verify_payload(payload: bytes, signature: str) -> bool:
    # ruleid: timing-unsafe-secret-comparison
    return hmac.new(WEBHOOK_SECRET, payload, hashlib.sha256).hexdigest() == signature


@app.route("/webhook-safe", methods=["POST"])
def github_webhook_safely():
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET, request.data, hashlib.sha256).hexdigest()
    # ok: timing-unsafe-secret-comparison
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
        abort(401)
    return "ok"


def has_api_key(headers: dict) -> bool:
    # ok: timing-unsafe-secret-comparison
    return headers.get("X-Api-Key") is not None and headers.get("X-Api-Key") != ""


class Token:
    def __init__(self, kind: str, value: str) -> None:
        self.kind, self.value = kind, value

    def is_name(self, current_token) -> bool:
        # ok: timing-unsafe-secret-comparison
        return current_token.kind == self.kind


def file_matches(path: str, expected_sha256: str) -> bool:
    with open(path, "rb") as handle:
        # ok: timing-unsafe-secret-comparison
        return hashlib.sha256(handle.read()).hexdigest() == expected_sha256
