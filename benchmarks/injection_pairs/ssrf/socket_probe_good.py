import socket

from flask import Flask, abort, request

app = Flask(__name__)
PROBE_TARGETS = {"db.internal", "cache.internal"}


@app.get("/probe")
def probe():
    host = request.args["host"]
    if host not in PROBE_TARGETS:
        abort(403)
    port = int(request.args.get("port", 443))
    with socket.create_connection((host, port), timeout=2):
        return {"open": True}
