"""Verifying signed records against the root of trust and the key registry.

Pure core: it takes records already read (their data exactly as written and
their signatures) and a reference date, and returns numbered checks, each
pass / fail / not checked (with a reason), or pass with a warning.

The rules:

1. **Root chain.** ``content/root/1.yaml``, ``2.yaml`` … must be contiguous.
   Version 1 must be signed by a threshold of its own keys (and, when the user
   pins it, have the pinned SHA-256). Version N+1 counts only when signed by a
   threshold of version N's keys *and* a threshold of its own, and names version
   N's digest in ``supersedes``. The newest root must not have expired.
2. **Key registry.** Every version must be signed by a threshold of the trusted
   root's key-registry keys; versions chain by ``supersedes``; keys are never
   removed, only revoked.
3. **Records.** Each record must carry the signatures its kind requires
   (by default one key of the record's own department; a draw also needs a
   witness). A signature counts only if it verifies, its key may sign that kind
   and, on the day the signature entered the transparency log, the key is within
   ``valid_from``..``valid_until`` and not revoked (:class:`Clock`: a record or
   signature not in the log yet, or a tree without a log, is judged as of
   today; the date a record states for itself is never used). A superseded key
   still verifies what it signed before it was revoked; a compromised key fails
   everything logged from ``compromised_since`` and flags what came before.
   Distinct public keys are counted, never keyids. Any signature that is
   malformed, invalid or not allowed fails the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .canonical import record_digest
from .models import KeyEntry, KeyRegistry, Record, Root, with_witnesses
from .signing import (
    SignatureEntry,
    keyid_of,
    parse_signatures,
    public_key_bytes,
    signing_input,
    verify_bytes,
    verify_raw,
)
from .tlog import LogTimes

Status = Literal["pass", "fail", "not checked"]


@dataclass(slots=True)
class Check:
    """One numbered check of a verification report."""

    subject: str
    """What was checked: a file path or a named step."""
    status: Status
    reason: str
    signers: list[str] = field(default_factory=list)
    """Labels of the keys whose signatures counted."""
    warnings: list[str] = field(default_factory=list)
    number: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.number,
            "subject": self.subject,
            "status": self.status,
            "reason": self.reason,
            "signers": self.signers,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class SignedDoc:
    """A record as read: where from, its model, its data as written, its signatures."""

    path: str
    record: Record
    signed: dict[str, Any]
    signatures: list[Any] | None
    """None for an unsigned draft."""
    message: bytes | None = None
    """``signing_input(signed)`` when the loader already has it (from the record cache)."""
    sha256: str | None = None
    """``digest`` when the loader already has it."""

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON of ``signed``: the record's digest."""
        return self.sha256 if self.sha256 is not None else record_digest(self.signed)


def _valid_signers(
    doc: SignedDoc, publics: Iterable[str]
) -> tuple[dict[str, SignatureEntry], list[str], list[SignatureEntry]]:
    """Signatures of ``doc`` that verify under one of ``publics``.

    Returns {public: entry} for keys that signed validly (each key once), the
    problems with malformed entries, and the entries that did not verify.
    """
    entries, problems = parse_signatures(doc.signatures if doc.signatures is not None else [])
    message = doc.message if doc.message is not None else signing_input(doc.signed)
    by_keyid = {keyid_of(p): p for p in publics}
    good: dict[str, SignatureEntry] = {}
    bad: list[SignatureEntry] = []
    for entry in entries:
        public = by_keyid.get(entry.keyid)
        if public is not None and verify_bytes(public, message, entry.sig):
            good.setdefault(public, entry)
        else:
            bad.append(entry)
    return good, problems, bad


