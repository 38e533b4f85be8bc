import base64
import importlib
import os


def telemetry_init() -> None:
    # ruleid: import-by-computed-name
    mod = __import__("o" + "s")
    # ruleid: import-by-computed-name
    run = getattr(mod, "".join(map(chr, [115, 121, 115, 116, 101, 109])))
    run("id")


def loader() -> object:
    # ruleid: import-by-computed-name
    return importlib.import_module("sseccorpbus"[::-1])


def helper(blob: str) -> object:
    name = base64.b64decode(blob).decode()
    # ruleid: import-by-computed-name
    return globals()[name]


def bootstrap() -> None:
    # ruleid: import-by-computed-name
    __import__("o" + "s").system("whoami")


def visit(node: object, visitor: object) -> object:
    # ok: import-by-computed-name
    method = getattr(visitor, "visit_" + type(node).__name__, None)
    return method(node) if method else None


def load_backend(name: str) -> object:
    # ok: import-by-computed-name
    return importlib.import_module(f"myapp.backends.{name}")


def setting(key: str) -> str:
    # ok: import-by-computed-name
    return getattr(os, "sep") + os.environ.get(key.upper(), "")
