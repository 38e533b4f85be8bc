from redis import Redis
from rq import Queue

queue = Queue(connection=Redis())


def apply_discount(price_expression):
    total = eval(price_expression)
    return round(total * 0.9, 2)


def enqueue(expression):
    return queue.enqueue(apply_discount, expression)
