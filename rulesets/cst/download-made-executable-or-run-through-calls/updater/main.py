import subprocess

from .check import latest


def maybe_upgrade(url):
    version = latest(url)
    # ok: download-made-executable-or-run-through-calls
    subprocess.run(["pip", "index", "versions", "example-tool"], check=False)
    return version
