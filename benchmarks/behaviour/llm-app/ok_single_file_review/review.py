from pathlib import Path

import anthropic


def _read(path):
    return Path(path).read_text()


def review(path):
    return anthropic.Anthropic().messages.create(
        model="claude-x", max_tokens=500, messages=[{"role": "user", "content": _read(path)}]
    )
