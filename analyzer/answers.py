"""An assistant's answer (Markdown or bare code) as code blocks, found with a real Markdown parser.

Blocks are found with markdown-it-py (CommonMark): fenced blocks, indented blocks, fences inside
list items and block quotes, and an unclosed fence at the end of a truncated answer all come out
as CommonMark says, which a fence regex gets wrong. A block is Python when its info string says
so, or when it has none and Python's own parser accepts it as code; other languages are listed
as skipped, never guessed at.

Each block knows where its lines sit in the answer, so that findings can be shown where a reader
sees them: `CodeBlock.to_answer(line, column)`.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from markdown_it import MarkdownIt

PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3"})


class AnswerError(ValueError):
    """An answer that cannot be read as text; the message is one line."""


def decode(data: bytes, *, max_bytes: int) -> str:
    """An answer's bytes as text: UTF-8 (a BOM allowed), not empty, not binary, not too large."""
    if len(data) > max_bytes:
        raise AnswerError(f"the answer is larger than the size limit ({len(data):,} > {max_bytes:,} bytes)")
    if not data.strip():
        raise AnswerError("the answer is empty")
    if b"\x00" in data:
        raise AnswerError("the answer contains NUL bytes (binary, not text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswerError(f"the answer is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


@dataclass(frozen=True)
class CodeBlock:
    """One code block of an answer. `number` counts every block, in order, from 1."""

    number: int
    language: str  # the info string's first word, lower case; "" when there is none
    text: str
    first_line: int  # line of the answer holding the block's first line (1-based)
    indents: tuple[int, ...]  # per line: columns of the answer before the block's text (list items, quotes)
    python: bool

    @property
    def last_line(self) -> int:
        return self.first_line + max(0, len(self.indents) - 1)

    def to_answer(self, line: int, column: int = 1) -> tuple[int, int]:
        """(line, column) in the answer of (line, column) in this block, both 1-based."""
        indent = self.indents[line - 1] if 0 < line <= len(self.indents) else 0
        return self.first_line + line - 1, column + indent if column > 0 else column


@dataclass(frozen=True)
class Answer:
    text: str
    blocks: tuple[CodeBlock, ...]

    @property
    def python_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple(b for b in self.blocks if b.python)

    @property
    def skipped_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple(b for b in self.blocks if not b.python)

    def block_at(self, line: int) -> CodeBlock | None:
        return next((b for b in self.blocks if b.first_line <= line <= b.last_line), None)


def extract(text: str) -> Answer:
    """The code blocks of `text`: bare Python code is one block, else the Markdown's code blocks."""
    if _is_bare_python(text):
        lines = text.split("\n")
        return Answer(text, (CodeBlock(1, "", text, 1, (0,) * len(lines), True),))
    answer_lines = text.splitlines()
    blocks = []
    for token in _markdown().parse(text):
        if token.type not in ("fence", "code_block") or token.map is None:
            continue
        language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
        # A fence's text starts on the line after the opening fence; an indented block's on its first.
        first = token.map[0] + (2 if token.type == "fence" else 1)
        content = token.content
        python = language in PYTHON_LANGUAGES or (language == "" and _is_python(content))
        blocks.append(CodeBlock(len(blocks) + 1, language, content, first,
                                _indents(content, answer_lines, first), python))
    return Answer(text, tuple(blocks))


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _indents(content: str, answer_lines: list[str], first: int) -> tuple[int, ...]:
    """How many columns of each answer line precede the block's line (a list item's or a quote's
    prefix, which Markdown strips); 0 where the two cannot be matched (tabs expanded)."""
    out = []
    for offset, line in enumerate(content.split("\n")):
        index = first - 1 + offset
        raw = answer_lines[index] if index < len(answer_lines) else ""
        out.append(len(raw) - len(line) if line and raw.endswith(line) else 0)
    return tuple(out)


def _is_python(text: str) -> bool:
    """Python's parser accepts it and it holds more than a bare name or constant ("Yes", "42")."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, (ast.Name, ast.Constant)))
               for node in tree.body)


def _is_bare_python(text: str) -> bool:
    # Checked before Markdown: in bare code, a blank line followed by an indented body would read
    # as an indented Markdown block, and `# comment` lines as headings. Prose does not parse as Python.
    return "```" not in text and "~~~" not in text and _is_python(text)
