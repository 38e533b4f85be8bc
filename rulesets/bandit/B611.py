from django.db.models.expressions import RawSQL

from .models import Order


def tagged_total(tag: str):
    # ruleid: django-rawsql-used
    return Order.objects.annotate(total=RawSQL("SELECT SUM(amount) FROM items WHERE tag = '" + tag + "'", ()))


def ranked(column: str):
    # ruleid: django-rawsql-used
    return Order.objects.annotate(rank=RawSQL(f"RANK() OVER (ORDER BY {column})", []))


def tagged_total_safely(tag: str):
    # ok: django-rawsql-used
    return Order.objects.annotate(total=RawSQL("SELECT SUM(amount) FROM items WHERE tag = %s", (tag,)))


def open_orders():
    # ok: django-rawsql-used
    return Order.objects.filter(status="open")