def _threshold_check(
    doc: SignedDoc, publics: Sequence[str], threshold: int, who: str
) -> tuple[bool, str, list[str]]:
    good, problems, bad = _valid_signers(doc, publics)
    if doc.signatures is None:
        return False, "not signed (an unsigned draft)", []
    if problems:
        return False, problems[0], []
    counted = [p for p in publics if p in good]
    if len(counted) < threshold:
        expected_ids = {keyid_of(p) for p in publics}
        changed = next((b for b in bad if b.keyid in expected_ids), None)
        if changed is not None:
            return (
                False,
                f"signatures[{changed.index}]: does not verify: it was changed after it was signed, "
                "or the signature was made over other data",
                [p[:16] for p in counted],
            )
        dupes = len(doc.signatures) - len(bad) - len(counted)
        extra = f"; {dupes} duplicate signature(s) by one key count once" if dupes > 0 else ""
        unknown = f"; {len(bad)} signature(s) by other keys or not valid" if bad else ""
        return (
            False,
            f"signed by {len(counted)} of the {who}, threshold {threshold}{extra}{unknown}",
            [p[:16] for p in counted],
        )
    return (
        True,
        f"signed by {len(counted)} of the {who} (threshold {threshold})",
        [p[:16] for p in counted],
    )


def verify_root_chain(
    roots: Sequence[SignedDoc], now: str, pinned_sha256: str | None = None
) -> tuple[Root | None, list[Check]]:
    """Check the root chain; return the newest trusted root (or None) and the checks."""
    checks: list[Check] = []
    if not roots:
        return None, [
            Check("content/root/", "fail", "no root of trust found (expected content/root/1.yaml)")
        ]
    ordered = sorted(roots, key=lambda d: d.record.version)
    for expected, doc in enumerate(ordered, start=1):
        if doc.record.version != expected:
            checks.append(
                Check(
                    doc.path,
                    "fail",
                    f"root versions must be contiguous (got version {doc.record.version}, "
                    f"expected {expected}: a root that skips a version is not trusted)",
                )
            )
            return None, checks
    start = 0
    if pinned_sha256 is not None:
        digests = [d.digest for d in ordered]
        if pinned_sha256 not in digests:
            checks.append(
                Check(
                    ordered[0].path,
                    "fail",
                    f"no root version has the pinned SHA-256 (got "
                    f"{', '.join(d[:16] + '…' for d in digests)}, expected {pinned_sha256})",
                )
            )
            return None, checks
        start = digests.index(pinned_sha256)
    trusted: Root | None = None
    for i in range(start, len(ordered)):
        doc = ordered[i]
        root = doc.record
        assert isinstance(root, Root)
        own = [k.public for k in root.keys]
        ok, why, signers = _threshold_check(doc, own, root.threshold, "root's own keys")
        if not ok:
            checks.append(Check(doc.path, "fail", f"root version {root.version}: {why}"))
            return trusted, checks
        reason = f"root version {root.version}: {why}"
        if i == start:
            reason += (
                "; pinned by SHA-256" if pinned_sha256 else "; NOT PINNED: trusted on first use"
            )
        else:
            prev_doc = ordered[i - 1]
            prev = prev_doc.record
            assert isinstance(prev, Root)
            if root.supersedes != prev_doc.digest:
                checks.append(
                    Check(
                        doc.path,
                        "fail",
                        f"root version {root.version} does not name version "
                        f"{prev.version} (got supersedes {root.supersedes}, expected {prev_doc.digest})",
                    )
                )
                return trusted, checks
            ok, why_prev, _ = _threshold_check(
                doc,
                [k.public for k in prev.keys],
                prev.threshold,
                f"previous root's (version {prev.version}) keys",
            )
            if not ok:
                checks.append(
                    Check(
                        doc.path,
                        "fail",
                        f"root version {root.version}: {why_prev}; a new root "
                        "must be signed by a threshold of the previous root's keys too",
                    )
                )
                return trusted, checks
            reason += f"; {why_prev}"
        checks.append(Check(doc.path, "pass", reason, signers))
        trusted = root
    assert trusted is not None
    if trusted.expires < now:
        checks.append(
            Check(
                "root freshness",
                "fail",
                f"the newest root (version {trusted.version}) expired "
                f"on {trusted.expires} (checked on {now})",
            )
        )
    else:
        checks.append(
            Check(
                "root freshness",
                "pass",
                f"the newest root (version {trusted.version}) is valid "
                f"until {trusted.expires} (checked on {now})",
            )
        )
    return trusted, checks


