import jwt
from jose import jwt as jose_jwt

SECRET = open("/run/secrets/jwt").read()


def verify(token: str) -> dict:
    # ruleid: jwt-none-algorithm-accepted
    return jwt.decode(token, SECRET, algorithms=["HS256", "none"])


def issue_test_token(user_id: str) -> str:
    # ruleid: jwt-none-algorithm-accepted
    return jose_jwt.encode({"sub": user_id}, "", algorithm="none")


def verify_strict(token: str) -> dict:
    # ok: jwt-none-algorithm-accepted
    return jwt.decode(token, SECRET, algorithms=["HS256"])


def issue_token(user_id: str) -> str:
    # ok: jwt-none-algorithm-accepted
    return jwt.encode({"sub": user_id}, SECRET, algorithm="HS256")
