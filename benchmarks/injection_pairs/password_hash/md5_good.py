from django.contrib.auth.hashers import make_password

from .models import User


def register(username: str, password: str) -> User:
    return User.objects.create(username=username, password_hash=make_password(password))