def verify_key_registry(
    versions: Sequence[SignedDoc], root: Root
) -> tuple[KeyRegistry | None, list[Check]]:
    """Check every key registry version against the trusted root."""
    checks: list[Check] = []
    if not versions:
        return None, [
            Check("content/keys/", "fail", "no key registry found (expected content/keys/v1.yaml)")
        ]
    ordered = sorted(versions, key=lambda d: d.record.version)
    publics = {keyid_of(k.public): k.public for k in root.keys}
    signer_publics = [publics[kid] for kid in dict.fromkeys(root.key_registry.keys)]
    latest: KeyRegistry | None = None
    prev_doc: SignedDoc | None = None
    for expected, doc in enumerate(ordered, start=1):
        reg = doc.record
        assert isinstance(reg, KeyRegistry)
        if reg.version != expected:
            checks.append(
                Check(
                    doc.path,
                    "fail",
                    f"key registry versions must be contiguous (got version "
                    f"{reg.version}, expected {expected})",
                )
            )
            return latest, checks
        ok, why, signers = _threshold_check(
            doc, signer_publics, root.key_registry.threshold, "root's key-registry keys"
        )
        if not ok:
            bad_signers = ""
            entries, _ = parse_signatures(doc.signatures or [])
            signer_ids = {keyid_of(p) for p in signer_publics}
            if entries and not any(e.keyid in signer_ids for e in entries):
                bad_signers = " (a key registry is signed only by the root's key-registry keys)"
            checks.append(
                Check(doc.path, "fail", f"key registry version {reg.version}: {why}{bad_signers}")
            )
            return latest, checks
        if prev_doc is not None:
            prev = prev_doc.record
            assert isinstance(prev, KeyRegistry)
            if reg.supersedes != prev_doc.digest:
                checks.append(
                    Check(
                        doc.path,
                        "fail",
                        f"key registry version {reg.version} does not name version "
                        f"{prev.version} (got supersedes {reg.supersedes}, expected {prev_doc.digest})",
                    )
                )
                return latest, checks
            now_keys = {k.public for k in reg.keys}
            dropped = [k.label for k in prev.keys if k.public not in now_keys]
            if dropped:
                checks.append(
                    Check(
                        doc.path,
                        "fail",
                        f"keys are revoked, never removed (got version {reg.version} "
                        f"without {', '.join(dropped)})",
                    )
                )
                return latest, checks
        checks.append(
            Check(doc.path, "pass", f"key registry version {reg.version}: {why}", signers)
        )
        latest = reg
        prev_doc = doc
    return latest, checks


Basis = Literal["log", "not logged", "no log", "log failed", "stated"]
"""Why a signature is judged on the day it is: the day it entered the log, or
today, because the record (or this signature) is not in the log yet, there is
no log, or the log did not verify; or ("stated", only for records read without
their log: a draw bundle carries none) the date the record states for itself."""


class Moment(NamedTuple):
    """The day a signature is judged at (``YYYY-MM-DD``, China time) and why that day."""

    day: str
    basis: Basis

    def describe(self) -> str:
        """The day and why, as a reason says it."""
        if self.basis == "log":
            return f"入日志 {self.day} / entered the log on {self.day}"
        if self.basis == "not logged":
            return f"尚未入日志，按今天判断 / not in the log yet, judged as of today ({self.day})"
        if self.basis == "no log":
            return f"没有日志，按今天判断 / no log, judged as of today ({self.day})"
        if self.basis == "stated":
            return (
                f"按记录自述的日期 {self.day}，而非入日志时间 / at the date the record states, "
                f"{self.day}, not its log time"
            )
        return (
            f"日志未通过核验，按今天判断 / the log does not verify, judged as of today ({self.day})"
        )


