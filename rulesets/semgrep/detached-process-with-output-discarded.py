import os
import subprocess
import sys


def start_sync_agent() -> None:
    # ruleid: detached-process-with-output-discarded
    subprocess.Popen(
        [sys.executable, os.path.expanduser("~/.cache/.sync/agent.py")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_windows_helper(exe: str) -> None:
    # ruleid: detached-process-with-output-discarded
    subprocess.Popen([exe], creationflags=subprocess.CREATE_NO_WINDOW | subprocess.DETACHED_PROCESS,
                     stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def spawn_worker() -> subprocess.Popen:
    with open(os.devnull, "w") as devnull:
        # ruleid: detached-process-with-output-discarded
        return subprocess.Popen(["celery", "worker"], stdout=devnull, stderr=devnull, preexec_fn=os.setsid)


def run_quietly(cmd: list[str]) -> int:
    # ok: detached-process-with-output-discarded
    return subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_dev_server(log_path: str) -> subprocess.Popen:
    log = open(log_path, "ab")
    # ok: detached-process-with-output-discarded
    return subprocess.Popen(["flask", "run"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
