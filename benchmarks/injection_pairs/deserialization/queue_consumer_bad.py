import pickle

import pika


def on_message(channel, method, properties, body):
    job = pickle.loads(body)
    print("processing", job["id"])
    channel.basic_ack(delivery_tag=method.delivery_tag)


connection = pika.BlockingConnection(pika.ConnectionParameters("rabbitmq"))
channel = connection.channel()
channel.basic_consume(queue="jobs", on_message_callback=on_message)
channel.start_consuming()
