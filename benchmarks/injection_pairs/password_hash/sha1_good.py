import hashlib


def file_checksum(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read(), usedforsecurity=False).hexdigest()
