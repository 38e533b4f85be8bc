"""Test helpers: a throwaway server process and a patched environment (the requests/pytest shape)."""

import contextlib
import os
import subprocess
import sys


@contextlib.contextmanager
def environment(**values):
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start_server(port):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    return subprocess.Popen([sys.executable, "-m", "http.server", str(port)], env=env)
