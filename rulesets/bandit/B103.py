import os


def publish_script(path: str) -> None:
    # ruleid: set-bad-file-permissions
    os.chmod(path, 0o777)


def share_upload_dir(path: str) -> None:
    # ruleid: set-bad-file-permissions
    os.chmod(path, 0o666)


def publish_config(path: str) -> None:
    # ok: set-bad-file-permissions
    os.chmod(path, 0o644)


def protect_key(path: str) -> None:
    # ok: set-bad-file-permissions
    os.chmod(path, 0o600)
