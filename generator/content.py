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

``site_config/`` holds ``site.yaml``, the versioned code lists
(``result-codes/v<N>.yaml``, ``disposals/v<N>.yaml``) and the working-day calendar
(``calendar/<year>.yaml``, :func:`load_calendar`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from . import cache as _cache
from .canonical import canonical_json
from .diagnostics import problems_from_validation
from .errors import Problem
from .models import RECORD_KINDS, CalendarYear, Record, SiteConfig
from .signing import pae, payload_type
from .workdays import Calendar
from .yamlsafe import Document, read_yaml_file

ENVELOPE_KEYS = frozenset({"signed", "signatures"})


class Loaded:
    """One record version as read from disk.

    Made by loading the file (everything at hand), or from an entry of the
    record cache (:mod:`generator.cache`): then ``signed``, ``signatures`` and
    ``record`` are decoded when first used, and ``doc`` re-parses the file the
    first time a message needs a line and column. A record made from its cache
    key alone (:meth:`from_key`) fetches its entry the first time it is needed.
    """

    __slots__ = (
        "_digest",
        "_doc",
        "_entry",
        "_file",
        "_jcs",
        "_key",
        "_kind",
        "_lazy",
        "_model",
        "_record",
        "_signatures",
        "_signed",
        "path",
        "prefix",
    )

    path: str
    """Path as shown in messages (relative to the working directory when possible)."""
    prefix: tuple[str, ...]
    """("signed",) inside an envelope, () for a bare draft."""

    def __init__(
        self,
        path: str,
        doc: Document,
        record: Record,
        signed: dict[str, Any],
        signatures: list[Any] | None,
        prefix: tuple[str, ...],
        digest: str,
        jcs: bytes | None = None,
    ) -> None:
        self.path = path
        self._doc: Document | None = doc
        self._record: Record | None = record
        self._model: type[Record] = type(record)
        self._signed: dict[str, Any] | None = signed
        self._signatures = signatures
        self.prefix = prefix
        self._digest: str | None = digest
        self._jcs = jcs
        self._entry: _cache.Entry | None = None
        self._lazy: _cache.LazyEntries | None = None
        self._kind: str | None = None
        self._file: str | None = None
        self._key = b""

    @classmethod
    def from_cache(
        cls, path: str, file: str, key: bytes, entry: _cache.Entry, model: type[Record]
    ) -> Loaded:
        """A record whose file's bytes have the cache key ``key``, from its entry."""
        self = cls.from_key(path, file, key, entry.kind, model, entry.envelope, None)
        self._entry = entry
        return self

    @classmethod
    def from_key(
        cls,
        path: str,
        file: str,
        key: bytes,
        kind: str,
        model: type[Record],
        envelope: bool,
        lazy: _cache.LazyEntries | None,
    ) -> Loaded:
        """A record whose file's bytes have the cache key ``key``, with its entry
        to be fetched from ``lazy`` when first needed."""
        self = cls.__new__(cls)
        self.path = path
        self._doc = None
        self._record = None
        self._model = model
        self._signed = None
        self._signatures = None
        self.prefix = ("signed",) if envelope else ()
        self._digest = None
        self._jcs = None
        self._entry = None
        self._lazy = lazy
        self._kind = kind
        self._file = file
        self._key = key
        return self

    def __repr__(self) -> str:
        return f"Loaded({self.path!r}, {self.kind!r})"

    @property
    def cached(self) -> bool:
        """True when this record was made from a cache entry rather than by parsing."""
        return self._kind is not None

    @property
    def model(self) -> type[Record]:
        """The model of the record, known without validating it."""
        return self._model

    @property
    def kind(self) -> str:
        """The record's ``_type``."""
        if self._kind is not None:
            return self._kind
        return str(self.signed.get("_type", ""))

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of ``signed``."""
        if self._digest is None:
            self._digest = hashlib.sha256(self._cache_entry().jcs).hexdigest()
        return self._digest

    @property
    def jcs(self) -> bytes | None:
        """The canonical JSON of ``signed``, when loading computed it."""
        if self._jcs is None and self._kind is not None:
            self._jcs = self._cache_entry().jcs
        return self._jcs

    def _cache_entry(self) -> _cache.Entry:
        """The cache entry this record was made from, fetched when it has not been."""
        if self._entry is None:
            assert self._lazy is not None
            assert self._file is not None
            self._entry = self._lazy.get(self._key, self._file, self.path)
            self._lazy = None
        return self._entry

    @property
    def signed(self) -> dict[str, Any]:
        """The record's data exactly as written."""
        if self._signed is None:
            self._signed, self._signatures = self._cache_entry().decode()
        return self._signed

    @property
    def signatures(self) -> list[Any] | None:
        """None for an unsigned draft."""
        if self._signed is None:
            self._signed, self._signatures = self._cache_entry().decode()
        return self._signatures

    @property
    def record(self) -> Record:
        if self._record is None:
            try:
                self._record = self._model.model_validate(self.signed)
            except ValidationError as exc:
                raise _cache.CacheDamagedError(
                    f"{self.path}: a cached record no longer validates ({exc.error_count()} "
                    f"error(s)): delete the cache ({_cache.cache_directory()}) and run again"
                ) from None
        return self._record

    @property
    def doc(self) -> Document:
        """The parsed file, with the position of every value."""
        if self._doc is None:
            self._doc = self._reparse()
        return self._doc

    def _reparse(self) -> Document:
        assert self._file is not None
        try:
            with open(self._file, "rb") as fh:
                raw: bytes | None = fh.read()
        except OSError:
            raw = None
        if raw is not None and _cache.file_key(raw) == self._key:
            doc, _ = read_yaml_file(self._file, raw)
            if doc is not None:
                doc.path = self.path
                return doc
        # The file changed since it was loaded: no position rather than a wrong one.
        data = (
            {"signed": self.signed, "signatures": self.signatures} if self.prefix else self.signed
        )
        return Document(self.path, data, {(): (0, 0)})

    @property
    def message(self) -> bytes | None:
        """The bytes its signatures cover (DSSE PAE), when loading kept the canonical JSON."""
        if self.jcs is None:
            return None
        try:
            return pae(payload_type(self.kind), self.jcs)
        except ValueError:
            return None

    def release(self) -> None:
        """Forget what was decoded from the cache (it is decoded again when needed)."""
        if self._kind is not None:
            self._signed = self._signatures = None
            self._record = None
            self._doc = None

    def position(self, *path: str | int) -> tuple[int, int]:
        return self.doc.position((*self.prefix, *path))

    def problem(self, field_path: str, message: str, *path: str | int) -> Problem:
        line, col = self.position(*path)
        return Problem(self.path, line, col, field_path, message)


R = TypeVar("R", bound=Record)


@dataclass
class Content:
    """Everything under ``content/`` and ``site_config/`` that could be read."""

    root: Path
    config_root: Path
    records: list[Loaded] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    site: SiteConfig | None = None
    config_records: list[Loaded] = field(default_factory=list)
    calendar: Calendar = field(init=False)
    """The working-day calendar of ``site_config/calendar/``: the years that loaded (none
    until the configuration is read, when every working day is a clear error)."""
    files_seen: int = 0
    broken: set[tuple[str, str]] = field(default_factory=set)
    """(kind, id) of records whose files have problems of their own: references
    to them are not reported again."""

    def __post_init__(self) -> None:
        self.calendar = Calendar.from_years([], display_path(self.config_root / CALENDAR_DIR))

    def of_kind(self, kind: type[Record]) -> list[Loaded]:
        """The records of ``kind``, chosen by model without validating any other record."""
        return [r for r in self.records if issubclass(r.model, kind)]

    def each(self, kind: type[R]) -> Iterator[tuple[Loaded, R]]:
        """(loaded, record) for every record of ``kind``; only those records are validated."""
        for r in self.records:
            if issubclass(r.model, kind):
                rec = r.record
                assert isinstance(rec, kind)
                yield r, rec


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
    path: Path, shown: str | None = None, raw: bytes | None = None
) -> tuple[Loaded | None, list[Problem], tuple[str, str] | None]:
    loaded, problems, data = _load_inner(path, shown, raw)
    if loaded is not None:
        return loaded, problems, None
    return loaded, problems, _identity(data) or _identity_from_path(path)


