import datetime
import enum
import json
import re
import sqlite3
import sys

from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import JsonResponse
from fastapi import Depends, FastAPI
from celery import Celery
from flask import Flask, abort, jsonify, request
from kafka import KafkaConsumer
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import Order, Product, User

app = Flask(__name__)
celery_app = Celery("reports")
api = FastAPI()
db = sqlite3.connect("app.db")
SORTABLE_COLUMNS = {"name": "name", "price": "price", "created": "created_at"}


@app.route("/users/search")
def search_users():
    name = request.args.get("name", "")
    cursor = db.cursor()
    # ruleid: sql-query-from-untrusted-input
    cursor.execute(f"SELECT id, email FROM users WHERE name LIKE '%{name}%'")
    return jsonify(cursor.fetchall())


@app.route("/orders/<order_id>", methods=["DELETE"])
def delete_order(order_id):
    query = "DELETE FROM orders WHERE id = '" + order_id + "'"
    # ruleid: sql-query-from-untrusted-input
    db.execute(query)
    db.commit()
    return "", 204


def product_list(request):
    category = request.GET.get("category")
    products = Product.objects.raw(
        # ruleid: sql-query-from-untrusted-input
        "SELECT * FROM shop_product WHERE category = '%s'" % category
    )
    return JsonResponse({"products": [p.name for p in products]})


def recent_orders(request):
    since = request.GET["since"]
    # ruleid: sql-query-from-untrusted-input
    orders = Order.objects.extra(where=[f"created_at > '{since}'"])
    # ruleid: sql-query-from-untrusted-input
    annotated = Order.objects.annotate(total=RawSQL("SELECT SUM(amount) FROM items WHERE tag = '" + since + "'", ()))
    return JsonResponse({"count": orders.count(), "n": annotated.count()})


@api.get("/reports/{table}")
def report(table: str, session: Session = Depends(get_session)):
    # ruleid: sql-query-from-untrusted-input
    rows = session.execute(text("SELECT count(*) FROM {}".format(table))).all()
    return {"rows": rows}


def main() -> None:
    customer = sys.argv[1]
    with connection.cursor() as cursor:
        # ruleid: sql-query-from-untrusted-input
        cursor.execute("SELECT * FROM invoices WHERE customer = '%s'" % customer)
        print(cursor.fetchall())


@app.route("/users/search-safe")
def search_users_safely():
    name = request.args.get("name", "")
    cursor = db.cursor()
    # ok: sql-query-from-untrusted-input
    cursor.execute("SELECT id, email FROM users WHERE name LIKE ?", (f"%{name}%",))
    return jsonify(cursor.fetchall())


@app.route("/products")
def sorted_products():
    column = SORTABLE_COLUMNS.get(request.args.get("sort", "name"), "name")
    # ok: sql-query-from-untrusted-input
    rows = db.execute(f"SELECT id, name FROM products ORDER BY {column}").fetchall()
    return jsonify(rows)


@app.route("/products/page")
def product_page():
    limit = int(request.args.get("limit", 20))
    direction = request.args.get("dir", "ASC").upper()
    if direction not in ("ASC", "DESC"):
        return "bad direction", 400
    # ok: sql-query-from-untrusted-input
    rows = db.execute(f"SELECT id FROM products ORDER BY id {direction} LIMIT {limit}").fetchall()
    return jsonify(rows)


@api.get("/users/{username}")
def get_user(username: str, session: Session = Depends(get_session)):
    # ok: sql-query-from-untrusted-input
    return session.execute(select(User).where(User.username == username)).scalar_one()


@api.post("/orders/bulk")
def bulk_orders(ids: list[int], session: Session = Depends(get_session)):
    placeholders = ", ".join(":id%d" % i for i in range(len(ids)))
    params = {f"id{i}": value for i, value in enumerate(ids)}
    # ok: sql-query-from-untrusted-input
    return session.execute(text(f"SELECT * FROM orders WHERE id IN ({placeholders})"), params).all()


def migrate(cursor, table_name: str) -> None:
    # ok: sql-query-from-untrusted-input
    cursor.execute(f"ALTER TABLE {table_name} ADD COLUMN archived BOOLEAN DEFAULT FALSE")


