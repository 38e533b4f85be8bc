import json

import psycopg2

conn = psycopg2.connect("dbname=shop")


def handler(event, context):
    body = json.loads(event["body"])
    sku = body["sku"]
    with conn.cursor() as cur:
        cur.execute("SELECT name, price FROM products WHERE sku = %s", (sku,))
        row = cur.fetchone()
    return {"statusCode": 200, "body": json.dumps({"name": row[0], "price": float(row[1])})}
