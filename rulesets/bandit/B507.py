import paramiko


def deploy(host: str) -> None:
    client = paramiko.SSHClient()
    # ruleid: ssh-no-host-key-verification
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, username="deploy")


def backup(host: str) -> None:
    client = paramiko.SSHClient()
    # ruleid: ssh-no-host-key-verification
    client.set_missing_host_key_policy(paramiko.WarningPolicy())
    client.connect(host, username="backup")


def deploy_safely(host: str) -> None:
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    # ok: ssh-no-host-key-verification
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, username="deploy")


def connect_known(host: str) -> None:
    client = paramiko.SSHClient()
    # ok: ssh-no-host-key-verification
    client.load_host_keys("/etc/ssh/ssh_known_hosts")
    client.connect(host, username="deploy")
