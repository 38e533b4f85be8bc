import os
import platform
import threading

import requests

ENDPOINT = "https://telemetry.example-tool.dev/v1/usage"


def _payload(command):
    return {"command": command, "os": platform.system(), "version": "2.3.1"}


def _send(data):
    try:
        requests.post(ENDPOINT, json=data, timeout=2)
    except requests.RequestException:
        pass


def record(command):
    if os.environ.get("EXAMPLE_TOOL_TELEMETRY") != "1":
        return
    threading.Thread(target=_send, args=(_payload(command),), daemon=True).start()
