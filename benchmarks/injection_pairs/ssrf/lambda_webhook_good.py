import json
import urllib.request
from urllib.parse import urlparse

CALLBACK_HOSTS = {"hooks.example.com"}


def handler(event, context):
    payload = json.loads(event["body"])
    callback = payload["callback_url"]
    if urlparse(callback).hostname not in CALLBACK_HOSTS:
        return {"statusCode": 400, "body": "callback host not allowed"}
    with urllib.request.urlopen(callback, timeout=5) as reply:
        return {"statusCode": 200, "body": json.dumps({"callback_status": reply.status})}
