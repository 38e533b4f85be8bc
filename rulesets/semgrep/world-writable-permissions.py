import os
import stat
from pathlib import Path


def install_hook(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexec diffsentry diff --staged\n")
    # ruleid: world-writable-permissions
    hook.chmod(0o777)


def prepare_upload_dir(path: str) -> None:
    os.makedirs(path, exist_ok=True)
    # ruleid: world-writable-permissions
    os.chmod(path, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)


def daemonize() -> None:
    # ruleid: world-writable-permissions
    os.umask(0)


def write_shared_config(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)
    # ruleid: world-writable-permissions
    os.chmod(path, 0o666)


def install_hook_safely(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexec diffsentry diff --staged\n")
    # ok: world-writable-permissions
    hook.chmod(0o755)


def prepare_cache_dir(path: str) -> None:
    # ok: world-writable-permissions
    os.makedirs(path, mode=0o777, exist_ok=True)
    # ok: world-writable-permissions
    os.umask(0o022)


def protect_key(path: str) -> None:
    # ok: world-writable-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def current_umask() -> int:
    # ok: world-writable-permissions
    mask = os.umask(0)
    os.umask(mask)
    return mask
