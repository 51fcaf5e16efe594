"""``gongkai import``: turn the tables departments already keep in Excel into records.

Three imports, each from an ``.xlsx`` workbook or a UTF-8 ``.csv`` file:

* ``import checklist``: the 附件2 table of inspection items (随机抽查事项清单)
  and its 检查表 (the standard inspection form), one versioned record per item;
* ``import targets``: a registry of targets (检查对象名录库), written as a
  normalised CSV and its ``TargetRegistry`` manifest, streaming, so that a
  million rows never become a million objects;
* ``import inspectors``: the registry of inspectors (执法检查人员名录库).

Headers are matched by their Chinese labels. Every problem names the file, the
row as Excel shows it (the header is row 1 in the usual layout) and the column
label, and all of them are reported at once.

Nothing is written unless the whole file is valid: every record is built in
memory and validated by its model, written to a temporary directory inside the
content directory, read back with the strict reader and validated again, and
only then moved into place. Existing version files are never overwritten.

The functions under the click commands take tables in and give records out,
so they can be used and tested without the command line.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import math
import os
import re
import shutil
import tempfile
import unicodedata
import warnings
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, BinaryIO, Literal, TypeVar

import click
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from .canonical import file_sha256
from .cli_common import handle_errors
from .content import Loaded, display_path, load_record_file
from .diagnostics import problems_from_validation
from .errors import InputError, Problem
from .models import ChecklistItem, Department, InspectorRegistry, Record, TargetRegistry
from .registry import MAX_PROBLEMS_PER_FILE, scan_registry
from .yamlsafe import Document

F = TypeVar("F", bound=Callable[..., Any])

FORM_SHEET = "检查表"
"""The workbook sheet that holds the inspection form."""
HEADER_SEARCH_ROWS = 10
"""The header is the first row, among this many, with known labels (a title above is skipped)."""
PROGRESS_EVERY = 100_000
"""Rows between progress reports while streaming a registry."""
MAX_ENUM_VALUES = 2000
"""An enum column with more distinct values than this is almost certainly free text."""
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
SAVE_AS_UTF8 = (
    "请在 Excel 中选择 另存为 → CSV UTF-8（逗号分隔）(*.csv) / "
    "in Excel choose Save As → CSV UTF-8 (Comma delimited)"
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_VERSION_FILE = re.compile(r"^v([1-9][0-9]{0,5})\.yaml$")
_LIST_SEPARATORS = re.compile(r"[、，,;；\n]+")
_BASIS_SEPARATORS = re.compile(r"[；;\n]+")
_BEFORE_LAW = re.compile(r"[、，,\s]*(?:以及|和|及)?[、，,\s]*(?=《)")
_LAW = re.compile(r"^(《[^《》]+》)(.*)$", re.DOTALL)
_DECIMAL_TEXT = re.compile(r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$"
)
_WHOLE = re.compile(r"^[0-9]+$")
_ROW_IN_MESSAGE = re.compile(r"(\b(?:at|on) row )([0-9]+)")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LICENCE = re.compile(r"^[A-Z0-9-]{6,32}$")
# Text the strict reader (generator.yamlsafe) would not take back as text, and dates.
_NOT_TEXT = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|\d{4}-\d{1,2}-\d{1,2}.*)$"
)


def _whole(path: str, message: str) -> Problem:
    """A problem with a whole file, or with a command-line option."""
    return Problem(path, 0, 0, "", message)


def _cell(path: str, row: int, column: str, message: str) -> Problem:
    """A problem at one row and column of a sheet."""
    return Problem(path, row, 0, "", message, column=column)


def _fail(path: str, message: str) -> InputError:
    return InputError([_whole(path, message)])


# ---------------------------------------------------------------------------
# Cells


class CellError(ValueError):
    """A spreadsheet cell whose value cannot be taken as text."""


def cell_text(value: object) -> str:
    """A cell's value as trimmed text: dates as YYYY-MM-DD, whole numbers as
    integers, other numbers as exact decimals; never a float."""
    if type(value) is str:
        text = value.strip()
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text in EXCEL_ERRORS:
            raise CellError(f"Excel error value (got {text}, expected a value: fix the formula)")
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"not a number (got {value!r})")
        if value.is_integer():
            if abs(value) >= 1e15:
                raise CellError(
                    f"number too long to be exact (got {value:.15g}, expected text: set the "
                    "column's format to 文本 (Text) in Excel and enter it again)"
                )
            return str(int(value))
        return _plain(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return cell_text(str(value))


def _plain(number: Decimal) -> str:
    """A decimal in positional notation, without an exponent."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f")


def parse_ratio(text: str) -> str:
    """A ratio as written in a sheet (``0.03``, ``3%``) as the model's decimal text.

    Conversion is exact (decimal, never float); at most 6 decimal places.
    Raises ``ValueError`` with a message saying what was expected.
    """
    t = unicodedata.normalize("NFKC", text).replace(" ", "")
    percent = t.endswith("%")
    number = t[:-1] if percent else t
    if not _DECIMAL_TEXT.match(number):
        raise ValueError(
            f"not a ratio (got {text!r}, expected a decimal such as 0.03 "
            "or a percentage such as 3%)"
        )
    value = Decimal(number)
    if percent:
        value = value.scaleb(-2)
    if value > 1:
        raise ValueError(f"not a ratio (got {text!r}, expected at most 1, that is 100%)")
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        raise ValueError(
            f"too many decimal places (got {text!r}, expected at most 6, such as 0.035)"
        )
    if value == 0:
        return "0"
    return format(value, "f")


def normalise_date(text: str) -> str:
    """``2024/1/5``, ``2024.1.5`` or ``2024年1月5日`` as ``2024-01-05``; anything else unchanged."""
    m = _DATE_TEXT.match(text)
    if m is None:
        return text
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def split_list(text: str) -> list[str]:
    """``a、b，c`` as ``[a, b, c]``: split on 、，,;； and line breaks, blanks dropped."""
    return [p.strip() for p in _LIST_SEPARATORS.split(text) if p.strip()]


def parse_legal_basis(text: str) -> list[dict[str, str]]:
    """``《法名》第X条；《法名》第Y条`` as ``[{law, articles}, ...]``.

    Pieces are separated by ；, ; or line breaks; a new 《 also starts a new
    piece. Raises ``ValueError`` saying which piece is not ``《法名》第X条``.
    """
    out: list[dict[str, str]] = []
    for chunk in _BASIS_SEPARATORS.split(text):
        for raw in _BEFORE_LAW.split(chunk.strip()):
            piece = raw.strip().rstrip("。.，,、").strip()
            if not piece:
                continue
            m = _LAW.match(piece)
            if m is None:
                raise ValueError(
                    f"not a legal basis (got {piece!r}, expected 《法名》第X条, "
                    "several separated by ；)"
                )
            articles = m.group(2).strip().lstrip("：:").strip()
            if not articles:
                raise ValueError(
                    f"no article given (got {piece!r}, expected 《法名》第X条 naming the article)"
                )
            out.append({"law": m.group(1), "articles": articles})
    if not out:
        raise ValueError(f"no legal basis (got {text!r}, expected 《法名》第X条)")
    return out


# ---------------------------------------------------------------------------
# Tables: rows of raw cell values, from a workbook sheet, a CSV file or a list

RowIter = Iterator[tuple[int, Sequence[object]]]


@dataclass
class Table:
    """Rows of one sheet: ``(row number as Excel shows it, raw cell values)``."""

    name: str
    """How the sheet is named in messages: the file, plus ``[sheet]`` for a named sheet."""
    rows: RowIter
    hint: str = ""
    """Said when no header is found, e.g. which other sheets there are."""

    @classmethod
    def from_rows(cls, name: str, rows: Iterable[Sequence[object]]) -> Table:
        """A table from in-memory rows; the first is row 1."""
        return cls(name, iter(list(enumerate(rows, start=1))))

    def materialised(self) -> Table:
        """The same table with its rows read into memory (for small sheets)."""
        return Table(self.name, iter(list(self.rows)), self.hint)


def _not_utf8(shown: str, line_no: int, raw: bytes, exc: UnicodeDecodeError) -> InputError:
    guess = ""
    try:
        raw.decode("gb18030")
        guess = "; it looks like GBK/GB18030, what 另存为 → CSV (逗号分隔) writes"
    except UnicodeDecodeError:
        pass
    return _fail(
        shown,
        f"not UTF-8 text (got byte 0x{raw[exc.start]:02x} on line {line_no}, expected UTF-8"
        f"{guess}); {SAVE_AS_UTF8}",
    )