def _load_inner(
    path: Path, shown: str | None, raw: bytes | None = None
) -> tuple[Loaded | None, list[Problem], Any]:
    shown = shown or display_path(path)
    doc, problems = read_yaml_file(str(path), raw)
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
        signatures = raw_sigs  # checked (and named if malformed) by the signature checks
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
    jcs = canonical_json(data)
    digest = hashlib.sha256(jcs).hexdigest()
    loaded = Loaded(shown, doc, record, data, signatures, prefix, digest, jcs)
    return loaded, problems, data


def _reshow(problem: Problem, shown: str) -> Problem:
    return Problem(shown, problem.line, problem.col, problem.field, problem.message, problem.column)


def _yaml_files(root: Path) -> list[Path]:
    """Every ``*.yaml`` file under ``root`` in path order: what
    ``sorted(p for p in root.rglob("*.yaml") if p.is_file())`` gives (links to
    directories are not followed), read with ``os.scandir``, which is several
    times faster on trees of 100,000 files."""
    return [Path(path) for path, _ in _yaml_files_under(root)]


def _yaml_files_under(root: Path) -> list[tuple[str, str]]:
    """:func:`_yaml_files` as text, each with its path relative to ``root``."""
    found: list[tuple[tuple[str, ...], str]] = []
    _walk(str(root), (), found)
    found.sort(key=lambda item: item[0])
    return [(path, os.sep.join(parts)) for parts, path in found]


