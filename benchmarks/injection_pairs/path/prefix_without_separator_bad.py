import os

from flask import Flask, abort, request

app = Flask(__name__)
BASE = "/srv/app/uploads"


@app.get("/files")
def read_upload():
    path = os.path.realpath(os.path.join(BASE, request.args["path"]))
    if not path.startswith(BASE):
        abort(403)
    with open(path, "rb") as handle:
        return handle.read()
