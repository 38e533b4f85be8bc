import json
import urllib.request


def handler(event, context):
    payload = json.loads(event["body"])
    callback = payload["callback_url"]
    with urllib.request.urlopen(callback, timeout=5) as reply:
        return {"statusCode": 200, "body": json.dumps({"callback_status": reply.status})}
