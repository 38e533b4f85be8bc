"""Where a position in raw source falls: code, a string literal or a comment (for DS6xx text checks).

Text checks must tell a `# nosec` comment from the same words inside a string, and an invisible
character in an identifier from the same character inside localised text. libcst cannot help with
files it cannot parse, so this uses the stdlib tokenizer, which works line by line and keeps
going past most errors. The text is tokenized at most once per file and only when a rule found a
candidate in it.
"""

from __future__ import annotations

import bisect
import functools
import io
import re
import tokenize
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

CODE, STRING, DOCSTRING, COMMENT = "code", "string", "docstring", "comment"

# Python (and libcst) end a line at \r\n, \r or \n only; str.splitlines() also splits at form feeds,
# U+2028 and others, which would shift line numbers against every other engine.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_STRING_TOKENS = frozenset(
    t for t in (tokenize.STRING, getattr(tokenize, "FSTRING_START", None), getattr(tokenize, "FSTRING_MIDDLE", None),
                getattr(tokenize, "FSTRING_END", None)) if t is not None
)

_STATEMENT_START = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})


def physical_lines(text: str) -> list[str]:
    """The lines of `text` as Python numbers them (index 0 is line 1), without line ends."""
    return _LINE_BREAK.split(text)


@dataclass(frozen=True)
class Comment:
    line: int
    column: int  # 0-based, at the `#`
    text: str


class SourceRegions:
    """String, docstring and comment spans of one file; everything else is code.

    A docstring here is any string literal that is a statement of its own (module, class and
    function docstrings, and bare strings used as block comments): prose, not data.
    """

    def __init__(self, text: str) -> None:
        bom = text.startswith("\ufeff")
        body = _LINE_BREAK.sub("\n", text[1:] if bom else text)
        spans: list[tuple[tuple[int, int], tuple[int, int], str]] = []
        comments: list[Comment] = []
        previous = tokenize.NEWLINE  # the last significant token type: the file starts a statement
        alone: int | None = None  # index in spans of a string that began a statement
        try:
            for tok in tokenize.generate_tokens(io.StringIO(body).readline):
                if tok.type == tokenize.COMMENT:
                    start = _shift(tok.start, bom)
                    spans.append((start, _shift(tok.end, bom), COMMENT))
                    comments.append(Comment(start[0], start[1], tok.string))
                    continue
                if tok.type == tokenize.NL:
                    continue
                if alone is not None and tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                    spans[alone] = (*spans[alone][:2], DOCSTRING)
                alone = None
                if tok.type in _STRING_TOKENS:
                    if tok.type == tokenize.STRING and previous in _STATEMENT_START:
                        alone = len(spans)
                    spans.append((_shift(tok.start, bom), _shift(tok.end, bom), STRING))
                previous = tok.type
        except (tokenize.TokenError, SyntaxError):
            pass  # keep what was read; the rest counts as code, the cautious reading for these checks
        self._starts = [span[0] for span in spans]
        self._spans = spans
        self.comments: tuple[Comment, ...] = tuple(comments)

    def kind_at(self, line: int, column: int) -> str:
        """CODE, STRING, DOCSTRING or COMMENT for 1-based `line` and 0-based `column`."""
        index = bisect.bisect_right(self._starts, (line, column)) - 1
        if index >= 0:
            _, end, kind = self._spans[index]
            if (line, column) < end:
                return kind
        return CODE


def _shift(position: tuple[int, int], bom: bool) -> tuple[int, int]:
    line, column = position
    return (line, column + 1) if bom and line == 1 else (line, column)


@functools.lru_cache(maxsize=8)
def regions_of(text: str) -> SourceRegions:
    """Tokenize once per file even when several rules ask."""
    return SourceRegions(text)


def describe(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based number, line) pairs; a byte-order mark opening line 1 is blanked out (it is an
    encoding mark, not content) so that columns stay those of the file."""
    for number, line in enumerate(physical_lines(text), start=1):
        yield number, (" " + line[1:] if number == 1 and line.startswith("\ufeff") else line)
