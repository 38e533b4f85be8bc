"""What the capability delta reports (`delta.compute` finds it): a power a change added.

Apart from the model, which imports libcst: formatters, and a diff whose delta comes from the
result cache, need only this.
"""

from __future__ import annotations

from dataclasses import dataclass

# The qualified name of a module body's scope: `summary.MODULE`, which this module cannot import
# without libcst (tests/test_parse_facts.py checks that they agree).
MODULE = "<module>"


@dataclass(frozen=True, order=True)
class NewCapability:
    path: str
    line: int
    kind: str
    detail: str
    function: str  # qualified name in the file, "<module>" for the module body
    via: str = ""  # the helper through which the function now reaches an existing power

    @property
    def sentence(self) -> str:
        where = self.path if self.function == MODULE else f"{self.path}:{self.function}"
        through = f" (through `{self.via}`)" if self.via else ""
        return f"{self.detail}{through} in {where} (line {self.line})"

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"kind": self.kind, "path": self.path, "line": self.line,
                                    "function": self.function, "detail": self.detail}
        if self.via:
            found["via"] = self.via
        return found
