import os
import subprocess


def clean(folder: str) -> None:
    # ruleid: start-process-with-a-shell
    os.system("rm -rf " + folder)


def uptime() -> str:
    # ruleid: start-process-with-a-shell
    return os.popen("uptime").read()


def clean_safely(folder: str) -> None:
    # ok: start-process-with-a-shell
    subprocess.run(["rm", "-rf", "--", folder], check=True)


def system_name() -> str:
    # ok: start-process-with-a-shell
    return os.uname().sysname
