from flask import Flask, request

app = Flask(__name__)


@app.get("/search")
def search():
    query = request.args.get("q", "")
    return f"<p>No results for <b>{query}</b></p>"
