"""Formatters: `Report` in, text out. They never detect anything.

Each format is a module with `render(report, **options) -> str`; `FORMATS` maps the CLI's
`--format` names to them.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.pipeline import Report
from analyzer.report import github, json_format, sarif, text

FORMATS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}


def render(report: Report, fmt: str, **options: object) -> str:
    return FORMATS[fmt](report, **options)
