import logging
import sys

from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
logger = logging.getLogger(__name__)


@app.route("/login", methods=["POST"])
def login():
    username = request.form["username"]
    if not check_password(username, request.form["password"]):
        # ruleid: log-entry-from-untrusted-input
        logger.warning(f"failed login for {username}")
        return "denied", 401
    return "ok"


@api.post("/orders")
def create_order(customer: str, item: str):
    # ruleid: log-entry-from-untrusted-input
    logging.info("order from %s for %s", customer, item)
    return {"status": "created"}


def main() -> None:
    # Command-line arguments are the operator's own: not reported.
    # ok: log-entry-from-untrusted-input
    logger.info("processing " + sys.argv[1])


@app.route("/login-safe", methods=["POST"])
def login_safely():
    username = request.form["username"]
    if not check_password(username, request.form["password"]):
        # ok: log-entry-from-untrusted-input
        logger.warning("failed login for %r", username)
        return "denied", 401
    return "ok"


@api.get("/items/{item_id}")
def read_item(item_id: int):
    # ok: log-entry-from-untrusted-input
    logger.info("read item %d", item_id)
    return {"id": item_id}


@app.route("/search")
def search():
    query = request.args.get("q", "")
    # ok: log-entry-from-untrusted-input
    logger.info("search query=%s", query.replace("\r", "\\r").replace("\n", "\\n"))
    return {"q": query}
