import subprocess

import asyncssh
import paramiko


def deploy(host: str, key_path: str) -> None:
    client = paramiko.SSHClient()
    # ruleid: ssh-host-key-verification-disabled
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, username="deploy", key_filename=key_path)
    client.exec_command("systemctl restart app")


async def run_remote(host: str) -> str:
    # ruleid: ssh-host-key-verification-disabled
    async with asyncssh.connect(host, username="ci", known_hosts=None) as conn:
        result = await conn.run("uptime")
        return result.stdout


def sync_files(host: str) -> None:
    subprocess.run(
        # ruleid: ssh-host-key-verification-disabled
        ["rsync", "-az", "-e", "ssh -o StrictHostKeyChecking=no", "dist/", f"deploy@{host}:/srv/app/"],
        check=True,
    )


def deploy_safely(host: str, key_path: str) -> None:
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    # ok: ssh-host-key-verification-disabled
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, username="deploy", key_filename=key_path)


async def run_remote_safely(host: str) -> str:
    # ok: ssh-host-key-verification-disabled
    async with asyncssh.connect(host, username="ci", known_hosts="/etc/ssh/ssh_known_hosts") as conn:
        return (await conn.run("uptime")).stdout


def sync_files_safely(host: str) -> None:
    # ok: ssh-host-key-verification-disabled
    subprocess.run(["rsync", "-az", "-e", "ssh -o StrictHostKeyChecking=yes", "dist/", f"deploy@{host}:/srv/app/"], check=True)