def _decoded_lines(raw: BinaryIO, shown: str) -> Iterator[str]:
    for line_no, line in enumerate(raw, start=1):
        text = line[3:] if line_no == 1 and line.startswith(b"\xef\xbb\xbf") else line
        try:
            yield text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(shown, line_no, text, exc) from None


def _csv_rows(path: Path, shown: str) -> RowIter:
    with open(path, "rb") as raw:
        reader = csv.reader(_decoded_lines(raw, shown))
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                yield number, row
        except csv.Error as exc:
            raise InputError([_cell(shown, number + 1, "*", f"not valid CSV ({exc})")]) from None


class Source:
    """An opened ``.xlsx`` workbook or ``.csv`` file. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown = display_path(path)
        self.kind: Literal["xlsx", "csv"]
        self._workbook: Any = None
        self._open: list[RowIter] = []
        suffix = path.suffix.lower()
        if not path.is_file():
            raise _fail(self.shown, "file not found")
        if suffix == ".csv":
            self.kind = "csv"
        elif suffix in (".xlsx", ".xlsm"):
            self.kind = "xlsx"
            self._workbook = _open_workbook(path, self.shown)
        else:
            hint = "; 请另存为 Excel 工作簿 (.xlsx) / save it as .xlsx" if suffix == ".xls" else ""
            raise _fail(
                self.shown,
                f"unsupported file type (got {suffix or 'no extension'!r}, "
                f"expected .xlsx or .csv){hint}",
            )

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for rows in self._open:
            close = getattr(rows, "close", None)
            if close is not None:
                close()
        self._open.clear()
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    @property
    def sheet_names(self) -> list[str]:
        if self._workbook is None:
            return []
        return [str(n) for n in self._workbook.sheetnames]

    def has_sheet(self, name: str) -> bool:
        return name in self.sheet_names

    def table(self, sheet: str | None = None, *, skip: str | None = None) -> Table:
        """A sheet of the workbook (the first one, passing over ``skip``, unless
        ``sheet`` is named), or the CSV file's rows."""
        rows: RowIter
        if self.kind == "csv":
            if sheet is not None:
                raise _fail(self.shown, f"a CSV file has no sheets (got --sheet {sheet!r})")
            rows = _csv_rows(self.path, self.shown)
            self._open.append(rows)
            return Table(self.shown, rows)
        names = self.sheet_names
        if sheet is None:
            chosen, shown = ([n for n in names if n != skip] or names)[0], self.shown
        elif sheet in names:
            chosen, shown = sheet, f"{self.shown}[{sheet}]"
        else:
            raise _fail(
                self.shown, f"no such sheet (got {sheet!r}, expected one of: {', '.join(names)})"
            )
        worksheet = self._workbook[chosen]
        worksheet.reset_dimensions()  # do not trust the stored size: read every cell there is
        rows = _sheet_rows(worksheet)
        self._open.append(rows)
        hint = ""
        if len(names) > 1:
            hint = f"; this sheet is {chosen!r}, the workbook has: {', '.join(names)} (choose with --sheet)"
        return Table(shown, rows, hint)


def _open_workbook(path: Path, shown: str) -> Any:
    import openpyxl  # only the Excel path needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # Styles and extensions openpyxl cannot read do not matter for the values.
            warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _fail(
            shown,
            f"not a readable Excel workbook ({exc}); 请另存为 Excel 工作簿 (.xlsx) / "
            "save it as an Excel workbook (.xlsx)",
        ) from None


def _sheet_rows(worksheet: Any) -> RowIter:
    yield from enumerate(worksheet.iter_rows(values_only=True), start=1)


def _blank(cells: Sequence[object]) -> bool:
    for c in cells:
        if c is None or (isinstance(c, str) and not c.strip()):
            continue
        return False
    return True


# ---------------------------------------------------------------------------
# Headers


@dataclass(frozen=True)
class Spec:
    """A column an import understands: its key, its labels (synonyms) and
    whether the header must be present."""

    key: str
    labels: tuple[str, ...]
    required: bool = True


def _header_key(text: str) -> str:
    return re.sub(r"[\s*]+", "", unicodedata.normalize("NFKC", text))


def _header_text(cell: object) -> str:
    try:
        return cell_text(cell).replace("\n", "")
    except CellError:
        return ""


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Bound:
    """Which column of a sheet holds which key."""

    table: str
    header_row: int
    index: dict[str, int]
    label: dict[str, str]
    """Key -> the header as written (or the spec's first label when the column is absent)."""
    width: int
    unnamed: frozenset[int] = frozenset()


def bind_header(table: Table, specs: Sequence[Spec], *, what: str) -> Bound:
    """Find the header row (the first with known labels, within the first
    rows) and map each known label to its column. Unknown, repeated and
    missing headers are errors."""
    lookup: dict[str, str] = {}
    for spec in specs:
        for synonym in spec.labels:
            lookup.setdefault(_header_key(synonym), spec.key)
    header: Sequence[object] | None = None
    header_row = 0
    for number, cells in table.rows:
        hits = sum(1 for c in cells if _header_key(_header_text(c)) in lookup)
        if hits >= min(2, len(specs)):
            header, header_row = cells, number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        expected = "、".join(s.labels[0] for s in specs if s.required)
        raise _fail(
            table.name,
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows "
            f"(expected a row of {what} headers: {expected}){table.hint}",
        )
    problems: list[Problem] = []
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    unnamed: set[int] = set()
    known = "、".join(s.labels[0] for s in specs)
    for i, cell in enumerate(header):
        text = _header_text(cell)
        if not text:
            unnamed.add(i)
            continue
        key = lookup.get(_header_key(text))
        if key is None:
            message = f"unknown column (got {text!r}, expected one of: {known})"
            problems.append(_cell(table.name, header_row, text, message))
        elif key in index:
            message = (
                f"the same column twice (got {text!r}, also {labels[key]!r} "
                f"in column {_column_letter(index[key])})"
            )
            problems.append(_cell(table.name, header_row, text, message))
        else:
            index[key] = i
            labels[key] = text
    for spec in specs:
        if spec.required and spec.key not in index:
            message = f"required column is missing (expected a column headed {spec.labels[0]})"
            problems.append(_cell(table.name, header_row, spec.labels[0], message))
    if problems:
        raise InputError(problems)
    for spec in specs:
        labels.setdefault(spec.key, spec.labels[0])
    return Bound(table.name, header_row, index, labels, len(header), frozenset(unnamed))


def data_rows(table: Table) -> RowIter:
    """The rows left in ``table`` (after its header), blank rows skipped."""
    for number, cells in table.rows:
        if not _blank(cells):
            yield number, cells


# ---------------------------------------------------------------------------
# Problems, rows and model errors


class Sink:
    """Problems found so far; at most ``limit`` are kept, the rest counted."""

    def __init__(self, limit: int | None = None) -> None:
        self.items: list[Problem] = []
        self.limit = limit
        self.suppressed = 0
        self._cells: set[tuple[str, int, str]] = set()

    def add(self, problem: Problem, *, unless_known: bool = False) -> None:
        """Keep a problem; with ``unless_known``, only when its cell has none yet
        (so a model error does not repeat what a cell check already said)."""
        where = (problem.path, problem.line, problem.column)
        if unless_known and where in self._cells:
            return
        self._cells.add(where)
        if self.limit is not None and len(self.items) >= self.limit:
            self.suppressed += 1
            return
        self.items.append(problem)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = sorted(self.items, key=lambda p: (p.path, p.line))
        if self.suppressed:
            items.append(_whole(items[0].path, f"... and {self.suppressed} more problems"))
        raise InputError(items)


class Row:
    """One data row: its cells as text by key, and a place to put problems."""

    def __init__(self, bound: Bound, number: int, cells: Sequence[object], sink: Sink) -> None:
        self.bound = bound
        self.number = number
        self.cells = cells
        self.sink = sink
        self._text: dict[str, str] = {}

    def has(self, key: str) -> bool:
        return key in self.bound.index

    def text(self, key: str) -> str:
        """The cell's text, "" when blank, absent or unreadable (which is reported)."""
        if key in self._text:
            return self._text[key]
        i = self.bound.index.get(key)
        value = ""
        if i is not None and i < len(self.cells):
            try:
                value = cell_text(self.cells[i])
            except CellError as exc:
                self.problem(key, str(exc))
        self._text[key] = value
        return value

    def required(self, key: str) -> str | None:
        value = self.text(key)
        if value:
            return value
        self.problem(key, "required cell is empty (expected a value)", unless_known=True)
        return None

    def optional(self, key: str) -> str | None:
        return self.text(key) or None

    def problem(self, key: str, message: str, *, unless_known: bool = False) -> None:
        column = self.bound.label.get(key, key)
        self.sink.add(
            _cell(self.bound.table, self.number, column, message), unless_known=unless_known
        )

    def check_unnamed(self) -> None:
        """A value in a column without a header would be lost: refuse it."""
        for i, value in enumerate(self.cells):
            if (i in self.bound.unnamed or i >= self.bound.width) and not _blank((value,)):
                message = (
                    "value in a column without a header (expected a header for every column "
                    "with data, or an empty cell)"
                )
                self.sink.add(_cell(self.bound.table, self.number, _column_letter(i), message))


