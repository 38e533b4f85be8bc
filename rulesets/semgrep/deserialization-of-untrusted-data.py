import base64
import json
import pickle
import socket

import jsonpickle
import torch
import yaml
from fastapi import FastAPI, UploadFile
from flask import Flask, render_template, request

app = Flask(__name__)
api = FastAPI()


@app.route("/cart")
def show_cart():
    # ruleid: deserialization-of-untrusted-data
    items = pickle.loads(base64.b64decode(request.cookies["cart"]))
    return render_template("cart.html", items=items)


@api.post("/models/upload")
async def upload_model(file: UploadFile):
    payload = await file.read()
    # ruleid: deserialization-of-untrusted-data
    model = pickle.loads(payload)
    return {"type": type(model).__name__}


@app.route("/pipeline", methods=["POST"])
def import_pipeline():
    # ruleid: deserialization-of-untrusted-data
    spec = yaml.load(request.data, Loader=yaml.Loader)
    return {"steps": len(spec["steps"])}


@app.route("/state", methods=["POST"])
def restore_state():
    # ruleid: deserialization-of-untrusted-data
    state = jsonpickle.decode(request.get_data(as_text=True))
    return {"restored": bool(state)}


def serve(port: int) -> None:
    server = socket.create_server(("0.0.0.0", port))
    conn, _ = server.accept()
    message = conn.recv(65536)
    # ruleid: deserialization-of-untrusted-data
    job = pickle.loads(message)
    job.run()


@app.route("/cart-safe")
def show_cart_safely():
    # ok: deserialization-of-untrusted-data
    items = json.loads(request.cookies.get("cart", "[]"))
    return render_template("cart.html", items=items)


@app.route("/pipeline-safe", methods=["POST"])
def import_pipeline_safely():
    # ok: deserialization-of-untrusted-data
    spec = yaml.safe_load(request.data)
    # ok: deserialization-of-untrusted-data
    extra = yaml.load(request.data, Loader=yaml.SafeLoader)
    return {"steps": len(spec["steps"]) + len(extra)}


def load_cache(path: str = "/var/cache/app/index.pkl"):
    with open(path, "rb") as handle:
        # ok: deserialization-of-untrusted-data
        return pickle.load(handle)


# --- sources beyond web requests (shared block), torch.load, and their safe look-alikes ---


def on_message(channel, method, properties, body):
    # ruleid: deserialization-of-untrusted-data
    job = pickle.loads(body)
    # ok: deserialization-of-untrusted-data
    job = json.loads(body)
    channel.basic_ack(delivery_tag=method.delivery_tag)


def drain(sqs, queue_url):
    for record in sqs.receive_message(QueueUrl=queue_url)["Messages"]:
        # ruleid: deserialization-of-untrusted-data
        yield pickle.loads(base64.b64decode(record["Body"]))


@app.route("/models/evaluate", methods=["POST"])
def evaluate_model():
    checkpoint = request.files["checkpoint"]
    # ruleid: deserialization-of-untrusted-data
    weights = torch.load(checkpoint)
    # ok: deserialization-of-untrusted-data
    weights = torch.load(checkpoint, weights_only=True)
    return {"tensors": len(weights)}


def load_local_weights(path):
    # ok: deserialization-of-untrusted-data
    return torch.load(path)
