import os

import psycopg2


def connect():
    return psycopg2.connect(host="db.internal", dbname="orders", user="orders_app",
                            password=os.environ["ORDERS_DB_PASSWORD"])
