import os
import subprocess


def start_miner_like_worker(script: str) -> None:
    # ruleid: background-shell-command
    os.system(f"nohup python3 {script} > /dev/null 2>&1 &")


def windows_updater() -> None:
    cmd = "powershell -NoProfile -WindowStyle Hidden -File C:\\ProgramData\\upd.ps1"
    # ruleid: background-shell-command
    subprocess.Popen(cmd, shell=True)


def restart_service() -> None:
    # ok: background-shell-command
    subprocess.run(["systemctl", "restart", "nginx"], check=True)


def compress_logs() -> None:
    # ok: background-shell-command
    os.system("gzip -9 /var/log/app/*.log > /dev/null 2>&1")
