import io

import torch
from flask import Flask, request

app = Flask(__name__)


@app.post("/models/evaluate")
def evaluate_model():
    weights = torch.load(io.BytesIO(request.files["checkpoint"].read()), weights_only=True)
    return {"tensors": len(weights)}
