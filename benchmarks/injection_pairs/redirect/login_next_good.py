from urllib.parse import urlparse

from flask import Flask, redirect, request, session

app = Flask(__name__)


@app.post("/login")
def login():
    session["user"] = request.form["user"]
    target = request.args.get("next", "/")
    parsed = urlparse(target)
    if parsed.netloc or parsed.scheme:
        target = "/"
    return redirect(target)
