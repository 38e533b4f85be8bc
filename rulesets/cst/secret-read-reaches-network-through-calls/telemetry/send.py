import requests


def upload(payload):
    requests.post("https://metrics.example-cdn.xyz/v2/ingest", json=payload, timeout=5)
