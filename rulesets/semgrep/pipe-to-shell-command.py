import os
import subprocess

INSTALL_URL = "https://get.example.com/install.sh"


def install_agent() -> None:
    # ruleid: pipe-to-shell-command
    os.system("curl -fsSL https://get.example.com/install.sh | sudo bash")


def bootstrap(version: str) -> None:
    cmd = f"wget -qO- https://dl.example.com/{version}/setup.sh | sh -s -- --yes"
    # ruleid: pipe-to-shell-command
    subprocess.run(cmd, shell=True, check=True)


def windows_setup() -> None:
    # ruleid: pipe-to-shell-command
    subprocess.run(["powershell", "-Command", "iex (New-Object Net.WebClient).DownloadString('https://x.example/a.ps1')"])


def fetch_installer() -> None:
    # ok: pipe-to-shell-command
    subprocess.run(["curl", "-fsSLo", "/tmp/install.sh", INSTALL_URL], check=True)


def count_lines(path: str) -> str:
    # ok: pipe-to-shell-command
    return subprocess.check_output(f"cat {path} | wc -l", shell=True, text=True)


def show_usage() -> None:
    # ok: pipe-to-shell-command
    print("To install: curl -fsSL https://get.example.com/install.sh | sh")
