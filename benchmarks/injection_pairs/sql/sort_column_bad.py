import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/products")
def list_products():
    order = request.args.get("order", "name")
    db = sqlite3.connect("shop.db")
    rows = db.execute("SELECT id, name, price FROM products ORDER BY " + order).fetchall()
    return jsonify(rows)
