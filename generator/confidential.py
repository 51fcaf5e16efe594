"""Confidential strata: drawing by a class the public may not see, and checking it anyway.

A firm's credit class is usually not public. When a task's strata use a registry column
that is private, the draw record does not say which pooled target is in which stratum.
Instead it carries, for every pooled target, a **commitment** to its class:

* ``nonce = HMAC-SHA256(secret, UTF-8(task id + "|" + target id))``, where ``secret`` is
  the department's draw secret (32 random bytes kept outside the repository);
* ``class`` = the target's values in the task's ``strata.by`` columns, joined by ``"|"``;
* ``commitment = hex SHA-256(nonce ‖ UTF-8(class))``.

and, per stratum, N, k and the highest selected ticket. The selected targets are listed
with their tickets (in visiting order) but not by stratum.

An **opening** of a target is ``{target, class, nonce}`` (nonce in hex). The department
gives a firm the opening of its own commitment; an auditor can be given all of them.

What the public can check without openings (:func:`public_checks`): the commitments cover
exactly the pool; every selected target is pooled and its ticket is right; every k follows
from N; and no pooled target that was not selected has a ticket below every stratum's
highest selected ticket (whatever its class, it would then have been drawn).

What one opening adds (:func:`check_openings`): the commitment matches; and for a target of
stratum s, it was selected exactly when its ticket is at most s's highest selected ticket.
All openings together let the whole draw be re-run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import strictjson
from .draw import StratumSpec, k_for
from .errors import GongkaiError
from .sampler import sha256_hex, ticket

SECRET_BYTES = 32


class OpeningError(GongkaiError):
    """An openings file that cannot be read."""


def read_secret(text: str, where: str) -> bytes:
    """The department's draw secret from its file: 64 hex digits (32 bytes)."""
    value = text.strip()
    try:
        secret = bytes.fromhex(value)
    except ValueError:
        secret = b""
    if len(secret) != SECRET_BYTES:
        raise GongkaiError(
            f"{where}: not a draw secret (expected {2 * SECRET_BYTES} hex digits, as written by "
            "`gongkai keys new-secret`)"
        )
    return secret


