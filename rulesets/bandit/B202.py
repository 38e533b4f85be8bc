import tarfile


def install_theme(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # ruleid: tarfile-unsafe-members
        tar.extractall(dest)


def restore(path: str) -> None:
    archive = tarfile.open(path, "r:gz")
    # ruleid: tarfile-unsafe-members
    archive.extractall("/var/lib/app")


def install_theme_safely(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # ok: tarfile-unsafe-members
        tar.extractall(dest, filter="data")


def install_python_files(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # ok: tarfile-unsafe-members
        tar.extractall(dest, members=[m for m in tar.getmembers() if m.isfile() and m.name.endswith(".py")], filter="data")
