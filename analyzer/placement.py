"""Where a patch's hunks go in a file: found by their context, the way `git apply` and GNU patch do.

An assistant's patch states line numbers that are often wrong while its context is right
(`git apply --check` accepts such a patch). A hunk is therefore looked for at its stated line
first, then at ever larger offsets before and after it (git's `find_pos`), with git's anchors:
a hunk that starts at line 1, or has no trailing context, must sit at the file's start or end;
that anchor is dropped before anything else. Then, as GNU patch's default `--fuzz 2` does, up to
two lines of leading and trailing context are ignored (both when they are equally long, else the
longer side, as git's `-C` reduction does). A hunk found nowhere is not placed: the caller decides
what an unplaced hunk means (here: an incomplete analysis).

Everything works on lines as git counts them (`git_lines`), compared without their line ending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unidiff import PatchedFile
from unidiff.constants import LINE_TYPE_NO_NEWLINE

MAX_FUZZ = 2  # GNU patch's default


def git_lines(text: str) -> list[str]:
    """`text` split the way git and diffs count lines: after each "\n" only (`str.splitlines`
    also splits at form feeds, U+2028 and other characters that do not end a line for git)."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


@dataclass(frozen=True)
class Hunk:
    """One hunk as placement needs it: its stated pre-image start (1-based; 0 for an insertion
    before line 1) and its lines as (kind, text), kind one of " ", "-", "+"."""

    stated: int
    lines: tuple[tuple[str, str], ...]

    @property
    def pre(self) -> list[str]:
        return [text for kind, text in self.lines if kind != "+"]

    def reversed(self) -> Hunk:
        swap = {"+": "-", "-": "+", " ": " "}
        return Hunk(self.stated, tuple((swap[kind], text) for kind, text in self.lines))


def hunks_of(patched: PatchedFile) -> list[Hunk]:
    out = []
    for hunk in patched:
        lines: list[tuple[str, str]] = []
        items = list(hunk)
        for i, line in enumerate(items):
            if line.line_type == LINE_TYPE_NO_NEWLINE:
                continue
            text = line.value
            # unidiff keeps the newline even when `\ No newline at end of file` follows the line.
            if i + 1 < len(items) and items[i + 1].line_type == LINE_TYPE_NO_NEWLINE:
                text = text.rstrip("\r\n")
            kind = "+" if line.is_added else "-" if line.is_removed else " "
            lines.append((kind, text))
        stated = hunk.source_start if hunk.source_length else hunk.source_start + 1
        out.append(Hunk(stated, tuple(lines)))
    return out


@dataclass(frozen=True)
class Move:
    """A hunk that was not where the patch said: `found` and `stated` are pre-image lines."""

    hunk: int  # 1-based
    stated: int
    found: int
    fuzz: int  # context lines ignored


@dataclass(frozen=True)
class Placed:
    """The file after the hunks: its text, the post-image lines the hunks added, and for each
    pre-image line they removed the post-image line where the removal sits."""

    text: str
    added: frozenset[int]
    anchors: dict[int, int]
    moves: tuple[Move, ...]


def _key(line: str) -> str:
    return line.rstrip("\r\n")


def _matches(image: Sequence[str], at: int, pre: Sequence[str]) -> bool:
    if at < 0 or at + len(pre) > len(image):
        return False
    return all(_key(image[at + i]) == _key(text) for i, text in enumerate(pre))


def _find(image: Sequence[str], pre: Sequence[str], expected: int, *, at_start: bool, at_end: bool) -> int | None:
    """The position nearest `expected` where `pre` matches, searching outward (git's order:
    the line itself, then one before, one after, two before...)."""
    last = len(image) - len(pre)
    if last < 0:
        return None
    if at_start or at_end:
        candidates = ([0] if at_start else []) + ([last] if at_end else [])
        at = candidates[0] if not (at_start and at_end) else (0 if last == 0 else None)
        return at if at is not None and _matches(image, at, pre) else None
    expected = min(max(expected, 0), last)
    for distance in range(max(expected, last - expected) + 1):
        for at in (expected - distance, expected + distance) if distance else (expected,):
            if 0 <= at <= last and _matches(image, at, pre):
                return at
    return None


