import socket

from flask import Flask, request

app = Flask(__name__)


@app.get("/probe")
def probe():
    host = request.args["host"]
    port = int(request.args.get("port", 443))
    with socket.create_connection((host, port), timeout=2):
        return {"open": True}
