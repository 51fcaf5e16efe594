"""Confidential strata: commitments, what the public can check, and what openings add."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from generator.codes import uscc_check_char
from generator.confidential import (
    ConfidentialStratum,
    OpeningError,
    check_openings,
    commit_pool,
    commitment,
    nonce,
    openings_json,
    parse_openings,
    public_checks,
    read_secret,
)
from generator.draw import StratumSpec, TaskSpec, draw_targets
from generator.errors import GongkaiError

SECRET = bytes(range(32))
SEED = "gongkai-draw/1|T-1|" + "ab" * 32 + "|drand-quicknet:1000:" + "cd" * 32
TASK = "T-1"


def uscc(i: int) -> str:
    body = f"91519031{i:09d}"
    return body + uscc_check_char(body)


def make_draw(n: int = 300) -> dict[str, Any]:
    ids = [uscc(i) for i in range(n)]
    classes = {t: "ABCD"[int(hashlib.sha256(t.encode()).hexdigest(), 16) % 4] for t in ids}
    specs = tuple(StratumSpec({"credit_class": c}, "0.1", None) for c in "ABCD")
    task = TaskSpec(
        task_id=TASK,
        year=2023,
        lead="d",
        participants=(),
        items=(),
        expertise=(),
        filter={},
        strata_by=("credit_class",),
        strata=specs,
        draws_targets=True,
        draws_inspectors=False,
        matching="分散",
        team_size=2,
        workload_cap=None,
        ratio_justified=False,
    )
    members = [sorted(t for t in ids if classes[t] == c) for c in "ABCD"]
    strata, visits = draw_targets(task, SEED, members)
    commitments, openings = commit_pool(SECRET, TASK, classes)
    conf = [
        ConfidentialStratum(
            s["match"],
            spec,
            s["population"],
            s["take"],
            max((x["ticket"] for x in s["selected"]), default=None),
        )
        for s, spec in zip(strata, specs, strict=True)
    ]
    return {
        "ids": ids,
        "classes": classes,
        "members": members,
        "strata": conf,
        "visits": visits,
        "commitments": commitments,
        "openings": openings,
    }


@pytest.fixture(scope="module")
def drawn() -> dict[str, Any]:
    return make_draw()


def parsed(openings: list[dict[str, str]]) -> list[Any]:
    return parse_openings(openings_json(TASK, openings).encode(), "o.json")[1]


def test_the_commitment_formula() -> None:
    """Recomputed here from the documented formula with the standard library alone."""
    n = hmac.new(SECRET, b"T-1|" + uscc(7).encode(), hashlib.sha256).digest()
    assert nonce(SECRET, TASK, uscc(7)) == n
    assert commitment(n, "B") == hashlib.sha256(n + b"B").hexdigest()
    assert commitment(n, "B") != commitment(n, "C")


def test_commitments_hide_the_class(drawn: dict[str, Any]) -> None:
    """Two targets of the same class get unrelated commitments (the nonce differs)."""
    a, b = [t for t in drawn["ids"] if drawn["classes"][t] == "A"][:2]
    by_id = {c["target"]: c["commitment"] for c in drawn["commitments"]}
    assert by_id[a] != by_id[b]


def test_the_public_checks_pass(drawn: dict[str, Any]) -> None:
    assert public_checks(SEED, drawn["commitments"], drawn["strata"], drawn["visits"]) == []


def test_a_skipped_low_ticket_is_found_by_the_public(drawn: dict[str, Any]) -> None:
    """Replacing the best-ticket target by an unselected one shows without any opening."""
    visits = [dict(v) for v in drawn["visits"]]
    dropped = visits.pop(0)["target"]
    selected = {v["target"] for v in drawn["visits"]}
    other = next(t for t in drawn["ids"] if t not in selected)
    visits.append({"target": other, "ticket": "x"})
    problems = public_checks(SEED, drawn["commitments"], drawn["strata"], visits)
    assert f"visits: {other}: wrong ticket" in problems
    assert any(p.startswith(f"commitments: {dropped} was not selected") for p in problems)


def test_a_wrong_k_is_found_by_the_public(drawn: dict[str, Any]) -> None:
    s = drawn["strata"][0]
    strata = [
        ConfidentialStratum(s.match, s.spec, s.population, s.take + 1, s.highest_ticket),
        *drawn["strata"][1:],
    ]
    problems = public_checks(SEED, drawn["commitments"], strata, drawn["visits"])
    assert (
        problems[0] == f"strata[0].take: got {s.take + 1}, expected {s.take} for N={s.population}"
    )


def test_all_openings_rebuild_the_strata(drawn: dict[str, Any]) -> None:
    problems, members = check_openings(
        SEED,
        TASK,
        ("credit_class",),
        drawn["commitments"],
        drawn["strata"],
        drawn["visits"],
        parsed(drawn["openings"]),
    )
    assert problems == []
    assert members == drawn["members"]


@pytest.mark.parametrize("selected", [True, False])
def test_one_firm_checks_its_own_opening(drawn: dict[str, Any], selected: bool) -> None:
    chosen = {v["target"] for v in drawn["visits"]}
    mine = next(o for o in drawn["openings"] if (o["target"] in chosen) == selected)
    problems, members = check_openings(
        SEED,
        TASK,
        ("credit_class",),
        drawn["commitments"],
        drawn["strata"],
        drawn["visits"],
        parsed([mine]),
    )
    assert (problems, members) == ([], None)


def test_a_firm_in_the_wrong_stratum_is_found(drawn: dict[str, Any]) -> None:
    """A firm told (and committed to) another class than the one the draw used."""
    chosen = {v["target"] for v in drawn["visits"]}
    # an unselected A-firm whose ticket would have been drawn in a stratum with a higher cut
    strata = {s.match["credit_class"]: s for s in drawn["strata"]}
    from generator.sampler import sha256_hex, ticket

    h = sha256_hex(SEED)
    victim = next(
        t
        for t in drawn["ids"]
        if t not in chosen
        and drawn["classes"][t] != "D"
        and any(
            ticket(h, t) <= strata[c].highest_ticket for c in "ABCD" if c != drawn["classes"][t]
        )
    )
    wrong = next(
        c
        for c in "ABCD"
        if c != drawn["classes"][victim] and ticket(h, victim) <= strata[c].highest_ticket
    )
    n = nonce(SECRET, TASK, victim)
    commitments = [
        {"target": c["target"], "commitment": commitment(n, wrong)} if c["target"] == victim else c
        for c in drawn["commitments"]
    ]
    problems, _ = check_openings(
        SEED,
        TASK,
        ("credit_class",),
        commitments,
        drawn["strata"],
        drawn["visits"],
        parsed([{"target": victim, "class": wrong, "nonce": n.hex()}]),
    )
    assert problems == [
        f"opening {victim}: not selected, but its ticket is at most the highest selected ticket "
        "of its stratum"
    ]


def test_a_false_opening_does_not_match(drawn: dict[str, Any]) -> None:
    o = dict(drawn["openings"][0])
    o["class"] = "D" if o["class"] != "D" else "A"
    problems, _ = check_openings(
        SEED,
        TASK,
        ("credit_class",),
        drawn["commitments"],
        drawn["strata"],
        drawn["visits"],
        parsed([o]),
    )
    assert problems == [f"opening {o['target']}: does not match its commitment"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "o.json: not a JSON openings file"),
        (b"{}", 'o.json: format: not an openings file (expected "format": "gongkai-openings/1")'),
        (
            json.dumps(
                {"format": "gongkai-openings/1", "task": "T", "openings": [{"target": "x"}]}
            ).encode(),
            "o.json: openings[0]: expected {target, class, nonce} with a hex nonce",
        ),
    ],
)
def test_bad_openings_files(raw: bytes, message: str) -> None:
    with pytest.raises(OpeningError) as info:
        parse_openings(raw, "o.json")
    assert str(info.value).startswith(message)


def test_secrets_must_be_32_bytes() -> None:
    assert read_secret("00" * 32 + "\n", "s") == bytes(32)
    with pytest.raises(GongkaiError, match="s: not a draw secret"):
        read_secret("00" * 31, "s")
    with pytest.raises(GongkaiError, match="s: not a draw secret"):
        read_secret("zz" * 32, "s")