def _locate(image: Sequence[str], hunk: Hunk, expected: int) -> tuple[int, int, int] | None:
    """(position, context lines dropped at the front, at the back) of `hunk` in `image`."""
    lines = hunk.lines
    leading = next((i for i, (kind, _) in enumerate(lines) if kind != " "), len(lines))
    trailing = next((i for i, (kind, _) in enumerate(reversed(lines)) if kind != " "), len(lines))
    has_context = leading + trailing > 0
    # git: with context in the hunk, a hunk at line 1 or without trailing context is anchored.
    at_start = has_context and hunk.stated <= 1
    at_end = has_context and trailing == 0
    front = back = 0
    while True:
        pre = [text for kind, text in lines[front:len(lines) - back] if kind != "+"]
        if pre or not has_context:
            found = _find(image, pre, expected + front, at_start=at_start, at_end=at_end)
            if found is not None:
                return found, front, back
        if at_start or at_end:
            at_start = at_end = False
            continue
        fuzz = max(front, back)
        if fuzz >= MAX_FUZZ or not pre:
            return None
        room_front, room_back = leading - front, trailing - back
        if room_front <= 0 and room_back <= 0:
            return None
        if room_front == room_back:
            front, back = front + 1, back + 1
        elif room_front > room_back:
            front += 1
        else:
            back += 1


class _Line:
    """A line of the image being patched, remembering where it came from."""

    __slots__ = ("text", "pre", "added")

    def __init__(self, text: str, pre: int | None, added: bool) -> None:
        self.text, self.pre, self.added = text, pre, added


def place(original: str, hunks: Sequence[Hunk]) -> tuple[Placed | None, list[int]]:
    """Apply `hunks` to `original` where their context is found. Returns the result (None when a
    hunk could not be placed) and the 1-based numbers of the hunks that could not be placed."""
    image = [_Line(text, number, False) for number, text in enumerate(git_lines(original), 1)]
    moves: list[Move] = []
    unplaced: list[int] = []
    removed_at: list[tuple[int, _Line | None, int]] = []  # (pre line, line it sits before, fallback index)
    offset = 0
    for index, hunk in enumerate(hunks, 1):
        expected = max(hunk.stated - 1, 0) + offset
        located = _locate([line.text for line in image], hunk, expected)
        if located is None:
            unplaced.append(index)
            continue
        at, front, back = located
        body = hunk.lines[front:len(hunk.lines) - back]
        stated = hunk.stated + front
        found = image[at].pre if at < len(image) and image[at].pre is not None else stated
        if found != stated or front or back:
            moves.append(Move(index, stated, found, max(front, back)))
        net = sum(1 if kind == "+" else -1 if kind == "-" else 0 for kind, _ in body)
        offset = at - max(stated - 1, 0) + net
        replacement: list[_Line] = []
        pending: list[int] = []
        cursor = at
        for kind, text in body:
            if kind == " ":
                line = image[cursor]
                cursor += 1
                replacement.append(line)
                removed_at.extend((n, line, 0) for n in pending)
                pending = []
            elif kind == "-":
                if image[cursor].pre is not None:
                    pending.append(image[cursor].pre)  # type: ignore[arg-type]
                cursor += 1
            else:
                line = _Line(text, None, True)
                replacement.append(line)
                removed_at.extend((n, line, 0) for n in pending)
                pending = []
        anchor = replacement[-1] if replacement else None
        removed_at.extend((n, anchor, at) for n in pending)
        image[at:cursor] = replacement
    if unplaced:
        return None, unplaced
    position = {id(line): number for number, line in enumerate(image, 1)}
    anchors = {}
    for pre, line, fallback in removed_at:
        anchors[pre] = position.get(id(line), 0) if line is not None else 0
        anchors[pre] = anchors[pre] or max(min(fallback, len(image)), 1)
    text = "".join(line.text for line in image)
    added = frozenset(number for number, line in enumerate(image, 1) if line.added)
    return Placed(text, added, anchors, tuple(moves)), []


def place_reversed(current: str, hunks: Sequence[Hunk]) -> Placed | None:
    """When `current` already has the hunks applied: the pre-image (as `text`), with `added` the
    lines of `current` the patch added and `anchors` keyed by pre-image line. None otherwise."""
    undone, unplaced = place(current, [hunk.reversed() for hunk in hunks])
    if undone is None or unplaced:
        return None
    # Undoing re-adds the removed lines (its `added`, in pre-image numbers) and removes the added
    # ones (its `anchors`, keyed by lines of `current`).
    redo, _ = place(undone.text, hunks)
    if redo is None or redo.text != current:
        return None
    return Placed(undone.text, redo.added, redo.anchors, undone.moves)