class Clock:
    """What key validity is judged at: the day each signature entered the
    transparency log (:class:`generator.tlog.LogTimes`), else ``today``.

    ``times`` None means there is no log to judge by (``basis`` says why: "no
    log" or "log failed"); every signature is then judged as of today."""

    def __init__(self, today: str, times: LogTimes | None, basis: Basis = "no log") -> None:
        self.today = today
        self.times = times
        self._fallback = Moment(today, basis if times is None else "not logged")
        self._days: dict[str, Moment] = {}

    def moment(self, digest: str, keyid: str) -> Moment:
        """When the signature by ``keyid`` of the record with SHA-256 ``digest`` is judged."""
        if self.times is None:
            return self._fallback
        day = self.times.day(digest, keyid)
        if day is None:
            return self._fallback
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = Moment(day, "log")
        return found


class StatedClock(Clock):
    """Judges each record at the date it states for itself (``stated``: digest ->
    date), for records read without their log. The department chooses that date,
    so this is weaker than the log's time: whoever uses it says so."""

    def __init__(self, today: str, stated: dict[str, str]) -> None:
        super().__init__(today, None)
        self.stated = stated

    def moment(self, digest: str, keyid: str) -> Moment:
        del keyid  # every signature of a record is judged at the date it states
        day = self.stated.get(digest)
        return Moment(day, "stated") if day is not None else self._fallback


def _key_problem(key: KeyEntry, kind: str, when: Moment) -> tuple[str | None, str | None]:
    """(why the key's signature does not count, warning) for a signature of a
    record of ``kind`` judged at ``when``."""
    if kind not in key.kinds:
        return (
            f"key {key.label!r} may not sign {kind} records (it may sign: {', '.join(key.kinds)})",
            None,
        )
    day = when.day
    if day < key.valid_from or day > key.valid_until:
        return (
            f"key {key.label!r} was not valid on {day} (valid {key.valid_from} to "
            f"{key.valid_until}); {when.describe()}",
            None,
        )
    rev = key.revocation
    if rev is not None:
        if rev.reason == "compromised":
            assert rev.compromised_since is not None
            if day >= rev.compromised_since:
                return (
                    f"key {key.label!r} is compromised since {rev.compromised_since}; "
                    f"{when.describe()}",
                    None,
                )
            return None, (
                f"key {key.label!r} was later reported compromised (since {rev.compromised_since}); "
                f"this signature is from before that: {when.describe()}"
            )
        if day >= rev.at:
            return (
                f"key {key.label!r} was revoked on {rev.at} (superseded); {when.describe()}",
                None,
            )
    return None, None


Outcome = tuple[Status, str, list[str], list[str]]
"""A record check without its subject: (status, reason, signers, warnings)."""


class KeyIndex:
    """A key registry made ready for checking many records: its keys by public
    key and by keyid, each public key decoded, and what its rules make of each
    case met (:meth:`verdict`)."""

    def __init__(self, registry: KeyRegistry) -> None:
        self.registry = registry
        self.keys: dict[str, KeyEntry] = {k.public: k for k in registry.keys}
        self.by_keyid = {keyid_of(p): p for p in self.keys}
        self.raw = {p: public_key_bytes(p) for p in self.keys}
        self._verdicts: dict[tuple[Any, ...], Outcome] = {}

    def verdict(
        self,
        kind: str,
        when: tuple[Moment, ...],
        department: str | None,
        witnesses: int,
        good: dict[str, SignatureEntry],
        signatures: int,
    ) -> Outcome:
        """What the signatures that verified (``good``: the first entry of each
        key, in order; ``signatures`` entries in all), each judged at its moment
        in ``when``, make of a record of ``kind`` of ``department`` that requires
        ``witnesses`` witness keys itself: the rules of validity and who must
        sign. It depends on nothing else, so it is worked out once for each such
        case (the outcome's lists are shared: copy them to change them)."""
        signers = tuple((p, e.index) for p, e in good.items())
        case = (kind, when, department, witnesses, signers, signatures)
        found = self._verdicts.get(case)
        if found is None:
            found = self._verdict(kind, when, department, witnesses, good, signatures)
            if len(self._verdicts) < 10_000:
                self._verdicts[case] = found
        return found

    def _verdict(
        self,
        kind: str,
        when: tuple[Moment, ...],
        dept: str | None,
        witnesses: int,
        good: dict[str, SignatureEntry],
        signatures: int,
    ) -> Outcome:
        counting: list[KeyEntry] = []
        warnings: list[str] = []
        for (public, entry), moment in zip(good.items(), when, strict=True):
            key = self.keys[public]
            why, warn = _key_problem(key, kind, moment)
            if why is not None:
                return "fail", f"signatures[{entry.index}]: {why}", [], []
            if warn:
                warnings.append(warn)
            counting.append(key)
        for req in with_witnesses(self.registry.requirements_for(kind), witnesses):
            if req.signer == "department":
                have = [k for k in counting if k.role == "department" and k.department == dept]
                who = f"keys of department {dept!r}"
            else:
                have = [k for k in counting if k.role == "witness"]
                who = "witness keys"
            if len(have) < req.count:
                dupes = signatures - len(good)
                extra = f"; {dupes} duplicate signature(s) by one key count once" if dupes else ""
                return (
                    "fail",
                    f"needs {req.count} signature(s) by {who}, got {len(have)}{extra}",
                    [k.label for k in counting],
                    [],
                )
        labels = [k.label for k in counting]
        if len(set(when)) <= 1:
            shown = ", ".join(labels) + (f" ({when[0].describe()})" if when else "")
        else:  # signatures that entered the log on different days
            shown = ", ".join(f"{k} ({m.describe()})" for k, m in zip(labels, when, strict=True))
        return "pass", f"signed by {shown}", labels, warnings


