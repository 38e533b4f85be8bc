"""Progress of a long analysis on stderr: files done of all, and what is at work.

* On a terminal: rich's progress bar, shown once the run has taken a second (a pre-commit run of
  a small change shows nothing) and erased when it ends.
* In a CI log (stderr not a terminal and `CI` or `GITHUB_ACTIONS` set, as every CI service sets
  one): a plain line every 10 s once the run has taken 10 s, so that a whole-repository scan
  shows it is alive and how far it got, and a quick run prints nothing.
* Otherwise (a pipe, a file, the test suite): nothing.

`DIFFSENTRY_PROGRESS` overrides the choice: `bar`, `plain` or `off`. Progress never goes to
stdout, where results are written.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

BAR_DELAY_S = 1.0
PLAIN_INTERVAL_S = 10.0


def choose(stream: TextIO) -> str:
    """"bar", "plain" or "off" for `stream`, from the environment (see the module docstring)."""
    chosen = os.environ.get("DIFFSENTRY_PROGRESS", "").strip().lower()
    if chosen in ("bar", "plain", "off"):
        return chosen
    if stream.isatty():
        return "bar"
    if os.environ.get("CI", "").lower() not in ("", "0", "false") or os.environ.get("GITHUB_ACTIONS"):
        return "plain"
    return "off"


class Progress:
    """Receives (what is at work, files done, files in all) from the pipeline."""

    def __init__(self, stream: TextIO, style: str, *, delay_s: float, interval_s: float) -> None:
        self.stream, self.style = stream, style
        self.delay_s, self.interval_s = delay_s, interval_s
        self.stage, self.done, self.total = "starting", 0, 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._bar = None  # rich.progress.Progress once shown
        self._task = None
        self._thread = threading.Thread(target=self._loop, name="diffsentry-progress", daemon=True)

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self.stage, self.done, self.total = stage, done, total
            if self._bar is not None:
                self._bar.update(self._task, completed=done, total=total or None, stage=stage)

    def start(self) -> None:
        if self.style != "off":
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            if self._bar is not None:
                self._bar.stop()

    def line(self) -> str:
        elapsed = time.monotonic() - self._started
        return f"diffsentry: {self.done}/{self.total} files, at work: {self.stage} ({elapsed:.0f} s)"

    def _loop(self) -> None:
        if self.style == "bar":
            if not self._stop.wait(self.delay_s):
                self._show_bar()
            return
        if self._stop.wait(self.delay_s):
            return
        while True:
            with self._lock:
                self.stream.write(self.line() + "\n")
                self.stream.flush()
            if self._stop.wait(self.interval_s):
                return

    def _show_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, SpinnerColumn, TextColumn
        from rich.progress import TimeElapsedColumn

        with self._lock:
            bar = Bar(SpinnerColumn(), TextColumn("diffsentry"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("files"), TimeElapsedColumn(), TextColumn("{task.fields[stage]}"),
                      console=Console(file=self.stream), transient=True)
            self._task = bar.add_task("analysing", total=self.total or None, completed=self.done, stage=self.stage)
            bar.start()
            self._bar = bar


@contextmanager
def reporting(stream: TextIO | None = None) -> Iterator[Progress]:
    """A `Progress` for the pipeline's `progress` option, shown as `choose` decides."""
    stream = stream or sys.stderr
    style = choose(stream)
    delay = BAR_DELAY_S if style == "bar" else PLAIN_INTERVAL_S
    progress = Progress(stream, style, delay_s=delay, interval_s=PLAIN_INTERVAL_S)
    progress.start()
    try:
        yield progress
    finally:
        progress.stop()
