import os

from flask import Flask, request, send_file
from werkzeug.utils import secure_filename

app = Flask(__name__)
REPORTS = "/srv/app/reports"


@app.get("/reports/download")
def download_report():
    name = secure_filename(request.args["name"])
    return send_file(os.path.join(REPORTS, name))
