import os

from flask import Flask, request, send_file

app = Flask(__name__)
REPORTS = "/srv/app/reports"


@app.get("/reports/download")
def download_report():
    name = request.args["name"]
    return send_file(os.path.join(REPORTS, name))
