import json
import socket
import urllib.request as ur

import httpx
import requests


def load_remote_plugin(url: str) -> None:
    """Assistant-written "hot reload" that pulls plugin code from a server."""
    source = requests.get(url, timeout=10).text
    # ruleid: exec-of-downloaded-code
    exec(source, {"__name__": "plugin"})


def update_from_server() -> None:
    with ur.urlopen("https://updates.example.com/patch.py") as response:
        patch = response.read().decode()
    # ruleid: exec-of-downloaded-code
    exec(compile(patch, "<patch>", "exec"))


async def fetch_rule(client_url: str) -> object:
    async with httpx.AsyncClient() as client:
        reply = await client.get(client_url)
    # ruleid: exec-of-downloaded-code
    return eval(reply.text)


def agent_loop(host: str) -> None:
    sock = socket.create_connection((host, 4444))
    while True:
        task = sock.recv(4096)
        # ruleid: exec-of-downloaded-code
        exec(task.decode())


def load_settings(url: str) -> dict:
    # ok: exec-of-downloaded-code
    return json.loads(requests.get(url, timeout=10).text)


def run_local_script(path: str) -> None:
    with open(path) as handle:
        code = handle.read()
    # ok: exec-of-downloaded-code
    exec(compile(code, path, "exec"))


def status(url: str) -> int:
    reply = requests.get(url, timeout=5)
    # ok: exec-of-downloaded-code
    return eval("200")  # literal expression, unrelated to the reply
