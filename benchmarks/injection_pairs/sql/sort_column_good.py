import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
SORT_COLUMNS = {"name": "name", "price": "price", "newest": "created_at DESC"}


@app.get("/products")
def list_products():
    order = SORT_COLUMNS.get(request.args.get("order", "name"), "name")
    db = sqlite3.connect("shop.db")
    rows = db.execute("SELECT id, name, price FROM products ORDER BY " + order).fetchall()
    return jsonify(rows)
