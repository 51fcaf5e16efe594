"""Target registry snapshots: a CSV file checked against its manifest.

A registry can hold millions of rows, so it is read once, streaming, and never
held as objects. Each row is checked against the manifest's columns: the id
column is a valid 统一社会信用代码 (or, where the manifest allows it, a 15-digit
注册号), ids are unique, enum values are listed, dates are real, required cells
are filled. The file's SHA-256 and row count must match the manifest.

Problems name the CSV row as a spreadsheet shows it (the header is row 1) and
the column. At most ``MAX_PROBLEMS_PER_FILE`` are listed, then a count.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .codes import find_personal_numbers, is_uscc, registration_number_problem, uscc_problem
from .errors import Problem
from .models import Column, TargetRegistry

MAX_PROBLEMS_PER_FILE = 100
BOOL_VALUES = {"是": True, "否": False}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^-?[0-9]+$")


@dataclass
class RegistryScan:
    """What a scan of a registry CSV found."""

    path: str
    rows: int = 0
    sha256: str = ""
    ids: dict[str, int] = field(default_factory=dict)
    """Each id and the row it is on."""
    names: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    suppressed: int = 0
    complete: bool = True
    """False when a problem stopped the scan before the last row (a wrong header,
    bytes that are not UTF-8): ids and the row count are then partial."""

    def problem(self, row: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.path, row, 0, "", message, column=column))
        else:
            self.suppressed += 1


def _cell_checker(col: Column) -> Callable[[str], str | None] | None:
    """A function that returns what is wrong with a non-empty cell, or None."""
    if col.type == "enum":
        allowed = frozenset(col.values or ())
        shown = ", ".join(col.values or ())

        def check_enum(value: str) -> str | None:
            if value in allowed:
                return None
            return f"value not allowed (got {value!r}, expected one of: {shown})"

        return check_enum
    if col.type == "date":
        seen: set[str] = set()  # a registry repeats the same dates many times

        def check_date(value: str) -> str | None:
            if value in seen:
                return None
            if not _DATE.match(value):
                return f"not a date (got {value!r}, expected YYYY-MM-DD)"
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return f"no such day (got {value!r})"
            seen.add(value)
            return None

        return check_date
    if col.type == "bool":

        def check_bool(value: str) -> str | None:
            if value in BOOL_VALUES:
                return None
            return f"not yes or no (got {value!r}, expected 是 or 否)"

        return check_bool
    if col.type == "integer":

        def check_integer(value: str) -> str | None:
            if _INTEGER.match(value):
                return None
            return f"not a whole number (got {value!r})"

        return check_integer
    if col.type == "text" and col.visibility == "public":

        def check_text(value: str) -> str | None:
            found = find_personal_numbers(value)
            if found:
                return (
                    f"personal data in a public column (got {found[0]}, "
                    "expected none: move it to a private column)"
                )
            return None

        return check_text
    return None


def _id_problem(value: str, allow_registration_numbers: bool) -> str | None:
    if is_uscc(value):
        return None
    if allow_registration_numbers and len(value) == 15 and value.isdigit():
        return registration_number_problem(value)
    problem = uscc_problem(value)
    if problem and len(value) == 15 and value.isdigit():
        problem += "; a 15-digit 注册号 is accepted only where the manifest sets allow_registration_numbers"
    return f"invalid 统一社会信用代码 {value!r}: {problem}" if problem else None


def scan_registry(manifest: TargetRegistry, csv_path: str, display_path: str) -> RegistryScan:
    """Check a registry CSV against its manifest, reading it once.

    Returns the ids and public names it found (for cross-reference checks)
    and every problem, capped at ``MAX_PROBLEMS_PER_FILE`` listed.
    """
    scan = RegistryScan(display_path)
    try:
        with open(csv_path, "rb") as raw:
            scan.sha256 = hashlib.file_digest(raw, "sha256").hexdigest()
        try:
            # Fast path: let the text layer decode; Excel's BOM is dropped by utf-8-sig.
            with open(csv_path, encoding="utf-8-sig", newline="") as text:
                _scan_rows(manifest, scan, text)
        except UnicodeDecodeError:
            # Rare: read again line by line, to name the row and column of the bad byte.
            scan = RegistryScan(display_path, sha256=scan.sha256)
            with open(csv_path, "rb") as raw:
                _scan_rows(manifest, scan, _decoded(iter(raw)))
    except OSError as exc:
        scan.problems.append(
            Problem(display_path, 0, 0, "", f"cannot read the registry file ({exc.strerror})")
        )
        return scan
    head: list[Problem] = []
    if scan.sha256 != manifest.sha256:
        head.append(
            Problem(
                display_path,
                0,
                0,
                "",
                f"file's SHA-256 does not match the manifest (got {scan.sha256}, expected {manifest.sha256})",
            )
        )
    if scan.complete and scan.rows != manifest.rows:
        head.append(
            Problem(
                display_path,
                0,
                0,
                "",
                f"row count does not match the manifest (got {scan.rows}, expected {manifest.rows})",
            )
        )
    scan.problems[:0] = head
    if scan.suppressed:
        scan.problems.append(
            Problem(display_path, 0, 0, "", f"... and {scan.suppressed} more problems in this file")
        )
    return scan


class _NotUtf8Error(Exception):
    def __init__(self, line_no: int, line: bytes, offset: int) -> None:
        super().__init__(line_no)
        self.line_no = line_no
        self.line = line
        self.offset = offset


def _decoded(lines: Iterator[bytes]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]  # noqa: PLW2901 - a BOM from Excel is accepted
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _NotUtf8Error(number, line, exc.start) from None


def _not_utf8(scan: RegistryScan, exc: _NotUtf8Error, header: list[str] | None) -> None:
    """Name the row and, when the header is known, the column of a non-UTF-8 byte."""
    scan.complete = False
    cells = next(csv.reader([exc.line.decode("utf-8", errors="replace")]), [])
    column = "*"
    if header is not None:
        column = next(
            (header[i] for i, cell in enumerate(cells) if "\ufffd" in cell and i < len(header)), "*"
        )
    scan.problem(
        exc.line_no,
        column,
        f"not UTF-8 text (got byte 0x{exc.line[exc.offset]:02x}, expected UTF-8; "
        "in Excel choose 另存为 → CSV UTF-8)",
    )


def _scan_rows(manifest: TargetRegistry, scan: RegistryScan, lines: Iterable[str]) -> None:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        scan.complete = False
        scan.problems.append(Problem(scan.path, 0, 0, "", "file is empty (expected a header row)"))
        return
    except _NotUtf8Error as exc:
        _not_utf8(scan, exc, None)
        return
    except csv.Error as exc:
        scan.complete = False
        scan.problem(1, "*", f"not valid CSV ({exc})")
        return
    expected = [c.name for c in manifest.columns]
    if header != expected:
        scan.complete = False
        first = next(
            (i for i, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b),
            min(len(header), len(expected)),
        )
        column = header[first] if first < len(header) else expected[first]
        scan.problem(
            1,
            column,
            f"header does not match the manifest's columns "
            f"(got {','.join(header)}, expected {','.join(expected)})",
        )
        return

    width = len(expected)
    id_index = expected.index(manifest.id_column)
    name_index = expected.index(manifest.name_column)
    checks = [
        (i, col.name, col.required, _cell_checker(col)) for i, col in enumerate(manifest.columns)
    ]
    required = [(i, name) for i, name, req, _ in checks if req]
    typed = [(i, name, check) for i, name, _, check in checks if check is not None]
    allow_reg = manifest.allow_registration_numbers
    ids = scan.ids
    names = scan.names
    row_no = 1
    try:
        for row in reader:
            row_no += 1
            if len(row) != width:
                scan.problem(
                    row_no,
                    "*",
                    f"wrong number of cells (got {len(row)}, expected {width})",
                )
                continue
            code = row[id_index]
            if code in ids:
                scan.problem(
                    row_no,
                    manifest.id_column,
                    f"duplicate id (got {code} again, expected each target once; first at row {ids[code]})",
                )
            else:
                if not is_uscc(code):
                    message = _id_problem(code, allow_reg)
                    if message:
                        scan.problem(row_no, manifest.id_column, message)
                ids[code] = row_no
            names[code] = row[name_index]
            for i, name in required:
                if not row[i]:
                    scan.problem(row_no, name, "required cell is empty (expected a value)")
            for i, name, check in typed:
                value = row[i]
                if value:
                    message = check(value)
                    if message:
                        scan.problem(row_no, name, message)
    except _NotUtf8Error as exc:
        _not_utf8(scan, exc, header)
    except csv.Error as exc:
        scan.complete = False
        scan.problem(row_no + 1, "*", f"not valid CSV ({exc})")
    scan.rows = row_no - 1
