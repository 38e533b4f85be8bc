import re
import sys

from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
LINES = open("catalog.txt").read().splitlines()


@app.route("/search")
def search():
    # ruleid: regex-from-untrusted-input
    pattern = re.compile(request.args.get("q", ""), re.IGNORECASE)
    return {"hits": [line for line in LINES if pattern.search(line)]}


@api.get("/logs/filter")
def filter_logs(expr: str):
    # ruleid: regex-from-untrusted-input
    return {"lines": [line for line in LINES if re.search(expr, line)]}


def grep() -> None:
    # A command-line grep: the operator's own pattern.
    needle = sys.argv[1]
    for line in LINES:
        # ok: regex-from-untrusted-input
        if re.match(f".*{needle}.*", line):
            print(line)


@app.route("/search-safe")
def search_safely():
    # ok: regex-from-untrusted-input
    pattern = re.compile(re.escape(request.args.get("q", "")), re.IGNORECASE)
    return {"hits": [line for line in LINES if pattern.search(line)]}


@api.get("/validate")
def validate(username: str):
    # ok: regex-from-untrusted-input
    return {"valid": re.fullmatch(r"[a-z0-9_]{3,20}", username) is not None}