def _walk(directory: str, parts: tuple[str, ...], found: list[tuple[tuple[str, ...], str]]) -> None:
    dirs, files = _scan(directory)
    for name, path in dirs:
        _walk(path, (*parts, name), found)
    found.extend(((*parts, name), path) for name, path in files)


def _scan(directory: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, path) of the directories (links to directories not followed) and
    of the ``*.yaml`` files in ``directory``."""
    try:
        with os.scandir(directory) as it:
            entries = list(it)
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return [], []
    dirs: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            dirs.append((name, entry.path))
        if name.endswith(".yaml"):
            try:
                is_file = entry.is_file()
            except OSError:
                is_file = False
            if is_file:
                files.append((name, entry.path))
    return dirs, files


Unit = tuple[tuple[str, ...], str, bool]
"""A piece of a walk: (path parts under the root, path, True for a directory to
walk whole or False for one file)."""


def _walk_units(root: Path, enough: int = 4096) -> list[Unit]:
    """The walk of :func:`_yaml_files_under` cut into pieces that processes can
    share: the files of the top levels, and the directories of the first level
    that has ``enough`` of them (or none below), in path order. The files of
    the pieces, each piece walked and sorted (:func:`_unit_files`), follow one
    another in the order of :func:`_yaml_files_under`: no piece's path is a
    prefix of another's."""
    listed: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
    level = [str(root)]
    while level and len(level) < enough:
        below: list[str] = []
        for directory in level:
            listed[directory] = _scan(directory)
            below.extend(path for _, path in listed[directory][0])
        level = below
    if not listed:
        return [((), str(root), True)]
    units: list[Unit] = []
    _emit(str(root), (), listed, units)
    return units


def _emit(
    directory: str,
    parts: tuple[str, ...],
    listed: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]],
    units: list[Unit],
) -> None:
    """The units under a listed directory, in path order (names sorted in each
    directory: a name is never both a directory and a file)."""
    dirs, files = listed[directory]
    items = [(name, path, True) for name, path in dirs]
    items.extend((name, path, False) for name, path in files)
    items.sort()
    for name, path, is_dir in items:
        if is_dir and path in listed:
            _emit(path, (*parts, name), listed, units)
        else:
            units.append(((*parts, name), path, is_dir))


def _unit_files(units: Sequence[Unit]) -> list[tuple[str, str]]:
    """The ``*.yaml`` files of ``units``, as :func:`_yaml_files_under` gives them."""
    out: list[tuple[str, str]] = []
    for parts, path, is_dir in units:
        if not is_dir:
            out.append((path, os.sep.join(parts)))
            continue
        dirs, files = _scan(path)
        prefix = os.sep.join(parts) + os.sep if parts else ""
        if not dirs:  # most often: a directory of record versions
            files.sort()
            out.extend((file, prefix + name) for name, file in files)
            continue
        found: list[tuple[tuple[str, ...], str]] = [((name,), file) for name, file in files]
        for name, sub in dirs:
            _walk(sub, (name,), found)
        found.sort(key=lambda item: item[0])
        out.extend((file, prefix + os.sep.join(sub)) for sub, file in found)
    return out


