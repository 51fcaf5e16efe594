"""A strict YAML 1.2 reader for records: the safe subset, with positions.

Records are read from YAML event streams, not by ruamel's constructors, so
that every refusal is explicit and every value keeps its line and column:

* one document per file, whose top level is a mapping;
* no duplicate keys, anchors, aliases (so no alias bombs), merge keys or tags;
* no floats: ratios are decimal strings, so ``0.03`` must be written ``"0.03"``;
* plain scalars resolve by the YAML 1.2 core schema, so ``2025-01-31`` stays
  the text ``"2025-01-31"`` and the models validate it as a date;
* mapping keys are always text.

The result is plain JSON-like data (dict, list, str, int, bool, None) and a
map from each value's path to its position, which the validator uses to put
``path:line:col`` on every error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from .errors import Problem

MAX_YAML_BYTES = 8 * 1024 * 1024
"""Record files larger than this are refused before parsing (8 MiB).

The largest demo record is well under 1 MiB; a file this big is almost always
a registry exported into the wrong format, and parsing it would be slow."""

Path_ = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


@dataclass
class Document:
    """A parsed record file: its data and where each value was written."""

    path: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    complete: bool = True
    """False when a refused construct (an alias, a complex key) left a hole in ``data``."""

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``path``, or of its
        nearest written ancestor when the value itself is absent."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if key and probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.holes = False
        """True when a refused construct left a value out (an alias, a complex key):
        the data is then incomplete and is not checked against a model."""
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.key_positions: dict[Path_, tuple[int, int]] = {}

    def problem(self, event: Event, where: Path_, message: str) -> None:
        mark = event.start_mark
        self.problems.append(
            Problem(self.path, mark.line + 1, mark.column + 1, _dotted(where), message)
        )

    def check_node(self, event: Event, where: Path_) -> None:
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.problem(
                event, where, f"anchors are not allowed (got &{anchor}, expected plain data)"
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = str(tag).replace("tag:yaml.org,2002:", "!!")
            self.problem(event, where, f"tags are not allowed (got {shown}, expected plain data)")

    def scalar(self, event: ScalarEvent, where: Path_) -> Any:
        text: str = event.value
        if event.style is not None:  # quoted or block scalar: always text
            return text
        if _NULL.match(text):
            return None
        if _TRUE.match(text):
            return True
        if _FALSE.match(text):
            return False
        if _INT10.match(text):
            return int(text)
        if _INT8.match(text):
            return int(text[2:], 8)
        if _INT16.match(text):
            return int(text[2:], 16)
        if _FLOAT.match(text):
            self.problem(
                event,
                where,
                f'floating-point numbers are not allowed (got {text}, expected a quoted decimal such as "{text}")',
            )
            return text
        return text


_CParser: Any
try:  # libyaml through ruamel.yaml.clib: the same events, twenty times faster
    import _ruamel_yaml  # type: ignore[import-not-found]

    _CParser = _ruamel_yaml.CParser
except ImportError:  # pragma: no cover - the pure parser gives the same events
    _CParser = None

_PURE_ONLY = re.compile("[\x85\u2028\u2029\ufeff\t\r]|\\\\/|^%", re.MULTILINE)
"""Text the C parser is not trusted with: YAML 1.1 line breaks (NEL, LS, PS), byte-order
marks, tabs, carriage returns, the YAML 1.2 ``\\/`` escape and directives. These go
to the pure parser, which reads YAML 1.2."""


class _LeftToPureError(Exception):
    """The text is left to the pure parser."""


def _parse_events(text: str) -> list[Event]:
    """The file's YAML events (with positions). libyaml (ruamel.yaml.clib) reads the
    common case; the pure-Python parser reads anything it refuses or is not trusted
    with, so every error message comes from the pure parser and stays the same."""
    if _CParser is not None and not _PURE_ONLY.search(text):
        try:
            parser = _CParser(text)
            events: list[Event] = []
            while True:
                event = parser.get_event()
                if isinstance(event, ScalarEvent) and event.style == "":
                    if event.value == "":
                        raise _LeftToPureError  # an empty value: its position differs
                    event.style = None  # plain, as the pure parser says
                events.append(event)
                if isinstance(event, StreamEndEvent):
                    return events
        except (YAMLError, _LeftToPureError):
            pass
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    return list(yaml.parse(text))


def _dotted(where: Path_) -> str:
    out = ""
    for part in where:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def parse_yaml(text: str, path: str) -> tuple[Document | None, list[Problem]]:
    """Parse one record file's text. Returns the document (or None when it
    could not be read at all) and every problem found."""
    builder = _Builder(path)
    if not text.strip():
        return None, [Problem(path, 0, 0, "", "file is empty (expected a YAML mapping)")]
    try:
        events = _parse_events(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        col = mark.column + 1 if mark is not None else 0
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(path, line, col, "", f"not valid YAML: {what}")]
    except YAMLError as exc:  # pragma: no cover - ruamel raises marked errors for text input
        return None, [Problem(path, 0, 0, "", f"not valid YAML: {exc}")]

    pos = 0

    def build(where: Path_) -> Any:
        nonlocal pos
        event = events[pos]
        pos += 1
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        builder.positions[where] = mark
        if isinstance(event, AliasEvent):
            builder.holes = True
            builder.problem(
                event,
                where,
                f"aliases are not allowed (got *{event.anchor}, expected the value written out)",
            )
            return None
        builder.check_node(event, where)
        if isinstance(event, ScalarEvent):
            return builder.scalar(event, where)
        if isinstance(event, SequenceStartEvent):
            items: list[Any] = []
            while not isinstance(events[pos], SequenceEndEvent):
                items.append(build((*where, len(items))))
            pos += 1
            return items
        if isinstance(event, MappingStartEvent):
            mapping: dict[str, Any] = {}
            seen: dict[str, int] = {}
            while not isinstance(events[pos], MappingEndEvent):
                key_event = events[pos]
                pos += 1
                key_mark = (key_event.start_mark.line + 1, key_event.start_mark.column + 1)
                if isinstance(key_event, ScalarEvent):
                    builder.check_node(key_event, where)
                    key = key_event.value
                elif isinstance(key_event, AliasEvent):
                    builder.holes = True
                    builder.problem(
                        key_event, where, f"aliases are not allowed (got *{key_event.anchor})"
                    )
                    key = f"*{key_event.anchor}"
                else:
                    builder.holes = True
                    builder.problem(key_event, where, "keys must be text (got a collection)")
                    pos = _skip(events, pos - 1)
                    key = f"<complex key at line {key_mark[0]}>"
                child = (*where, key)
                if key == "<<" and isinstance(key_event, ScalarEvent) and key_event.style is None:
                    builder.problem(
                        key_event,
                        child,
                        "merge keys are not allowed (got <<, expected the fields written out)",
                    )
                    build(child)  # parse and drop the merged value
                    continue
                if key in seen:
                    builder.problem(
                        key_event,
                        child,
                        f"duplicate key (got {key!r} again, expected each key once; first at line {seen[key]})",
                    )
                    build(child)  # parse and drop the repeated value
                    continue
                seen[key] = key_mark[0]
                builder.key_positions[child] = key_mark
                mapping[key] = build(child)
            pos += 1
            return mapping
        raise AssertionError(f"unexpected YAML event {event!r}")  # pragma: no cover

    documents: list[Any] = []
    while pos < len(events):
        event = events[pos]
        if isinstance(event, StreamStartEvent | DocumentEndEvent):
            pos += 1
            continue
        if isinstance(event, StreamEndEvent):
            break
        if isinstance(event, DocumentStartEvent):
            pos += 1
            if documents:
                builder.problem(
                    event, (), "more than one YAML document in a file (expected exactly one)"
                )
                break
            documents.append(build(()))
            continue
        pos += 1  # pragma: no cover

    if not documents or documents[0] is None:
        builder.problems.append(Problem(path, 0, 0, "", "file is empty (expected a YAML mapping)"))
        return None, builder.problems
    data = documents[0]
    if not isinstance(data, dict):
        line, col = builder.positions.get((), (1, 1))
        builder.problems.append(
            Problem(path, line, col, "", f"top level must be a mapping (got {_kind(data)})")
        )
        return None, builder.problems
    doc = Document(path, data, builder.positions, builder.key_positions, not builder.holes)
    return doc, _capped(builder.problems, path)


MAX_PROBLEMS_PER_FILE = 20


def _capped(problems: list[Problem], path: str) -> list[Problem]:
    """At most ``MAX_PROBLEMS_PER_FILE`` problems, then a count of the rest
    (an alias bomb would otherwise print one line per alias)."""
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    rest = len(problems) - MAX_PROBLEMS_PER_FILE
    return [
        *problems[:MAX_PROBLEMS_PER_FILE],
        Problem(path, 0, 0, "", f"... and {rest} more problems of the same kinds in this file"),
    ]


def _skip(events: list[Event], start: int) -> int:
    """Index just past the node that starts at ``start``."""
    depth = 0
    pos = start
    while True:
        event = events[pos]
        pos += 1
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            depth += 1
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            depth -= 1
        if depth == 0:
            return pos


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def read_yaml_file(path: str, data: bytes | None = None) -> tuple[Document | None, list[Problem]]:
    """Read and parse a record file, refusing oversized and non-UTF-8 files."""
    size = len(data) if data is not None else os.path.getsize(path)
    if size > MAX_YAML_BYTES:
        return None, [
            Problem(
                path,
                0,
                0,
                "",
                f"file is too large (got {size:,} bytes, expected a record of at most "
                f"{MAX_YAML_BYTES:,} bytes; registries belong in CSV with a manifest)",
            )
        ]
    if data is None:
        with open(path, "rb") as fh:
            data = fh.read()
    text, problem = decode_utf8(data, path)
    if problem is not None:
        return None, [problem]
    return parse_yaml(text, path)


def decode_utf8(data: bytes, path: str) -> tuple[str, Problem | None]:
    """Decode UTF-8 text (a leading BOM is dropped), or say where it is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        # The column an editor shows: characters, not bytes, before the bad byte.
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        return "", Problem(
            path,
            line,
            col,
            "",
            f"not UTF-8 text (got byte 0x{data[exc.start]:02x}, expected UTF-8; "
            "save the file as UTF-8)",
        )