PathParts = list[str | int]


def _parts(dotted: str) -> PathParts:
    return [
        int(piece[1:-1]) if piece.startswith("[") else piece
        for piece in re.findall(r"\[\d+\]|[^.\[\]]+", dotted)
    ]


def model_errors(
    exc: ValidationError, model: type[BaseModel], data: dict[str, Any]
) -> list[tuple[PathParts, str]]:
    """Each pydantic error as (data path, message), in the project's message style."""
    doc = Document("", data)
    return [(_parts(p.field), p.message) for p in problems_from_validation(exc, model, doc)]


# ---------------------------------------------------------------------------
# Departments


@dataclass
class Departments:
    """The departments in ``content/departments``, to resolve ids and names."""

    by_id: dict[str, Department]

    @classmethod
    def load(cls, content_dir: Path, own: str) -> Departments:
        """Every readable department record; ``own`` must be one of them."""
        directory = content_dir / "departments"
        by_id: dict[str, Department] = {}
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                loaded, problems = load_record_file(path)
                if loaded is not None and not problems and isinstance(loaded.record, Department):
                    by_id[loaded.record.id] = loaded.record
                elif path.stem == own:
                    message = "the department record cannot be read (fix it before importing)"
                    raise InputError([*problems, _whole(display_path(path), message)])
        own_path = directory / f"{own}.yaml"
        if own not in by_id or not own_path.is_file():
            known = ", ".join(sorted(by_id)) or "none defined"
            raise _fail(
                display_path(own_path),
                f"unknown department (got --department {own!r}, expected one of: {known}; "
                f"create {display_path(own_path)} first)",
            )
        return cls(by_id)

    def resolve(self, token: str) -> str:
        """The id of the department with this id, full name or short name."""
        if token in self.by_id:
            return token
        hits = sorted(d.id for d in self.by_id.values() if token in (d.name, d.short_name))
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise ValueError(
                f"ambiguous department (got {token!r}, which names {', '.join(hits)}; use the id)"
            )
        known = ", ".join(f"{d.id} ({d.short_name})" for d in self.by_id.values())
        raise ValueError(
            f"unknown department (got {token!r}, expected an id, full name or short name "
            f"from content/departments: {known})"
        )


# ---------------------------------------------------------------------------
# Versions and records


@dataclass
class Built:
    """A record built from a source row."""

    record: Record
    row: int


@dataclass
class Planned:
    """What an import will do with one record."""

    rel: PurePosixPath
    """Path relative to the content directory."""
    record: Record
    status: Literal["new", "updated", "unchanged"]


def latest_version(directory: Path, kind: type[Record]) -> Loaded | None:
    """The highest ``v<N>.yaml`` in ``directory``, read and validated, or None."""
    versions: dict[int, Path] = {}
    if directory.is_dir():
        for path in directory.iterdir():
            m = _VERSION_FILE.match(path.name)
            if m:
                versions[int(m.group(1))] = path
    if not versions:
        return None
    number = max(versions)
    loaded, problems = load_record_file(versions[number])
    shown = display_path(versions[number])
    if loaded is None or problems:
        message = "the latest version cannot be read, so no version can follow it (fix it first)"
        raise InputError([*problems, _whole(shown, message)])
    if not isinstance(loaded.record, kind) or loaded.record.version != number:
        raise _fail(
            shown,
            f"not version {number} of a {kind.KIND} record "
            f"(got {loaded.record.KIND} version {loaded.record.version})",
        )
    return loaded


_VOLATILE = frozenset({"version", "supersedes", "change_note"})


