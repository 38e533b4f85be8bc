import json
import marshal


def load_cached_code(blob: bytes):
    # ruleid: marshal
    return marshal.loads(blob)


def load_code_file(path: str):
    with open(path, "rb") as handle:
        # ruleid: marshal
        return marshal.load(handle)


def load_payload(blob: bytes) -> dict:
    # ok: marshal
    return json.loads(blob)


def cache_code(code, path: str) -> None:
    with open(path, "wb") as handle:
        # ok: marshal
        marshal.dump(code, handle)
