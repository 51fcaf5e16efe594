"""Loading ``content/`` and ``site_config/``: the only place that reads records.

Every ``*.yaml`` file under ``content/`` is one record version. A file is
either a bare record (an unsigned draft) or an envelope with exactly two
top-level keys, ``signed`` (the record) and ``signatures``. The record's
``_type`` picks its model.

Where each kind lives (the path must agree with the record's id and version)::

    content/departments/<id>.yaml                    department
    content/checklist/<department>/<id>/v<N>.yaml    checklist item, version N
    content/registries/targets/<id>/v<N>.yaml        target registry manifest
    content/registries/targets/<id>/v<N>.csv         ... and its rows
    content/registries/inspectors/<id>/v<N>.yaml     inspector registry
    content/plans/<year>/<id>/v<N>.yaml              annual plan with its tasks
    content/results/<year>/<id>/v<N>.yaml            result notice

``site_config/`` holds ``site.yaml`` and the versioned code lists
(``result-codes/v<N>.yaml``, ``disposals/v<N>.yaml``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .canonical import record_digest
from .diagnostics import problems_from_validation
from .errors import Problem
from .models import RECORD_KINDS, Record, SiteConfig
from .yamlsafe import Document, read_yaml_file

ENVELOPE_KEYS = frozenset({"signed", "signatures"})


@dataclass
class Loaded:
    """One record version as read from disk."""

    path: str
    """Path as shown in messages (relative to the working directory when possible)."""
    doc: Document
    record: Record
    signed: dict[str, Any]
    """The record's data exactly as written."""
    signatures: list[Any] | None
    """None for an unsigned draft."""
    prefix: tuple[str, ...]
    """("signed",) inside an envelope, () for a bare draft."""
    digest: str
    """SHA-256 of the canonical JSON of ``signed``."""

    def position(self, *path: str | int) -> tuple[int, int]:
        return self.doc.position((*self.prefix, *path))

    def problem(self, field_path: str, message: str, *path: str | int) -> Problem:
        line, col = self.position(*path)
        return Problem(self.path, line, col, field_path, message)


@dataclass
class Content:
    """Everything under ``content/`` and ``site_config/`` that could be read."""

    root: Path
    config_root: Path
    records: list[Loaded] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    site: SiteConfig | None = None
    config_records: list[Loaded] = field(default_factory=list)
    files_seen: int = 0
    broken: set[tuple[str, str]] = field(default_factory=set)
    """(kind, id) of records whose files have problems of their own: references
    to them are not reported again."""

    def of_kind(self, kind: type[Record]) -> list[Loaded]:
        return [r for r in self.records if isinstance(r.record, kind)]


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def load_record_file(path: Path, shown: str | None = None) -> tuple[Loaded | None, list[Problem]]:
    """Read one record file: parse it, unwrap an envelope, validate by ``_type``."""
    loaded, problems, _ = _load(path, shown)
    return loaded, problems


def _identity(data: Any) -> tuple[str, str] | None:
    """(kind, id) of a record that failed validation, when they can be read."""
    if isinstance(data, dict) and isinstance(data.get("signed"), dict):
        data = data["signed"]
    if not isinstance(data, dict):
        return None
    model = RECORD_KINDS.get(data.get("_type"))  # type: ignore[arg-type]
    rid = data.get("id")
    if model is None or not isinstance(rid, str):
        return None
    return model.KIND, rid


def _identity_from_path(path: Path) -> tuple[str, str] | None:
    """(kind, id) implied by where a file sits, for files that cannot be read at all."""
    parts = path.parts
    if len(parts) >= 2 and parts[-2] == "departments":
        return "department", path.stem
    if len(parts) >= 3 and parts[-3] in ("targets", "inspectors"):
        return f"{parts[-3][:-1]}-registry", parts[-2]
    if len(parts) >= 4 and parts[-4] in ("checklist", "plans", "results"):
        kind = {"checklist": "checklist-item", "plans": "plan", "results": "result"}[parts[-4]]
        return kind, parts[-2]
    return None


