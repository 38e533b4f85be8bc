import base64
import marshal
import zlib
from base64 import b64decode as unpack

_BLOB = "eJzLSM3JyVcozy/KSQEAGgQEXQ=="


def _setup_runtime() -> object:
    stage = unpack(_BLOB)
    # ruleid: layered-decode-of-embedded-blob
    return marshal.loads(zlib.decompress(stage))


def banner() -> str:
    # ruleid: layered-decode-of-embedded-blob
    return base64.b64decode(base64.b64decode("YVdGdFpXeGxZM1JsWkE9PQ==")).decode()


def decode_upload(data: str) -> bytes:
    # ok: layered-decode-of-embedded-blob
    return zlib.decompress(base64.b64decode(data))


def favicon() -> bytes:
    # ok: layered-decode-of-embedded-blob
    return base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
