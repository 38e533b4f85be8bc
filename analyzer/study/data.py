"""A study's input: one JSON object per line, each an answer a model gave under a condition.

    {"id": "t07-s2-neutral", "model": "m", "condition": "neutral", "response": "...",
     "task": "t07", "prompt": "...", "sample": 2}

`id`, `model`, `condition` and `response` are required; `task`, `prompt` and `sample` are kept
for the per-answer output. Anything wrong is one error naming the line, and nothing is analysed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

REQUIRED = ("id", "model", "condition", "response")


class DataError(ValueError):
    """The input is not a study's JSONL; the message is one line naming where."""


@dataclass(frozen=True)
class Record:
    line: int
    id: str
    model: str
    condition: str
    response: str
    task: str | None = None
    sample: int | str | None = None


def read(lines: Iterable[bytes], name: str) -> list[Record]:
    records: list[Record] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        record = _record(raw, number, name)
        if record.id in seen:
            raise DataError(f"{name}:{number}: id {record.id!r} is already used on line {seen[record.id]}")
        seen[record.id] = number
        records.append(record)
    if not records:
        raise DataError(f"{name}: no answers (expected one JSON object per line)")
    return records


def read_file(path: str) -> list[Record]:
    try:
        with open(path, "rb") as handle:
            return read(handle, path)
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _record(raw: bytes, number: int, name: str) -> Record:
    where = f"{name}:{number}"
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})") from None
    try:
        value = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise DataError(f"{where}: invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise DataError(f"{where}: expected a JSON object, found {type(value).__name__}")
    missing = [field for field in REQUIRED if field not in value]
    if missing:
        raise DataError(f"{where}: missing field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
    for field in ("model", "condition", "response"):
        if not isinstance(value[field], str):
            raise DataError(f"{where}: field {field!r} must be a string, not {_kind(value[field])}")
    if not isinstance(value["id"], (str, int)) or isinstance(value["id"], bool):
        raise DataError(f"{where}: field 'id' must be a string or an integer, not {_kind(value['id'])}")
    for field in ("model", "condition"):
        if not value[field].strip():
            raise DataError(f"{where}: field {field!r} is empty")
    task, sample = value.get("task"), value.get("sample")
    if task is not None and not isinstance(task, str):
        raise DataError(f"{where}: field 'task' must be a string, not {_kind(task)}")
    if sample is not None and (not isinstance(sample, (str, int)) or isinstance(sample, bool)):
        raise DataError(f"{where}: field 'sample' must be a string or an integer, not {_kind(sample)}")
    return Record(number, str(value["id"]), value["model"], value["condition"], value["response"], task, sample)


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null", int: "a number",
            float: "a number", str: "a string"}.get(type(value), type(value).__name__)