def _load(
    path: Path, shown: str | None = None
) -> tuple[Loaded | None, list[Problem], tuple[str, str] | None]:
    loaded, problems, data = _load_inner(path, shown)
    if loaded is not None:
        return loaded, problems, None
    return loaded, problems, _identity(data) or _identity_from_path(path)


def _load_inner(path: Path, shown: str | None) -> tuple[Loaded | None, list[Problem], Any]:
    shown = shown or display_path(path)
    doc, problems = read_yaml_file(str(path))
    if doc is None:
        return None, [_reshow(p, shown) for p in problems], None
    doc.path = shown
    problems = [_reshow(p, shown) for p in problems]
    data = doc.data
    prefix: tuple[str, ...] = ()
    signatures: list[Any] | None = None
    if "signed" in data or "signatures" in data:
        extra = sorted(set(data) - ENVELOPE_KEYS)
        if extra:
            line, col = doc.position((extra[0],), key=True)
            problems.append(
                Problem(
                    shown,
                    line,
                    col,
                    extra[0],
                    f"unknown top-level key in a signed envelope (got {extra[0]!r}, "
                    "expected only 'signed' and 'signatures')",
                )
            )
            return None, problems, data
        if not isinstance(data.get("signed"), dict):
            line, col = doc.position(("signed",))
            problems.append(
                Problem(
                    shown,
                    line,
                    col,
                    "signed",
                    "the envelope's record must be a mapping (got "
                    f"{type(data.get('signed')).__name__}, expected the record's fields)",
                )
            )
            return None, problems, data
        prefix = ("signed",)
        raw_sigs = data.get("signatures")
        signatures = raw_sigs if isinstance(raw_sigs, list) else []
        data = data["signed"]
    kind = data.get("_type")
    model = RECORD_KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        line, col = doc.position((*prefix, "_type"))
        got = "nothing" if kind is None else repr(kind)
        problems.append(
            Problem(
                shown,
                line,
                col,
                ".".join((*prefix, "_type")),
                f"unknown record type (got {got}, expected one of: {', '.join(RECORD_KINDS)})",
            )
        )
        return None, problems, data
    if not doc.complete:  # an alias or complex key left a hole: model errors would only echo it
        return None, problems, data
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, model, doc, prefix))
        return None, problems, data
    if problems:  # YAML-level refusals (floats, anchors, ...) make the file unusable
        return None, problems, data
    loaded = Loaded(shown, doc, record, data, signatures, prefix, record_digest(data))
    return loaded, problems, data


def _reshow(problem: Problem, shown: str) -> Problem:
    return Problem(shown, problem.line, problem.col, problem.field, problem.message, problem.column)


def _yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def load_content(
    content_root: Path,
    config_root: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Content:
    """Read and model-validate every record; collect every problem."""
    config_root = config_root if config_root is not None else content_root.parent / "site_config"
    content = Content(content_root, config_root)
    if not content_root.is_dir():
        content.problems.append(
            Problem(display_path(content_root), 0, 0, "", "content directory not found")
        )
        return content
    _load_config(content)
    files = _yaml_files(content_root)
    for path in files:
        content.files_seen += 1
        if progress is not None:
            progress(display_path(path))
        loaded, problems, identity = _load(path)
        content.problems.extend(problems)
        if loaded is not None:
            content.records.append(loaded)
        elif identity is not None:
            content.broken.add(identity)
    return content


def _load_config(content: Content) -> None:
    root = content.config_root
    site_path = root / "site.yaml"
    if not site_path.is_file():
        content.problems.append(
            Problem(display_path(site_path), 0, 0, "", "site configuration not found")
        )
        return
    doc, problems = read_yaml_file(str(site_path))
    shown = display_path(site_path)
    content.problems.extend(_reshow(p, shown) for p in problems)
    if doc is not None and not problems:
        doc.path = shown
        try:
            content.site = SiteConfig.model_validate(doc.data)
        except ValidationError as exc:
            content.problems.extend(problems_from_validation(exc, SiteConfig, doc))
    for path in _yaml_files(root):
        if path == site_path:
            continue
        loaded, problems = load_record_file(path)
        content.problems.extend(problems)
        if loaded is not None:
            content.config_records.append(loaded)
