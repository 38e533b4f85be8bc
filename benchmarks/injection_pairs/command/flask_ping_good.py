import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/diagnostics/ping")
def ping():
    host = request.form["host"]
    result = subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, timeout=5)
    return {"reachable": result.returncode == 0}