def _shown_paths(root: Path, files: Sequence[tuple[str, str]]) -> list[str]:
    """``display_path`` of each file under ``root``, without one ``relpath`` per
    file when the working directory is not inside ``root``: then the shown path
    of ``root/sub`` is the shown path of ``root`` joined with ``sub``."""
    base = display_path(root)
    try:
        inside = os.path.relpath(os.getcwd(), os.path.abspath(root))
    except ValueError:  # pragma: no cover - another drive on Windows
        inside = ""
    if inside != "." and (not inside or inside.split(os.sep)[0] != os.pardir):
        return [display_path(Path(path)) for path, _ in files]
    if base == ".":
        return [sub for _, sub in files]
    return [base + os.sep + sub for _, sub in files]


def load_content(
    content_root: Path,
    config_root: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    use_cache: bool = True,
) -> Content:
    """Read and model-validate every record; collect every problem.

    With ``use_cache`` (and unless ``GONGKAI_NO_CACHE`` is set), files that
    loaded before with no problems are taken from the record cache
    (:mod:`generator.cache`) instead of being parsed again. Many files are
    loaded by worker processes."""
    content = _begin(content_root, config_root)
    if not content_root.is_dir():
        return content
    under = _yaml_files_under(content_root)
    files = [path for path, _ in under]
    shown = _shown_paths(content_root, under)
    store = _cache.open_cache() if use_cache else None
    try:
        for name, outcome in zip(shown, _cache.load_files(files, shown, store), strict=True):
            content.files_seen += 1
            if progress is not None:
                progress(name)
            loaded, problems, identity = outcome
            content.problems.extend(problems)
            if loaded is not None:
                content.records.append(loaded)
            elif identity is not None:
                content.broken.add(identity)
    finally:
        if store is not None:
            store.close()
    return content


def _begin(content_root: Path, config_root: Path | None) -> Content:
    """What :func:`load_content` has before it reads ``content/``: ``site_config/``
    read, or the problem that ``content/`` is not a directory."""
    config_root = config_root if config_root is not None else content_root.parent / "site_config"
    content = Content(content_root, config_root)
    if not content_root.is_dir():
        content.problems.append(
            Problem(display_path(content_root), 0, 0, "", "content directory not found")
        )
        return content
    _load_config(content)
    return content


CALENDAR_DIR = "calendar"
"""Where the working-day calendar lives in ``site_config/``: one ``<year>.yaml`` per year."""


def load_calendar(config_root: Path) -> tuple[Calendar, list[Problem]]:
    """Read ``site_config/calendar/<year>.yaml``: the calendar of the years that are
    valid, and every problem of the others (a file that is not named after its year, a
    date outside the year, in both lists, listed twice, a 调休 working day on a weekday)."""
    directory = config_root / CALENDAR_DIR
    years: list[CalendarYear] = []
    problems: list[Problem] = []
    for path in _yaml_files(directory) if directory.is_dir() else []:
        shown = display_path(path)
        doc, found = read_yaml_file(str(path))
        found = [_reshow(p, shown) for p in found]
        if doc is None or found:
            problems.extend(found)
            continue
        doc.path = shown
        try:
            year = CalendarYear.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, CalendarYear, doc))
            continue
        if path.parent != directory or path.name != f"{year.year}.yaml":
            line, col = doc.position(("year",))
            problems.append(
                Problem(
                    shown,
                    line,
                    col,
                    "year",
                    f"the file is not named after its year (got {year.year} in "
                    f"{path.relative_to(directory).as_posix()}, expected {CALENDAR_DIR}/{year.year}.yaml)",
                )
            )
            continue
        years.append(year)
    return Calendar.from_years(years, display_path(directory)), problems


def _load_config(content: Content) -> None:
    root = content.config_root
    content.calendar, problems = load_calendar(root)
    content.problems.extend(problems)
    calendar_dir = root / CALENDAR_DIR
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
        if path == site_path or calendar_dir in path.parents:
            continue
        loaded, problems = load_record_file(path)
        content.problems.extend(problems)
        if loaded is not None:
            content.config_records.append(loaded)
