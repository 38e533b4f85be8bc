import shlex

import paramiko


def tail_log(client: paramiko.SSHClient, log_name: str) -> str:
    # ruleid: paramiko-calls
    _, stdout, _ = client.exec_command(f"tail -n 100 /var/log/{log_name}")
    return stdout.read().decode()


def restart(client: paramiko.SSHClient, service: str) -> None:
    # ruleid: paramiko-calls
    client.exec_command("sudo systemctl restart " + service)


def upload(client: paramiko.SSHClient, local: str, remote: str) -> None:
    sftp = client.open_sftp()
    # ok: paramiko-calls
    sftp.put(local, remote)


def quote_name(log_name: str) -> str:
    # ok: paramiko-calls
    return shlex.quote(log_name)
