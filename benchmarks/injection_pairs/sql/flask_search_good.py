import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/books")
def search_books():
    title = request.args.get("title", "")
    db = sqlite3.connect("library.db")
    rows = db.execute("SELECT id, title FROM books WHERE title LIKE ?", (f"%{title}%",)).fetchall()
    return jsonify(rows)
