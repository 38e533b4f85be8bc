import requests

from .status import build_status


def notify(config, ok):
    # ok: secret-read-reaches-network-through-calls
    requests.post(config["webhook_url"], json=build_status(ok), timeout=5)
