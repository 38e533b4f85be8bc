import hashlib


def verify_login(stored_hash: str, password: str) -> bool:
    return hashlib.sha1(password.encode("utf-8")).hexdigest() == stored_hash
