"""Domain errors that carry where they happened and what was wrong.

The core raises these; only the CLI turns them into messages and exit codes.
Every message reads ``path:line:col: field.path: what is wrong (got X, expected Y)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input, at one place.

    ``line`` and ``col`` are 1-based; 0 means "the whole file". For CSV files
    ``line`` is the row number as a spreadsheet shows it (the header is row 1)
    and ``column`` names the CSV column.
    """

    path: str
    line: int = 0
    col: int = 0
    field: str = ""
    message: str = ""
    column: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = self.path
        if self.column:
            where = f"{where}:row {self.line}:column {self.column}"
        elif self.line:
            where = f"{where}:{self.line}:{self.col}"
        field_part = f"{self.field}: " if self.field else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{field_part}{self.message}"


@dataclass
class Problems:
    """An ordered collection of problems, so that one run reports all of them."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]


class GongkaiError(Exception):
    """Base of every error this project raises on purpose."""


class InputError(GongkaiError):
    """One or more inputs are wrong; ``problems`` says where and how."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def describe(value: object) -> str:
    """A short, human description of a parsed value, for "got ..." texts."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