def _comparable(record: Record, ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The record's data for comparison: without the version header, and
    with ratios as numbers ("0.10" and "0.1" are the same ratio)."""
    data = record.model_dump(by_alias=True, exclude=set(_VOLATILE) | set(ignore))
    ratio = data.get("ratio")
    if isinstance(ratio, dict):
        for key in ("min", "max"):
            if isinstance(ratio.get(key), str):
                ratio[key] = Decimal(ratio[key])
    return data


def same_content(a: Record, b: Record, ignore: Iterable[str] = ()) -> bool:
    """Equal model data, ignoring the version header (and ``ignore``)."""
    return _comparable(a, ignore) == _comparable(b, ignore)


def changed_fields(a: Record, b: Record) -> list[str]:
    """The top-level fields that differ, by their written names."""
    da, db = _comparable(a), _comparable(b)
    return [k for k in db if da.get(k) != db.get(k)]


def next_version(record: Record, previous: Loaded, **extra: Any) -> Record:
    """``record`` as the version after ``previous``: version N+1, superseding its digest."""
    data = record_data(record)
    data["version"] = previous.record.version + 1
    data["supersedes"] = previous.digest
    data.update(extra)
    order = [info.alias or name for name, info in type(record).model_fields.items()]
    return type(record).model_validate({k: data[k] for k in order if k in data})


def record_data(record: Record) -> dict[str, Any]:
    """The record as plain data in model field order, without nulls (except
    one that says something: a 重点 item's ``ratio.max``, no cap)."""
    data = record.model_dump(by_alias=True, mode="json")
    return _prune(data, keep={("ratio", "max")}, at=())  # type: ignore[no-any-return]


def _prune(value: Any, keep: set[tuple[str, ...]], at: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {
            k: _prune(v, keep, (*at, k))
            for k, v in value.items()
            if v is not None or (*at, k) in keep
        }
    if isinstance(value, list):
        return [_prune(v, keep, at) for v in value]
    return value


# ---------------------------------------------------------------------------
# Writing: YAML, a staging directory, and the move into place


def dump_yaml(data: dict[str, Any], source_name: str) -> str:
    """Block-style YAML the strict reader takes back exactly: text that could
    read as anything else is quoted, nulls are ``null``, no anchors."""
    yaml = YAML(typ="rt")
    yaml.width = 1 << 16
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    representer = yaml.representer
    representer.ignore_aliases = lambda _data: True
    representer.add_representer(type(None), _represent_null)
    node = _commented(data)
    safe_name = re.sub(r"[\x00-\x1f\x7f]", "?", source_name)
    node.yaml_set_start_comment(f"由 {safe_name} 导入 / imported from {safe_name}")
    out = StringIO()
    yaml.dump(node, out)
    return out.getvalue()


def _represent_null(representer: RoundTripRepresenter, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _commented(v)
        return m
    if isinstance(value, list):
        return CommentedSeq([_commented(v) for v in value])
    if isinstance(value, str):
        if "\n" in value and value == value.strip() and "\t" not in value:
            return LiteralScalarString(value)
        if not value or _NOT_TEXT.match(value):
            return DoubleQuotedScalarString(value)
    return value


class Staging:
    """A temporary directory inside the content directory. Files are written
    there, checked, and moved into place together by :meth:`commit`; whatever
    happens, the directory is removed on exit."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.dir = Path(tempfile.mkdtemp(prefix=".gongkai-import-", dir=content_dir))
        self.files: list[PurePosixPath] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, rel: PurePosixPath) -> Path:
        """Where ``rel`` is staged; its directory is created."""
        target = self.dir.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add(self, rel: PurePosixPath) -> None:
        """Mark a staged file to be moved into place on commit."""
        self.files.append(rel)

    def write_record(self, rel: PurePosixPath, record: Record, source_name: str) -> Loaded:
        """Write a record as YAML, then read it back with the strict reader and
        its model: the file must give back exactly the data that was meant."""
        data = record_data(record)
        target = self.path(rel)
        with open(target, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(dump_yaml(data, source_name))
        shown = display_path(self.content_dir.joinpath(*rel.parts))
        loaded, problems = load_record_file(target, shown)
        if loaded is None or problems or loaded.signed != data:
            message = (
                "internal error: the written file does not read back as written "
                "(nothing was written; please report this)"
            )
            raise InputError([*problems, _whole(shown, message)])
        self.add(rel)
        return loaded

    def commit(self) -> list[Path]:
        """Move every staged file into place; none is overwritten. If a move
        fails, the ones already made are undone."""
        moves = [
            (self.dir.joinpath(*rel.parts), self.content_dir.joinpath(*rel.parts))
            for rel in self.files
        ]
        clashes = [dst for _, dst in moves if dst.exists()]
        if clashes:
            raise InputError([_exists(dst) for dst in clashes])
        placed: list[Path] = []
        made: list[Path] = []
        try:
            for src, dst in moves:
                made.extend(_make_dirs(dst.parent))
                _move_new(src, dst)
                placed.append(dst)
        except BaseException:
            for dst in reversed(placed):
                dst.unlink(missing_ok=True)
            for directory in reversed(made):
                with contextlib.suppress(OSError):
                    directory.rmdir()
            raise
        return placed


def _exists(path: Path) -> Problem:
    return _whole(display_path(path), "file already exists (versions are never overwritten)")


def _make_dirs(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    missing.reverse()
    for d in missing:
        d.mkdir()
    return missing


def _move_new(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``, failing if ``dst`` exists (a hard link is
    atomic about that; where hard links are not supported, check then rename)."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise InputError([_exists(dst)]) from None
    except OSError:
        if dst.exists():
            raise InputError([_exists(dst)]) from None
        os.replace(src, dst)
        return
    src.unlink()


# ---------------------------------------------------------------------------
# Summaries and options


@dataclass
class Summary:
    """What an import wrote (or, in a dry run, would write)."""

    what_zh: str
    what_en: str
    dry_run: bool
    files: list[tuple[str, str]] = field(default_factory=list)
    """(path, status) of each file written."""
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        labels = {"new": "新增 / new", "updated": "新版本 / new version"}
        verb = "将写入 / would write" if self.dry_run else "已写入 / wrote"
        out = [f"{verb}: {path}（{labels.get(status, status)}）" for path, status in self.files]
        out.extend(f"未变，跳过 / unchanged, skipped: {ref}" for ref in self.unchanged)
        out.extend(self.notes)
        n, same = len(self.files), len(self.unchanged)
        if self.dry_run:
            out.append(
                f"试运行：{self.what_zh}校验通过，将写入 {n} 个文件，实际未写入。 / "
                f"Dry run: the {self.what_en} passed validation; {n} file(s) would be written, none was."
            )
        else:
            out.append(
                f"导入完成：{self.what_zh}，写入 {n} 个文件，{same} 项未变。 / "
                f"Imported the {self.what_en}: {n} file(s) written, {same} unchanged."
            )
        return out


def _check_id(value: str, option: str) -> None:
    if not _ID.match(value):
        raise _fail(
            option,
            f"not an identifier (got {value!r}, expected letters, digits, '.', '_' and '-', "
            "starting with a letter or digit)",
        )


def _check_date_option(value: str, option: str) -> str:
    value = normalise_date(value.strip())
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(option, f"not a date (got {value!r}, expected YYYY-MM-DD)") from None
    return value


def _check_owner(previous: Loaded | None, registry_id: str, department: str) -> None:
    if previous is None:
        return
    owner = getattr(previous.record, "department", department)
    if owner != department:
        raise _fail(
            previous.path,
            f"registry {registry_id} belongs to another department "
            f"(got --department {department!r}, expected {owner!r})",
        )


# ---------------------------------------------------------------------------
# 1. The checklist (附件2) and its 检查表

CHECKLIST_SPECS: tuple[Spec, ...] = (
    Spec("seq", ("序号",)),
    Spec("name", ("事项名称", "抽查事项名称", "抽查事项")),
    Spec("category", ("事项类别", "事项类型", "抽查事项类别")),
    Spec("basis", ("抽查依据", "法律依据")),
    Spec("body", ("抽查主体", "检查主体")),
    Spec("target", ("抽查对象", "检查对象")),
    Spec("content", ("抽查内容", "检查内容")),
    Spec("methods", ("抽查方式", "检查方式")),
    Spec("ratio_min", ("抽查比例下限", "比例下限", "最低抽查比例")),
    Spec("ratio_max", ("抽查比例上限", "比例上限", "最高抽查比例")),
    Spec("reason", ("比例下限低于3%的理由", "比例下限低于3%理由", "低于3%的理由"), required=False),
    Spec("frequency", ("抽查频次", "检查频次")),
    Spec("joint", ("联合抽查部门", "联合部门")),
    Spec("publication", ("公开方式", "结果公开方式")),
    Spec("expertise", ("业务专长",), required=False),
    Spec("effective", ("生效日期",)),
    Spec("third_party", ("第三方协助", "委托第三方"), required=False),
)
FORM_SPECS: tuple[Spec, ...] = (
    Spec("seq", ("事项序号",)),
    Spec("qid", ("问题编号",)),
    Spec("text", ("检查内容", "检查问题")),
    Spec("basis", ("检查依据",)),
    Spec("findings", ("可能结果",)),
)
_ITEM_KEYS: dict[str, str] = {
    "id": "seq",
    "seq": "seq",
    "name": "name",
    "category": "category",
    "legal_basis": "basis",
    "inspecting_body": "body",
    "target_type": "target",
    "content": "content",
    "methods": "methods",
    "third_party": "third_party",
    "frequency": "frequency",
    "joint_departments": "joint",
    "publication": "publication",
    "expertise": "expertise",
    "effective_from": "effective",
}
_RATIO_KEYS = {"min": "ratio_min", "max": "ratio_max", "override_reason": "reason"}
_QUESTION_KEYS = {"id": "qid", "text": "text", "legal_basis": "basis", "findings": "findings"}


def _positive_int(row: Row, key: str) -> int | None:
    text = row.required(key)
    if text is None:
        return None
    if not _WHOLE.match(text) or int(text) < 1:
        row.problem(key, f"not a whole number from 1 (got {text!r})")
        return None
    return int(text)


def _basis(row: Row, key: str) -> list[dict[str, str]]:
    text = row.required(key)
    if text is None:
        return []
    try:
        return parse_legal_basis(text)
    except ValueError as exc:
        row.problem(key, str(exc))
        return []


@dataclass
class _Question:
    row: int
    data: dict[str, Any]


def build_checklist(
    main: Table, form: Table, *, department: str, prefix: str, departments: Departments
) -> list[Built]:
    """The 附件2 rows and the 检查表 rows as validated checklist items (version 1).

    Raises ``InputError`` with every problem, each at its sheet, row and column.
    """
    sink = Sink()
    bound = bind_header(main, CHECKLIST_SPECS, what="附件2 checklist")
    form_bound = bind_header(form, FORM_SPECS, what="检查表 inspection form")

    items: list[tuple[Row, dict[str, Any]]] = []
    first_row: dict[int, int] = {}
    for number, cells in data_rows(main):
        row = Row(bound, number, cells, sink)
        row.check_unnamed()
        data = _item_data(row, department, prefix, departments)
        seq = data["seq"]
        if isinstance(seq, int):
            if seq in first_row:
                row.problem(
                    "seq", f"duplicate 序号 (got {seq} again, first at row {first_row[seq]})"
                )
            else:
                first_row[seq] = number
        items.append((row, data))

    questions: dict[int, list[_Question]] = {}
    for number, cells in data_rows(form):
        row = Row(form_bound, number, cells, sink)
        row.check_unnamed()
        seq = _positive_int(row, "seq")
        qid = row.required("qid")
        if qid is not None and not _ID.match(qid):
            row.problem(
                "qid",
                f"not a question id (got {qid!r}, expected letters, digits, '.', '_' or '-', such as Q1)",
            )
        question = {
            "id": qid,
            "text": row.required("text"),
            "legal_basis": _basis(row, "basis"),
            "findings": split_list(row.required("findings") or ""),
        }
        if seq is None:
            continue
        if seq not in first_row:
            known = ", ".join(map(str, sorted(first_row))) or "none"
            row.problem(
                "seq",
                f"no item with this 序号 in {main.name} (got {seq}, expected one of: {known})",
            )
            continue
        siblings = questions.setdefault(seq, [])
        for q in siblings:
            if qid is not None and q.data["id"] == qid:
                row.problem(
                    "qid",
                    f"duplicate 问题编号 in item {seq} (got {qid!r} again, first at row {q.row})",
                )
        siblings.append(_Question(number, question))

    built: list[Built] = []
    for row, data in items:
        seq = data["seq"]
        own = questions.get(seq, []) if isinstance(seq, int) else []
        if isinstance(seq, int) and first_row.get(seq) == row.number and not own:
            row.problem(
                "seq",
                f"the item has no questions (expected at least one row in {form.name} "
                f"with 事项序号 {seq})",
            )
        data["form"] = {"questions": [q.data for q in own]}
        try:
            record = ChecklistItem.model_validate(data)
        except ValidationError as exc:
            for path, message in model_errors(exc, ChecklistItem, data):
                _item_problem(row, path, message, questions=own, form_bound=form_bound)
            continue
        built.append(Built(record, row.number))
    sink.raise_if_any()
    return built


def _item_data(row: Row, department: str, prefix: str, departments: Departments) -> dict[str, Any]:
    seq = _positive_int(row, "seq")
    category = row.required("category")
    if category is not None:
        category = re.sub(r"(?:检查)?事项$", "", category)
    ratio: dict[str, Any] = {}
    for key, bound_name in (("ratio_min", "min"), ("ratio_max", "max")):
        text = row.required(key) if key == "ratio_min" else row.optional(key)
        ratio[bound_name] = None
        if text is not None:
            try:
                ratio[bound_name] = parse_ratio(text)
            except ValueError as exc:
                row.problem(key, str(exc))
    ratio["override_reason"] = row.optional("reason")
    joint: list[str] = []
    for token in split_list(row.text("joint")):
        try:
            dept = departments.resolve(token)
        except ValueError as exc:
            row.problem("joint", str(exc))
            continue
        if dept == department:
            row.problem(
                "joint",
                f"the department itself is not a joint department (got {token!r}, "
                "expected the other departments only)",
            )
        elif dept not in joint:
            joint.append(dept)
    effective = row.required("effective")
    return {
        "_type": "checklist-item/v1",
        "id": f"{prefix}-{seq or 0:03d}",
        "version": 1,
        "department": department,
        "seq": seq,
        "name": row.required("name"),
        "category": category,
        "legal_basis": _basis(row, "basis"),
        "inspecting_body": row.required("body"),
        "target_type": row.required("target"),
        "content": row.required("content"),
        "methods": split_list(row.required("methods") or ""),
        "third_party": row.optional("third_party"),
        "ratio": ratio,
        "frequency": row.required("frequency"),
        "joint_departments": joint,
        "publication": row.required("publication"),
        "expertise": split_list(row.text("expertise")),
        "effective_from": normalise_date(effective) if effective else None,
    }


def _item_problem(
    row: Row, path: PathParts, message: str, *, questions: list[_Question], form_bound: Bound
) -> None:
    """Place a model error on the item's row, or on its question's row in the 检查表."""
    top = path[0] if path else ""
    if top == "form" and len(path) >= 3 and isinstance(path[2], int) and path[2] < len(questions):
        key = _QUESTION_KEYS.get(str(path[3]) if len(path) > 3 else "", "qid")
        column = form_bound.label.get(key, key)
        problem = _cell(form_bound.table, questions[path[2]].row, column, message)
        row.sink.add(problem, unless_known=True)
        return
    if top == "ratio":
        key = _RATIO_KEYS.get(str(path[1]) if len(path) > 1 else "min", "ratio_min")
    else:
        key = _ITEM_KEYS.get(str(top), "seq")
    row.problem(key, message, unless_known=True)


def plan_checklist(
    built: list[Built], content_dir: Path, *, source: str, change_note: str | None
) -> list[Planned]:
    """Decide, per item, between version 1, the next version and nothing."""
    sink = Sink()
    out: list[Planned] = []
    for b in built:
        item = b.record
        assert isinstance(item, ChecklistItem)
        rel_dir = PurePosixPath("checklist", item.department, item.id)
        elsewhere = sorted(
            p.parent.name
            for p in (content_dir / "checklist").glob(f"*/{item.id}")
            if p.is_dir() and p.parent.name != item.department
        )
        if elsewhere:
            message = (
                f"item id {item.id} is already used by department {', '.join(elsewhere)} "
                "(expected another --prefix)"
            )
            sink.add(_cell(source, b.row, "*", message))
            continue
        previous = latest_version(content_dir.joinpath(*rel_dir.parts), ChecklistItem)
        if previous is None:
            out.append(Planned(rel_dir / "v1.yaml", item, "new"))
            continue
        n = previous.record.version
        if same_content(previous.record, item):
            out.append(Planned(rel_dir / f"v{n}.yaml", previous.record, "unchanged"))
            continue
        if change_note is None:
            fields = ", ".join(changed_fields(previous.record, item))
            message = (
                f"item {item.id} differs from its version {n} in {previous.path} "
                f"(changed: {fields}); writing version {n + 1} needs "
                '--change-note "what changed" (修改说明)'
            )
            sink.add(_cell(source, b.row, "*", message))
            continue
        try:
            record = next_version(item, previous, change_note=change_note)
        except ValidationError as exc:
            data = record_data(item) | {"change_note": change_note}
            for path, message in model_errors(exc, ChecklistItem, data):
                sink.add(_whole("--change-note", f"{'.'.join(map(str, path))}: {message}"))
            continue
        out.append(Planned(rel_dir / f"v{n + 1}.yaml", record, "updated"))
    sink.raise_if_any()
    return out


def import_checklist(
    path: Path,
    *,
    content_dir: Path,
    department: str,
    prefix: str,
    form_path: Path | None = None,
    sheet: str | None = None,
    change_note: str | None = None,
    dry_run: bool = False,
) -> Summary:
    """``gongkai import checklist``: read, validate, version and write the items."""
    _check_id(department, "--department")
    _check_id(prefix, "--prefix")
    departments = Departments.load(content_dir, department)
    with Source(path) as source:
        main = source.table(sheet, skip=FORM_SHEET).materialised()
        if form_path is not None:
            with Source(form_path) as form_source:
                form_sheet = FORM_SHEET if form_source.has_sheet(FORM_SHEET) else None
                form = form_source.table(form_sheet).materialised()
        elif source.has_sheet(FORM_SHEET):
            form = source.table(FORM_SHEET).materialised()
        else:
            where = f"a sheet named {FORM_SHEET}" if source.kind == "xlsx" else "--form FORM.csv"
            columns = "、".join(s.labels[0] for s in FORM_SPECS)
            raise _fail(
                source.shown,
                f"no inspection form (检查表) found (expected {where} with the columns {columns})",
            )
    built = build_checklist(
        main, form, department=department, prefix=prefix, departments=departments
    )
    if not built:
        raise _fail(main.name, "no items found (expected rows under the header)")
    planned = plan_checklist(built, content_dir, source=main.name, change_note=change_note)
    summary = Summary("抽查事项清单", "checklist items", dry_run)
    with Staging(content_dir) as staging:
        for p in planned:
            if p.status == "unchanged":
                summary.unchanged.append(p.record.ref)
                continue
            staging.write_record(p.rel, p.record, path.name)
            summary.files.append((display_path(content_dir.joinpath(*p.rel.parts)), p.status))
        if not dry_run:
            staging.commit()
    imported = {b.record.id for b in built}
    folder = content_dir / "checklist" / department
    absent = sorted(
        d.name
        for d in (folder.iterdir() if folder.is_dir() else ())
        if d.is_dir() and d.name.startswith(f"{prefix}-") and d.name not in imported
    )
    if absent:
        summary.notes.append(
            f"注意：以下事项不在表中，保持原样 / not in the sheet, left as they are: {', '.join(absent)}"
        )
    return summary


# ---------------------------------------------------------------------------
# 2. A registry of targets (检查对象名录库)


@dataclass(frozen=True)
class TargetColumn:
    """A column the targets import knows: CSV name, labels, type and visibility."""

    name: str
    labels: tuple[str, ...]
    type: str
    visibility: Literal["public", "private"] = "public"


TARGET_COLUMNS: tuple[TargetColumn, ...] = (
    TargetColumn("uscc", ("统一社会信用代码", "社会信用代码"), "uscc"),
    TargetColumn("name", ("名称", "企业名称", "市场主体名称", "单位名称"), "text"),
    TargetColumn("entity_type", ("市场主体类型", "类型", "主体类型", "企业类型"), "enum"),
    TargetColumn("industry", ("行业", "行业类别", "所属行业"), "enum"),
    TargetColumn("region", ("区域", "所属区域", "所属地区"), "enum"),
    # 信用风险分类结果原则上不对外公开: usable for strata, never published.
    TargetColumn("credit_class", ("信用等级", "信用状况", "信用风险分类"), "enum", "private"),
    TargetColumn("risk_level", ("风险等级",), "enum", "private"),
    TargetColumn("foreign", ("涉外", "是否涉外"), "bool"),
    TargetColumn("status", ("登记状态", "经营状态"), "enum"),
    TargetColumn("address", ("住所", "经营场所", "地址"), "text"),
    TargetColumn("person_in_charge", ("负责人", "法定代表人", "经营者"), "person_name", "private"),
    TargetColumn("phone", ("联系电话", "手机号", "电话"), "phone", "private"),
    TargetColumn("registered_on", ("成立日期",), "date"),
)


@dataclass
class RowMap:
    """CSV row -> source row; stored only where blank (skipped) source rows shift them."""

    starts: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)

    def add(self, csv_row: int, source_row: int) -> None:
        offset = source_row - csv_row
        if not self.offsets or self.offsets[-1] != offset:
            self.starts.append(csv_row)
            self.offsets.append(offset)

    def source(self, csv_row: int) -> int:
        i = bisect_right(self.starts, csv_row) - 1
        return csv_row + (self.offsets[i] if i >= 0 else 0)


@dataclass
class _ColumnPlan:
    name: str
    label: str
    type: str
    visibility: str
    index: int
    previous: dict[str, Any] | None
    values: set[str] = field(default_factory=set)
    empty: bool = False


@dataclass
class StreamedRegistry:
    """What streaming a registry sheet into a CSV file found."""

    columns: list[dict[str, Any]]
    """The manifest's column definitions."""
    rows: int
    row_map: RowMap
    labels: dict[str, str]
    """CSV column name -> the source header label."""


def _target_specs(previous: TargetRegistry | None) -> list[Spec]:
    """The headers a registry sheet may have: the Chinese labels, and the CSV
    column names themselves (so an exported snapshot CSV imports as it is)."""
    specs = [
        Spec(c.name, (*c.labels, c.name), required=c.name in ("uscc", "name"))
        for c in TARGET_COLUMNS
    ]
    if previous is None:
        return specs
    old = {c.name: c for c in previous.columns}
    builtin = {c.name for c in TARGET_COLUMNS}
    specs = [
        Spec(s.key, (old[s.key].label, *s.labels), s.required) if s.key in old else s for s in specs
    ]
    needed = (previous.id_column, previous.name_column)
    specs.extend(
        Spec(c.name, (c.label, c.name), c.name in needed)
        for c in previous.columns
        if c.name not in builtin
    )
    return specs


def stream_targets(
    table: Table,
    csv_path: Path,
    previous: TargetRegistry | None,
    progress: Callable[[int], None] | None = None,
) -> StreamedRegistry:
    """Copy a registry sheet into ``csv_path`` row by row (trimmed cells,
    upper-case USCCs, YYYY-MM-DD dates) and work out its column definitions.

    Column definitions of ``previous`` are reused; enum values are the sorted
    distinct values found (after the previous snapshot's, in their order).
    ``progress`` is called with the number of rows read, every
    ``PROGRESS_EVERY`` rows. Raises ``InputError`` for header problems and
    unreadable cells.
    """
    bound = bind_header(table, _target_specs(previous), what="registry")
    old = {c.name: c for c in previous.columns} if previous is not None else {}
    builtin = {c.name: c for c in TARGET_COLUMNS}
    plans: list[_ColumnPlan] = []
    for key, index in sorted(bound.index.items(), key=lambda kv: kv[1]):
        if key in old:
            prev = old[key]
            dumped = prev.model_dump(mode="json")
            plans.append(_ColumnPlan(key, prev.label, prev.type, prev.visibility, index, dumped))
        else:
            spec = builtin[key]
            label = spec.labels[0] if bound.label[key] == key else bound.label[key]
            plans.append(_ColumnPlan(key, label, spec.type, spec.visibility, index, None))
    sink = Sink(MAX_PROBLEMS_PER_FILE)
    row_map = RowMap()
    row_map.add(1, bound.header_row)
    csv_row = 1
    width = bound.width
    kinds = [(p.index, p.type, p.label) for p in plans]
    enum_at = [(i, p) for i, p in enumerate(plans) if p.type == "enum"]
    empty = [False] * len(plans)
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([p.name for p in plans])
        for number, cells in table.rows:
            if _blank(cells):
                continue
            csv_row += 1
            row_map.add(csv_row, number)
            if progress is not None and csv_row % PROGRESS_EVERY == 1:
                progress(csv_row - 1)
            out: list[str] = []
            for i, (index, kind, label) in enumerate(kinds):
                raw = cells[index] if index < len(cells) else None
                try:
                    text = cell_text(raw)
                except CellError as exc:
                    sink.add(_cell(bound.table, number, label, str(exc)))
                    text = ""
                if not text:
                    empty[i] = True
                elif kind == "uscc":
                    text = unicodedata.normalize("NFKC", text).strip().upper()
                elif kind == "date":
                    text = normalise_date(text)
                out.append(text)
            for i, p in enum_at:
                if out[i]:
                    p.values.add(out[i])
            if len(cells) > width or bound.unnamed:
                Row(bound, number, cells, sink).check_unnamed()
            writer.writerow(out)
    for i, p in enumerate(plans):
        p.empty = empty[i]
        if p.type != "enum":
            continue
        if len(p.values) > MAX_ENUM_VALUES:
            message = (
                f"too many different values for a category column (got {len(p.values)}, "
                f"expected at most {MAX_ENUM_VALUES}; is this free text?)"
            )
            sink.add(_cell(bound.table, bound.header_row, p.label, message))
        elif not p.values and not (p.previous and p.previous.get("values")):
            message = "the column is empty in every row (expected values, or remove the column)"
            sink.add(_cell(bound.table, bound.header_row, p.label, message))
    if csv_row == 1:
        sink.add(_whole(bound.table, "no data rows (expected rows under the header)"))
    sink.raise_if_any()
    columns: list[dict[str, Any]] = []
    for p in plans:
        column: dict[str, Any] = {
            "name": p.name,
            "label": p.label,
            "type": p.type,
            "visibility": p.visibility,
        }
        if p.type == "enum":
            kept = list((p.previous or {}).get("values") or [])
            column["values"] = kept + sorted(p.values - set(kept))
        required = not p.empty or p.name in ("uscc", "name")
        if p.previous is not None and p.previous.get("required") is False:
            required = False
        column["required"] = required
        columns.append(column)
    labels = {p.name: bound.label[p.name] for p in plans}
    return StreamedRegistry(columns, csv_row - 1, row_map, labels)


def import_targets(
    path: Path,
    *,
    content_dir: Path,
    department: str,
    registry_id: str,
    snapshot_date: str | None = None,
    name: str | None = None,
    allow_registration_numbers: bool = False,
    sheet: str | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """``gongkai import targets``: stream the sheet into a CSV snapshot, write
    its manifest, check the rows with :func:`scan_registry`, then move both in."""
    _check_id(department, "--department")
    _check_id(registry_id, "--id")
    snapshot = _check_date_option(
        snapshot_date or (today or dt.date.today()).isoformat(), "--snapshot-date"
    )
    departments = Departments.load(content_dir, department)
    rel_dir = PurePosixPath("registries", "targets", registry_id)
    previous = latest_version(content_dir.joinpath(*rel_dir.parts), TargetRegistry)
    _check_owner(previous, registry_id, department)
    prev_reg = previous.record if previous is not None else None
    assert prev_reg is None or isinstance(prev_reg, TargetRegistry)
    n = prev_reg.version + 1 if prev_reg is not None else 1
    csv_rel, yaml_rel = rel_dir / f"v{n}.csv", rel_dir / f"v{n}.yaml"
    summary = Summary("检查对象名录库", "target registry", dry_run)
    with Staging(content_dir) as staging:
        csv_tmp = staging.path(csv_rel)
        with Source(path) as source:
            table = source.table(sheet)
            streamed = stream_targets(table, csv_tmp, prev_reg, progress)
        id_column, name_column = "uscc", "name"
        if prev_reg is not None and prev_reg.id_column in streamed.labels:
            id_column = prev_reg.id_column
        if prev_reg is not None and prev_reg.name_column in streamed.labels:
            name_column = prev_reg.name_column
        default_name = f"{departments.by_id[department].name}检查对象名录库"
        data: dict[str, Any] = {
            "_type": "target-registry/v1",
            "id": registry_id,
            "version": n,
            "supersedes": previous.digest if previous is not None else None,
            "name": name or (prev_reg.name if prev_reg else default_name),
            "department": department,
            "snapshot_date": snapshot,
            "description": prev_reg.description if prev_reg else None,
            "file": csv_rel.name,
            "sha256": file_sha256(str(csv_tmp)),
            "rows": streamed.rows,
            "id_column": id_column,
            "name_column": name_column,
            # Once allowed for a registry, 注册号 stay allowed in its later snapshots.
            "allow_registration_numbers": allow_registration_numbers
            or (prev_reg is not None and prev_reg.allow_registration_numbers),
            "columns": streamed.columns,
        }
        try:
            manifest = TargetRegistry.model_validate(data)
        except ValidationError as exc:
            raise InputError(_manifest_problems(exc, data, table.name, streamed)) from None
        if prev_reg is not None and same_content(
            prev_reg, manifest, ignore={"snapshot_date", "file"}
        ):
            summary.unchanged.append(prev_reg.ref)
            return summary
        loaded = staging.write_record(yaml_rel, manifest, path.name)
        assert isinstance(loaded.record, TargetRegistry)
        scan = scan_registry(loaded.record, str(csv_tmp), table.name)
        if scan.problems:
            raise InputError(_source_problems(scan.problems, table.name, streamed))
        staging.add(csv_rel)
        if not dry_run:
            staging.commit()
    status = "updated" if prev_reg is not None else "new"
    for rel in (csv_rel, yaml_rel):
        summary.files.append((display_path(content_dir.joinpath(*rel.parts)), status))
    summary.notes.append(
        f"名录库 {registry_id}@{n}：{streamed.rows} 个检查对象，{len(streamed.columns)} 列 / "
        f"registry {registry_id}@{n}: {streamed.rows} targets, {len(streamed.columns)} columns"
    )
    return summary


def _source_problems(
    problems: list[Problem], source_name: str, streamed: StreamedRegistry
) -> list[Problem]:
    """Problems found in the written CSV, moved to the source file's rows and
    labels (rows named inside a message, like "first at row 6", too)."""

    def source_row(m: re.Match[str]) -> str:
        return f"{m.group(1)}{streamed.row_map.source(int(m.group(2)))}"

    out: list[Problem] = []
    for p in problems:
        message = _ROW_IN_MESSAGE.sub(source_row, p.message)
        if p.line == 0:
            out.append(_whole(source_name, message))
            continue
        column = streamed.labels.get(p.column, p.column)
        out.append(_cell(source_name, streamed.row_map.source(p.line), column, message))
    return out


def _manifest_problems(
    exc: ValidationError, data: dict[str, Any], source_name: str, streamed: StreamedRegistry
) -> list[Problem]:
    header_row = streamed.row_map.source(1)
    options = {"name": "--name", "snapshot_date": "--snapshot-date", "id": "--id"}
    out: list[Problem] = []
    for path, message in model_errors(exc, TargetRegistry, data):
        if len(path) >= 2 and path[0] == "columns" and isinstance(path[1], int):
            name = streamed.columns[path[1]]["name"]
            out.append(_cell(source_name, header_row, streamed.labels.get(name, name), message))
        else:
            where = options.get(str(path[0]) if path else "", source_name)
            out.append(_whole(where, f"{'.'.join(map(str, path))}: {message}"))
    return out


# ---------------------------------------------------------------------------
# 3. The registry of inspectors (执法检查人员名录库)

INSPECTOR_SPECS: tuple[Spec, ...] = (
    Spec("id", ("编号", "人员编号"), required=False),
    Spec("name", ("姓名",)),
    Spec("gender", ("性别",), required=False),
    Spec("birth_date", ("出生日期",), required=False),
    Spec("mobile", ("手机号", "手机号码"), required=False),
    Spec("title", ("职务",)),
    Spec("unit", ("工作单位", "所在单位")),
    Spec("licence_no", ("执法证号", "执法证件号码", "执法证编号")),
    Spec("qualifications", ("执法资质",)),
    Spec("expertise", ("业务专长",), required=False),
)


def _person(row: Row, departments: Departments) -> dict[str, Any]:
    unit_text = row.required("unit")
    unit: str | None = None
    if unit_text is not None:
        try:
            unit = departments.resolve(unit_text)
        except ValueError as exc:
            row.problem("unit", str(exc))
    gender = row.optional("gender")
    if gender in ("男性", "女性"):
        gender = gender[0]
    mobile = row.optional("mobile")
    if mobile is not None:
        mobile = re.sub(r"^\+?86(?=1\d{10}$)", "", re.sub(r"[\s-]", "", mobile))
        if not _MOBILE.match(mobile):
            row.problem(
                "mobile",
                f"not a mobile number (got {mobile!r}, expected 11 digits such as 13800138000)",
            )
    birth = row.optional("birth_date")
    licence = row.required("licence_no")
    if licence is not None:
        licence = unicodedata.normalize("NFKC", licence).upper()
        if not _LICENCE.match(licence):
            row.problem(
                "licence_no",
                f"not a licence number (got {licence!r}, expected 6 to 32 capital letters, digits or '-')",
            )
    person: dict[str, Any] = {
        "id": row.required("id") if row.has("id") else None,
        "name": row.required("name"),
        "gender": gender,
        "birth_date": normalise_date(birth) if birth else None,
        "mobile": mobile,
        "title": row.required("title"),
        "unit": unit,
        "licence_no": licence,
        "qualifications": split_list(row.required("qualifications") or ""),
        "expertise": split_list(row.text("expertise")),
    }
    optional = ("gender", "birth_date", "mobile")
    return {k: v for k, v in person.items() if v is not None or k not in optional}


def build_inspectors(
    table: Table,
    *,
    registry_id: str,
    department: str,
    name: str,
    as_of: str,
    departments: Departments,
    previous: InspectorRegistry | None = None,
) -> InspectorRegistry:
    """The rows of an inspector sheet as an ``InspectorRegistry`` (version 1).

    Without a 编号 column, each person keeps the id they had in ``previous``
    (matched by 执法证号) and new people get the next free ``INS-0001``-style id.
    """
    sink = Sink()
    bound = bind_header(table, INSPECTOR_SPECS, what="inspector registry")
    rows: list[Row] = []
    people: list[dict[str, Any]] = []
    for number, cells in data_rows(table):
        row = Row(bound, number, cells, sink)
        row.check_unnamed()
        rows.append(row)
        people.append(_person(row, departments))
    if "id" not in bound.index:
        _assign_ids(people, previous)
    if not people:
        sink.add(_whole(table.name, "no inspectors found (expected rows under the header)"))
    data: dict[str, Any] = {
        "_type": "inspector-registry/v1",
        "id": registry_id,
        "version": 1,
        "name": name,
        "department": department,
        "as_of": as_of,
        "inspectors": people,
    }
    try:
        record = InspectorRegistry.model_validate(data)
    except ValidationError as exc:
        options = {"as_of": "--as-of", "name": "--name", "id": "--id"}
        for path, message in model_errors(exc, InspectorRegistry, data):
            if len(path) >= 2 and path[0] == "inspectors" and isinstance(path[1], int):
                row = rows[path[1]]
                key = str(path[2]) if len(path) > 2 else "name"
                if key == "id" and not row.has("id"):
                    key = "licence_no"  # a generated id: its row is what to look at
                row.problem(key, message, unless_known=True)
            elif path and path[0] == "inspectors":
                continue  # no rows at all: said above
            else:
                where = options.get(str(path[0]) if path else "", table.name)
                sink.add(_whole(where, f"{'.'.join(map(str, path))}: {message}"))
        sink.raise_if_any()
        raise  # pragma: no cover - every error is placed above
    sink.raise_if_any()
    return record


def _assign_ids(people: list[dict[str, Any]], previous: InspectorRegistry | None) -> None:
    known = {p.licence_no: p.id for p in previous.inspectors} if previous is not None else {}
    numbers = [int(m.group(1)) for i in known.values() if (m := re.fullmatch(r"INS-(\d+)", i))]
    top = max(numbers, default=0)
    for person in people:
        reuse = known.get(person.get("licence_no") or "")
        if reuse is not None:
            person["id"] = reuse
        else:
            top += 1
            person["id"] = f"INS-{top:04d}"


def import_inspectors(
    path: Path,
    *,
    content_dir: Path,
    department: str,
    registry_id: str,
    as_of: str | None = None,
    name: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> Summary:
    """``gongkai import inspectors``: read, validate, version and write the registry."""
    _check_id(department, "--department")
    _check_id(registry_id, "--id")
    as_of = _check_date_option(as_of or (today or dt.date.today()).isoformat(), "--as-of")
    departments = Departments.load(content_dir, department)
    rel_dir = PurePosixPath("registries", "inspectors", registry_id)
    previous = latest_version(content_dir.joinpath(*rel_dir.parts), InspectorRegistry)
    _check_owner(previous, registry_id, department)
    prev_reg = previous.record if previous is not None else None
    assert prev_reg is None or isinstance(prev_reg, InspectorRegistry)
    with Source(path) as source:
        table = source.table(sheet).materialised()
    default_name = f"{departments.by_id[department].name}执法检查人员名录库"
    built = build_inspectors(
        table,
        registry_id=registry_id,
        department=department,
        name=name or (prev_reg.name if prev_reg else default_name),
        as_of=as_of,
        departments=departments,
        previous=prev_reg,
    )
    summary = Summary("执法检查人员名录库", "inspector registry", dry_run)
    record: Record = built
    if previous is not None:
        if same_content(previous.record, built, ignore={"as_of"}):
            summary.unchanged.append(previous.record.ref)
            return summary
        record = next_version(built, previous)
    planned = Planned(rel_dir / f"v{record.version}.yaml", record, "updated" if previous else "new")
    with Staging(content_dir) as staging:
        staging.write_record(planned.rel, planned.record, path.name)
        if not dry_run:
            staging.commit()
    summary.files.append((display_path(content_dir.joinpath(*planned.rel.parts)), planned.status))
    summary.notes.append(
        f"名录库 {record.ref}：{len(built.inspectors)} 名执法检查人员 / "
        f"registry {record.ref}: {len(built.inspectors)} inspectors"
    )
    return summary


# ---------------------------------------------------------------------------
# The command line


def _common(func: F) -> F:
    """The options every import takes."""
    options = [
        click.option(
            "--content",
            "content_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("content"),
            show_default=True,
            help="记录所在目录。 / The directory holding the records.",
        ),
        click.option(
            "--department",
            required=True,
            help="部门 id，须有 content/departments/<ID>.yaml。 / The department's id "
            "(content/departments/<ID>.yaml must exist).",
        ),
        click.option(
            "--sheet",
            default=None,
            help="工作表名称，默认为第一张。 / The sheet to read (default: the first).",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="只校验并列出将写入的文件，不写入。 / Validate and list what would be written; "
            "write nothing.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _progress(rows: int) -> None:
    click.echo(f"已读取 {rows} 行…… / {rows} rows read...", err=True)


def _echo(summary: Summary) -> None:
    for line in summary.lines():
        click.echo(line)


@click.group(
    "import", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
def import_group() -> None:
    """从 Excel（.xlsx）或 CSV 导入记录。

    Import records from the Excel (.xlsx) or CSV tables departments already keep.

    \b
    gongkai import checklist F    抽查事项清单（附件2）及检查表 / checklist items
    gongkai import targets F      检查对象名录库 / a registry of targets
    gongkai import inspectors F   执法检查人员名录库 / the registry of inspectors

    \b
    表头按中文列名识别；任何一行有错，就一个文件也不写入，
    并列出所有错误（文件、行号、列名）。CSV 须为 UTF-8（Excel：另存为 → CSV UTF-8）。

    Headers are matched by their Chinese labels. If any row is wrong nothing is
    written, and every problem is listed with its file, row and column. CSV files
    must be UTF-8 (Excel: Save As → CSV UTF-8).
    """


@import_group.command("checklist")
@click.argument("file", type=_FILE)
@click.option(
    "--prefix",
    required=True,
    help="事项编号前缀，如 SCJG，编号即 SCJG-001。 / Item id prefix: SCJG gives SCJG-001.",
)
@click.option(
    "--form",
    "form_path",
    type=_FILE,
    default=None,
    help="检查表文件（CSV 清单必填；xlsx 默认读取名为“检查表”的工作表）。 / The inspection form "
    "(required with a CSV checklist; an .xlsx is read from its 检查表 sheet).",
)
@click.option(
    "--change-note",
    default=None,
    help="修改说明：事项有变化、写入新版本时必填。 / What changed: required when an item "
    "differs from its latest version.",
)
@_common
@handle_errors
def checklist_command(
    *,
    file: Path,
    prefix: str,
    form_path: Path | None,
    change_note: str | None,
    content_dir: Path,
    department: str,
    sheet: str | None,
    dry_run: bool,
) -> None:
    """导入随机抽查事项清单（附件2）及检查表。

    Import the checklist of inspection items (附件2) and its 检查表.

    \b
    列 / columns: 序号、事项名称、事项类别（一般/重点）、抽查依据、抽查主体、抽查对象、
      抽查内容、抽查方式、抽查比例下限、抽查比例上限、比例下限低于3%的理由（可选）、
      抽查频次、联合抽查部门、公开方式、业务专长（可选）、生效日期、第三方协助（可选）
    检查表 / form: 事项序号、问题编号、检查内容、检查依据、可能结果

    \b
    每个事项写入 content/checklist/<部门>/<编号>/v<N>.yaml；内容未变则跳过，
    有变化则写入新版本（须给出 --change-note）。已有文件从不覆盖。

    Each item goes to content/checklist/<department>/<ID>/v<N>.yaml. An item equal to
    its latest version is skipped; a changed one becomes version N+1, which needs
    --change-note. Existing files are never overwritten.
    """
    summary = import_checklist(
        file,
        content_dir=content_dir,
        department=department,
        prefix=prefix,
        form_path=form_path,
        sheet=sheet,
        change_note=change_note,
        dry_run=dry_run,
    )
    _echo(summary)


@import_group.command("targets")
@click.argument("file", type=_FILE)
@click.option(
    "--id",
    "registry_id",
    required=True,
    help="名录库 id，如 scjgj-targets。 / The registry's id, e.g. scjgj-targets.",
)
@click.option(
    "--snapshot-date",
    default=None,
    help="快照日期 YYYY-MM-DD，默认为今天。 / The snapshot's date (default: today).",
)
@click.option(
    "--name",
    default=None,
    help="名录库名称，默认沿用上一版本或按部门命名。 / The registry's name (default: the "
    "previous snapshot's, or one made from the department's).",
)
@click.option(
    "--allow-registration-numbers",
    is_flag=True,
    help="允许未取得统一社会信用代码的对象使用 15 位注册号。 / Accept the old 15-digit 注册号 "
    "where no USCC was ever issued.",
)
@_common
@handle_errors
def targets_command(
    *,
    file: Path,
    registry_id: str,
    snapshot_date: str | None,
    name: str | None,
    allow_registration_numbers: bool,
    content_dir: Path,
    department: str,
    sheet: str | None,
    dry_run: bool,
) -> None:
    """导入检查对象名录库。

    Import a registry of targets (检查对象名录库) as a CSV snapshot and its manifest.

    \b
    列 / columns: 统一社会信用代码、名称（必有 / required），市场主体类型、行业、区域、
      信用等级、风险等级、涉外（是/否）、登记状态、住所、负责人、联系电话、成立日期

    \b
    写入 content/registries/targets/<ID>/v<N>.csv 与 v<N>.yaml；
    已有快照时沿用其列定义，写入下一版本。逐行处理，百万行亦可。

    Writes content/registries/targets/<ID>/v<N>.csv and v<N>.yaml. With an earlier
    snapshot its column definitions are reused and the next version is written.
    Rows are streamed, so a million rows are fine.
    """
    summary = import_targets(
        file,
        content_dir=content_dir,
        department=department,
        registry_id=registry_id,
        snapshot_date=snapshot_date,
        name=name,
        allow_registration_numbers=allow_registration_numbers,
        sheet=sheet,
        dry_run=dry_run,
        progress=_progress,
    )
    _echo(summary)


@import_group.command("inspectors")
@click.argument("file", type=_FILE)
@click.option(
    "--id",
    "registry_id",
    required=True,
    help="名录库 id，如 scjgj-inspectors。 / The registry's id, e.g. scjgj-inspectors.",
)
@click.option(
    "--as-of",
    default=None,
    help="截至日期 YYYY-MM-DD，默认为今天。 / The date the list is correct on (default: today).",
)
@click.option(
    "--name",
    default=None,
    help="名录库名称，默认沿用上一版本或按部门命名。 / The registry's name (default: the "
    "previous version's, or one made from the department's).",
)
@_common
@handle_errors
def inspectors_command(
    *,
    file: Path,
    registry_id: str,
    as_of: str | None,
    name: str | None,
    content_dir: Path,
    department: str,
    sheet: str | None,
    dry_run: bool,
) -> None:
    """导入执法检查人员名录库。

    Import the registry of inspectors (执法检查人员名录库).

    \b
    列 / columns: 编号（可选）、姓名、性别、出生日期、手机号、职务、工作单位、
      执法证号、执法资质、业务专长

    \b
    性别、出生日期、手机号保存在记录中，但标记为不公开，从不发布。
    没有编号列时，按执法证号沿用上一版本的编号，新增人员依次编为 INS-0001、INS-0002……

    性别, 出生日期 and 手机号 are kept in the record, marked private, and never
    published. Without a 编号 column people keep their previous ids (matched by
    执法证号) and new people are numbered INS-0001, INS-0002, ...
    """
    summary = import_inspectors(
        file,
        content_dir=content_dir,
        department=department,
        registry_id=registry_id,
        as_of=as_of,
        name=name,
        sheet=sheet,
        dry_run=dry_run,
    )
    _echo(summary)
