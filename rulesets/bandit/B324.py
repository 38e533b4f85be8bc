import hashlib


def password_digest(password: str) -> str:
    # ruleid: hashlib-insecure-functions
    return hashlib.md5(password.encode()).hexdigest()


def api_key_fingerprint(key: str) -> str:
    # ruleid: hashlib-insecure-functions
    return hashlib.sha1(key.encode()).hexdigest()


def cache_key(url: str) -> str:
    # ok: hashlib-insecure-functions
    return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()


def file_checksum(data: bytes) -> str:
    # ok: hashlib-insecure-functions
    return hashlib.sha256(data).hexdigest()
