import os

from flask import Flask

app = Flask(__name__)


def serve() -> None:
    # ruleid: flask-debug-true
    app.run(host="0.0.0.0", port=5000, debug=True)


def serve_dev() -> None:
    # ruleid: flask-debug-true
    app.run(debug=True)


def serve_safely() -> None:
    # ok: flask-debug-true
    app.run(host="127.0.0.1", port=5000, debug=os.environ.get("FLASK_DEBUG") == "1")


def serve_production() -> None:
    # ok: flask-debug-true
    app.run(host="0.0.0.0", port=5000, debug=False)
