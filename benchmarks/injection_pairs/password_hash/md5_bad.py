import hashlib

from .models import User


def register(username: str, password: str) -> User:
    digest = hashlib.md5(password.encode()).hexdigest()
    return User.objects.create(username=username, password_hash=digest)
