from flask import Flask, render_template, request
from markupsafe import Markup

app = Flask(__name__)


@app.get("/notice")
def notice():
    message = request.args.get("message", "")
    return render_template("notice.html", banner=Markup("<strong>{}</strong>").format(message))
