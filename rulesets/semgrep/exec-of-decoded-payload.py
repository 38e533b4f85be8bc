import base64
import base64 as b
import codecs
import marshal
import zlib
from base64 import b64decode as unpack


def run_plugin_blob(blob: str) -> None:
    code = base64.b64decode(blob).decode()
    # ruleid: exec-of-decoded-payload
    exec(code)


def bootstrap() -> None:
    # ruleid: exec-of-decoded-payload
    exec(zlib.decompress(b.b64decode("eJzLSM3JyVcozy/KSQEAGgQEXQ==")))


def aliased(payload):
    # ruleid: exec-of-decoded-payload
    eval(unpack(payload))


def from_char_codes() -> None:
    hidden = "".join(map(chr, [112, 114, 105, 110, 116, 40, 49, 41]))
    # ruleid: exec-of-decoded-payload
    exec(hidden)


def cached(module_bytes: bytes) -> None:
    # ruleid: exec-of-decoded-payload
    exec(marshal.loads(module_bytes))


def rot13(text: str) -> None:
    # ruleid: exec-of-decoded-payload
    exec(codecs.decode(text, "rot13"))


def decode_image(data: str) -> bytes:
    # ok: exec-of-decoded-payload
    return base64.b64decode(data)


def run_user_script(path: str) -> None:
    with open(path) as handle:
        source = handle.read()
    # ok: exec-of-decoded-payload
    exec(compile(source, path, "exec"))


def config_value(raw: str) -> dict:
    decoded = base64.b64decode(raw).decode()
    # ok: exec-of-decoded-payload
    return eval("dict")(item.split("=", 1) for item in decoded.split(";"))  # literal argument only
