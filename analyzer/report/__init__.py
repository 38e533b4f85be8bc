"""Formatters: `Report` in, text out. They never detect anything.

Each format is a module with `render(report, **options) -> str`; `FORMATS` maps the CLI's
`--format` names to them. They are imported when used: the SARIF one pulls in sarif-om
(~0.15 s of a run's start-up), which `--version`, `rules` and text output never need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.pipeline import Report

FORMATS: dict[str, str] = {"text": "text", "json": "json_format", "sarif": "sarif", "github": "github"}


def render(report: Report, fmt: str, **options: object) -> str:
    return importlib.import_module(f"analyzer.report.{FORMATS[fmt]}").render(report, **options)