class ManagementCommand:
    def run_from_argv(self, argv):
        # Django's BaseCommand: parsed options forwarded to the command's own execute().
        options = self.create_parser(argv[0], argv[1]).parse_args(argv[2:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        # ok: sql-query-from-untrusted-input
        self.execute(*args, **cmd_options)

    def run_report(self, params=()):
        table = sys.argv[1]
        with connection.cursor() as cursor:
            # ruleid: sql-query-from-untrusted-input
            cursor.execute(f"SELECT count(*) FROM {table}", *params)


# --- sources beyond web requests (shared block) and their safe look-alikes ---


def lambda_handler(event, context):
    sku = json.loads(event["body"])["sku"]
    with connection.cursor() as cur:
        # ruleid: sql-query-from-untrusted-input
        cur.execute("SELECT name FROM products WHERE sku = '" + sku + "'")
        # ok: sql-query-from-untrusted-input
        cur.execute("SELECT name FROM products WHERE sku = %s", (sku,))


@celery_app.task
def archive_reports(owner):
    with connection.cursor() as cur:
        # ruleid: sql-query-from-untrusted-input
        cur.execute(f"UPDATE reports SET archived = true WHERE owner = '{owner}'")
        # ok: sql-query-from-untrusted-input
        cur.execute("UPDATE reports SET archived = true WHERE owner = %s", (owner,))


class UserQuery:
    def resolve_user_email(self, info, username):
        with connection.cursor() as cur:
            # ruleid: sql-query-from-untrusted-input
            cur.execute(f"SELECT email FROM auth_user WHERE username = '{username}'")
            # ok: sql-query-from-untrusted-input
            cur.execute("SELECT email FROM auth_user WHERE username = %s", [username])


async def find_note(update, context):
    keyword = update.message.text.removeprefix("/find ")
    # ruleid: sql-query-from-untrusted-input
    db.execute("SELECT body FROM notes WHERE body LIKE '%%%s%%'" % keyword)
    # ok: sql-query-from-untrusted-input
    db.execute("SELECT body FROM notes WHERE body LIKE ?", (f"%{keyword}%",))


def render_report(report_id: int, template_name: str):
    # A plain function's parameters are not a source (who calls it is not known here).
    # ok: sql-query-from-untrusted-input
    db.execute(f"SELECT * FROM {template_name} WHERE id = {report_id}")


# --- validation idioms: a guard counts only when its failing branch leaves ---


class Direction(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@app.route("/products/ordered")
def ordered_products():
    direction = request.args.get("dir", "ASC")
    if direction not in ("ASC", "DESC"):
        app.logger.warning("odd direction %s", direction)
    # ruleid: sql-query-from-untrusted-input
    db.execute(f"SELECT id FROM products ORDER BY id {direction}")
    # ok: sql-query-from-untrusted-input
    db.execute(f"SELECT id FROM products ORDER BY id {Direction(direction).value}")
    since = datetime.date.fromisoformat(request.args["since"])
    # ok: sql-query-from-untrusted-input
    db.execute(f"SELECT id FROM products WHERE added > '{since}'")
    return jsonify([])


@app.route("/products/by-code")
def product_by_code():
    code = request.args["code"]
    if not re.match(r"[A-Z]{3}-\d+", code):
        abort(400)
    # ruleid: sql-query-from-untrusted-input
    db.execute(f"SELECT id FROM products WHERE code = '{code}'")
    if not re.match(r"^[A-Z]{3}-\d+$", code):
        abort(400)
    # ok: sql-query-from-untrusted-input
    db.execute(f"SELECT id FROM products WHERE code = '{code}'")
    return jsonify([])


def consume_orders():
    consumer = KafkaConsumer("orders", bootstrap_servers="kafka:9092")
    for record in consumer:
        # ruleid: sql-query-from-untrusted-input
        db.execute("INSERT INTO audit VALUES ('%s')" % record.value.decode())
        # ok: sql-query-from-untrusted-input
        db.execute("INSERT INTO audit VALUES (?)", (record.value.decode(),))
