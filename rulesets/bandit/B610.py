from .models import Order


def recent_orders(since: str):
    # ruleid: django-extra-used
    return Order.objects.extra(where=[f"created_at > '{since}'"])


def with_total(tag: str):
    # ruleid: django-extra-used
    return Order.objects.extra(select={"total": "SELECT SUM(amount) FROM items WHERE tag = '%s'" % tag})


def recent_orders_safely(since: str):
    # ok: django-extra-used
    return Order.objects.filter(created_at__gt=since)


def open_orders():
    # ok: django-extra-used
    return Order.objects.filter(status="open").order_by("-created_at")
