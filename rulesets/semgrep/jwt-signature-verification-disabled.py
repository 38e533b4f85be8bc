import jwt
from fastapi import Depends, FastAPI, Header
from jose import jwt as jose_jwt

api = FastAPI()
PUBLIC_KEY = open("public.pem").read()


def current_user(authorization: str = Header(...)) -> str:
    token = authorization.removeprefix("Bearer ")
    # ruleid: jwt-signature-verification-disabled
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]


def tenant_of(token: str) -> str:
    options = {"verify_signature": False, "verify_exp": True}
    # ruleid: jwt-signature-verification-disabled
    return jose_jwt.decode(token, "", options=options)["tenant"]


def legacy_claims(token: str) -> dict:
    # ruleid: jwt-signature-verification-disabled
    return jwt.decode(token, verify=False)


def current_user_verified(authorization: str = Header(...)) -> str:
    token = authorization.removeprefix("Bearer ")
    # ok: jwt-signature-verification-disabled
    claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")
    return claims["sub"]


def key_id(token: str) -> str:
    # ok: jwt-signature-verification-disabled
    return jwt.get_unverified_header(token)["kid"]


def lenient_expiry(token: str) -> dict:
    # ok: jwt-signature-verification-disabled
    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], options={"verify_signature": True, "verify_aud": False})