def conceal(strata: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The strata as a confidential draw states them: no members, the highest ticket instead."""
    out = []
    for s in strata:
        tickets = [str(x["ticket"]) for x in s["selected"]]
        entry = {k: v for k, v in s.items() if k != "selected"}
        entry["selected"] = []
        if tickets:
            entry["highest_ticket"] = max(tickets)
        out.append(entry)
    return out


def class_of(row: Mapping[str, str], by: Sequence[str]) -> str:
    """A target's class: its values in the strata columns, joined by ``|``."""
    return "|".join(row.get(col, "") for col in by)


def nonce(secret: bytes, task_id: str, target: str) -> bytes:
    return hmac.new(secret, f"{task_id}|{target}".encode(), hashlib.sha256).digest()


def commitment(nonce_: bytes, klass: str) -> str:
    return hashlib.sha256(nonce_ + klass.encode("utf-8")).hexdigest()


def commit_pool(
    secret: bytes, task_id: str, classes: Mapping[str, str]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(commitments, openings) for every pooled target, in ascending id order."""
    commitments = []
    openings = []
    for target in sorted(classes):
        n = nonce(secret, task_id, target)
        commitments.append({"target": target, "commitment": commitment(n, classes[target])})
        openings.append({"target": target, "class": classes[target], "nonce": n.hex()})
    return commitments, openings


@dataclass(frozen=True)
class Opening:
    target: str
    klass: str
    nonce: bytes
    task: str = ""
    """The task the opening belongs to (from its file)."""


def parse_openings(raw: bytes, where: str) -> tuple[str, list[Opening]]:
    """(task id, openings) from an openings file (see docs/draw-bundle.md)."""
    try:
        data = strictjson.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise OpeningError(f"{where}: not a JSON openings file ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != "gongkai-openings/1":
        raise OpeningError(
            f'{where}: format: not an openings file (expected "format": "gongkai-openings/1")'
        )
    task = data.get("task")
    entries = data.get("openings")
    if not isinstance(task, str) or not isinstance(entries, list):
        raise OpeningError(f"{where}: expected the fields task (text) and openings (a list)")
    out = []
    for i, e in enumerate(entries):
        try:
            out.append(Opening(str(e["target"]), str(e["class"]), bytes.fromhex(e["nonce"]), task))
        except (KeyError, TypeError, ValueError) as exc:
            raise OpeningError(
                f"{where}: openings[{i}]: expected {{target, class, nonce}} with a hex nonce ({exc})"
            ) from exc
    return task, out


def openings_json(task_id: str, openings: Sequence[Mapping[str, str]]) -> str:
    return json.dumps(
        {"format": "gongkai-openings/1", "task": task_id, "openings": list(openings)},
        ensure_ascii=False,
        indent=2,
    )


@dataclass(frozen=True)
class ConfidentialStratum:
    match: Mapping[str, str]
    spec: StratumSpec
    population: int
    take: int
    highest_ticket: str | None


def _klass_of(match: Mapping[str, str], by: Sequence[str]) -> str:
    return "|".join(match.get(col, "") for col in by)


def public_checks(
    seed: str,
    commitments: Sequence[Mapping[str, str]],
    strata: Sequence[ConfidentialStratum],
    visits: Sequence[Mapping[str, str]],
) -> list[str]:
    """Problems the public can find without openings (empty: none)."""
    ids = [c["target"] for c in commitments]
    if ids != sorted(set(ids)):
        return ["commitments: not one per target in ascending id order"]
    if len(ids) != sum(s.population for s in strata):
        return [
            f"commitments: {len(ids)} pooled targets committed, but the strata hold "
            f"{sum(s.population for s in strata)}"
        ]
    problems = []
    for i, s in enumerate(strata):
        k = k_for(s.spec, s.population)
        if k != s.take:
            problems.append(f"strata[{i}].take: got {s.take}, expected {k} for N={s.population}")
    if len(visits) != sum(s.take for s in strata):
        problems.append(
            f"visits: {len(visits)} targets selected, the strata take {sum(s.take for s in strata)}"
        )
    pooled = set(ids)
    seed_hash = sha256_hex(seed)
    for v in visits:
        if v["target"] not in pooled:
            problems.append(f"visits: {v['target']} is selected but not in the committed pool")
        elif ticket(seed_hash, v["target"]) != v["ticket"]:
            problems.append(f"visits: {v['target']}: wrong ticket")
    highs = [s.highest_ticket for s in strata if s.highest_ticket is not None and s.take > 0]
    if highs:
        floor = min(highs)
        selected = {v["target"] for v in visits}
        for target in ids:
            if target not in selected and ticket(seed_hash, target) <= floor:
                problems.append(
                    f"commitments: {target} was not selected although its ticket is below every "
                    "stratum's highest selected ticket"
                )
                break
    return problems


def check_openings(
    seed: str,
    task_id: str,
    by: Sequence[str],
    commitments: Sequence[Mapping[str, str]],
    strata: Sequence[ConfidentialStratum],
    visits: Sequence[Mapping[str, str]],
    openings: Sequence[Opening],
) -> tuple[list[str], list[list[str]] | None]:
    """(problems, members per stratum when every pooled target was opened)."""
    committed = {c["target"]: c["commitment"] for c in commitments}
    by_class = {_klass_of(s.match, by): i for i, s in enumerate(strata)}
    selected = {v["target"] for v in visits}
    seed_hash = sha256_hex(seed)
    problems: list[str] = []
    members: list[list[str]] = [[] for _ in strata]
    for o in openings:
        if o.target not in committed:
            problems.append(f"opening {o.target}: not a pooled target of task {task_id}")
            continue
        if commitment(o.nonce, o.klass) != committed[o.target]:
            problems.append(f"opening {o.target}: does not match its commitment")
            continue
        index = by_class.get(o.klass)
        if index is None:
            problems.append(f"opening {o.target}: class {o.klass!r} is no stratum of the task")
            continue
        members[index].append(o.target)
        high = strata[index].highest_ticket
        mine = ticket(seed_hash, o.target)
        should = high is not None and mine <= high
        if should != (o.target in selected):
            problems.append(
                f"opening {o.target}: {'not ' if o.target not in selected else ''}selected, but its "
                f"ticket is {'at most' if should else 'above'} the highest selected ticket of its stratum"
            )
    complete = {o.target for o in openings} >= set(committed) and not problems
    if not complete:
        return problems, None
    for i, (s, ids) in enumerate(zip(strata, members, strict=True)):
        if len(ids) != s.population:
            problems.append(
                f"strata[{i}]: the openings put {len(ids)} targets in it, the record says N={s.population}"
            )
    return problems, ([sorted(m) for m in members] if not problems else None)
