import hashlib
import os

from flask import Flask, request
from passlib.hash import bcrypt, md5_crypt
from werkzeug.security import generate_password_hash

app = Flask(__name__)


def register(username: str, password: str) -> None:
    # ruleid: fast-hash-used-for-password
    digest = hashlib.sha256(password.encode()).hexdigest()
    save_user(username, digest)


@app.route("/signup", methods=["POST"])
def signup():
    salt = os.urandom(16).hex()
    # ruleid: fast-hash-used-for-password
    hashed = hashlib.md5((salt + request.form["password"]).encode()).hexdigest()
    save_user(request.form["username"], f"{salt}${hashed}")
    return "ok"


def check_login(user, pwd: str) -> bool:
    hasher = hashlib.sha1()
    # ruleid: fast-hash-used-for-password
    hasher.update(pwd.encode("utf-8"))
    return hasher.hexdigest() == user.password_digest


def legacy_hash(password: str) -> str:
    # ruleid: fast-hash-used-for-password
    return md5_crypt.hash(password)


def create_user(username: str, password: str) -> None:
    # ruleid: fast-hash-used-for-password
    save_user(username, generate_password_hash(password, method="sha256"))


PASSWORD_HASHERS = [
    # ruleid: fast-hash-used-for-password
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def register_safely(username: str, password: str) -> None:
    salt = os.urandom(16)
    # ok: fast-hash-used-for-password
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    save_user(username, salt.hex() + digest.hex())


def create_user_safely(username: str, password: str) -> None:
    # ok: fast-hash-used-for-password
    save_user(username, generate_password_hash(password))
    # ok: fast-hash-used-for-password
    save_hash(bcrypt.hash(password))


def reset_token_digest(reset_token: str) -> str:
    # ok: fast-hash-used-for-password
    return hashlib.sha256(reset_token.encode()).hexdigest()


def file_checksum(path: str) -> str:
    with open(path, "rb") as handle:
        # ok: fast-hash-used-for-password
        return hashlib.sha256(handle.read()).hexdigest()