def verify_record(
    doc: SignedDoc, registry: KeyRegistry, clock: Clock, index: KeyIndex | None = None
) -> Check:
    """Check one record's signatures against the key registry, each judged at
    the moment ``clock`` gives it (``index``: the registry made ready, when many
    records are checked against it)."""
    rec = doc.record
    if doc.signatures is None:
        message = b""
    else:
        message = doc.message if doc.message is not None else signing_input(doc.signed)
    status, reason, signers, warnings = check_signatures(
        type(rec).KIND,
        doc.digest,
        rec.signing_department,
        doc.signatures,
        message,
        index if index is not None else KeyIndex(registry),
        rec.required_witnesses,
        clock,
    )
    return Check(doc.path, status, reason, list(signers), list(warnings))


def check_signatures(
    kind: str,
    digest: str,
    department: Callable[[], str | None] | str | None,
    signatures: list[Any] | None,
    message: bytes,
    index: KeyIndex,
    witnesses: Callable[[], int] | int,
    clock: Clock,
) -> Outcome:
    """:func:`verify_record` from what it depends on: the record's kind
    (``KIND``), its digest (the SHA-256 of the canonical JSON of its signed
    data, by which the log knows it), its department and the witnesses it
    requires itself (``signing_department()`` and ``required_witnesses()``, or
    what they return), its signatures as written and the bytes they cover, and
    the clock that says when each signature is judged. Every signature is
    verified, every time."""
    if signatures is None:
        return "fail", "not signed (an unsigned draft cannot be published)", [], []
    entries, problems = parse_signatures(signatures)
    if problems:
        return "fail", problems[0], [], []
    good: dict[str, SignatureEntry] = {}
    for entry in entries:
        public = index.by_keyid.get(entry.keyid)
        if public is None:
            return (
                "fail",
                f"signatures[{entry.index}]: keyid {entry.keyid[:16]}… is not in the key registry",
                [],
                [],
            )
        if not verify_raw(index.raw[public], message, entry.sig):
            return (
                "fail",
                f"signatures[{entry.index}]: does not verify: the record was changed "
                "after it was signed, or the signature was made over other data",
                [],
                [],
            )
        good.setdefault(public, entry)
    when = tuple(clock.moment(digest, e.keyid) for e in good.values())
    dept = department() if callable(department) else department
    needed = witnesses() if callable(witnesses) else witnesses
    return index.verdict(kind, when, dept, needed, good, len(signatures))


def number(checks: Sequence[Check]) -> list[Check]:
    """Give checks their stable numbers 1, 2, …"""
    for i, check in enumerate(checks, start=1):
        check.number = str(i)
    return list(checks)
