"""The draw's pure core (generator.draw), against its specification (the module docstring).

Tasks, registries and inspectors are built by hand. Inspector walks are checked against a
small model written from the docstring's words, ranked by Rivest's reference package
(``consistent-sampler`` 1.0.10), so neither the model nor the checks share code with
generator.draw or generator.sampler. The last section re-derives every demo draw's
targets with the reference package alone, from the registry CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import consistent_sampler  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content import load_record_file
from generator.draw import (
    ALGORITHM,
    RESERVES,
    DrawError,
    History,
    Outcome,
    Person,
    StratumSpec,
    TaskSpec,
    assign_dispersed,
    assign_grouped,
    build_pool,
    draw_targets,
    draw_teams,
    k_for,
    make_seed,
    run_draw,
)
from tests.conftest import CONTENT

SEED = make_seed("T-1", "ab" * 32, "drand-quicknet:1000:" + "cd" * 32)

BASE = TaskSpec(
    task_id="T-1",
    year=2023,
    lead="L",
    participants=(),
    items=("ITEM-1", "ITEM-2"),
    expertise=(),
    filter={},
    strata_by=("credit_class",),
    strata=(StratumSpec({"credit_class": "A"}, "1", None),),
    draws_targets=True,
    draws_inspectors=False,
    matching="分散",
    team_size=2,
    workload_cap=None,
    ratio_justified=False,
    assigned_inspectors=("I1", "I2"),
)


def task(**changes: Any) -> TaskSpec:
    return dataclasses.replace(BASE, **changes)


def row(credit: str = "A", status: str = "存续", industry: str = "餐饮服务") -> dict[str, str]:
    return {"credit_class": credit, "status": status, "industry": industry}


def registry(**counts: int) -> dict[str, dict[str, str]]:
    """``registry(A=3, B=2)``: rows T-A-0000 … of those credit classes, all active."""
    return {f"T-{credit}-{i:04d}": row(credit) for credit, n in counts.items() for i in range(n)}


PEOPLE = {
    "I1": Person("I1", "L", frozenset()),
    "I2": Person("I2", "L", frozenset()),
}


def ref_order(ids: Sequence[str], seed: str) -> list[str]:
    """The reference package's full order of ``ids``."""
    return [str(i) for i in consistent_sampler.sampler(sorted(ids), seed=seed, output="id")]


def ref_sample(ids: Sequence[str], seed: str, take: int) -> list[tuple[str, str]]:
    return [
        (t, i)
        for t, i, _ in consistent_sampler.sampler(
            sorted(ids), seed=seed, take=take, output="tuple", digits=100
        )
    ]


def test_seed_format() -> None:
    assert make_seed("SJX-2023-001", "ab" * 32, "drand-quicknet:1000:ff") == (
        "gongkai-draw/1|SJX-2023-001|" + "ab" * 32 + "|drand-quicknet:1000:ff"
    )
    assert ALGORITHM == "rivest-consistent-sampler-1.0.10"
    assert RESERVES == 2


# --- 3. Strata sizes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "n", "k"),
    [
        ("0.03", 101, 4),
        ("0.03", 100, 3),
        ("0.03", 1, 1),
        ("0.07", 100, 7),  # float: math.ceil(0.07 * 100) == 8
        ("0.1", 30, 3),
        ("0.15", 20, 3),
        ("0.05", 4659, 233),
        ("1", 5, 5),
        ("0", 7, 0),
        ("0.001", 999, 1),
    ],
)
def test_k_is_ceil_ratio_times_n_exactly(ratio: str, n: int, k: int) -> None:
    assert k_for(StratumSpec({}, ratio, None), n) == k
    assert k == math.ceil(Decimal(ratio) * n)


def test_why_exact_decimals() -> None:
    assert math.ceil(0.07 * 100) == 8  # what a float would draw
    assert k_for(StratumSpec({}, "0.07", None), 100) == 7


@pytest.mark.parametrize("n", [0, 5, 1000])
def test_a_count_stratum_takes_its_count(n: int) -> None:
    assert k_for(StratumSpec({}, None, 5), n) == 5


def test_strata_sizes_and_selections() -> None:
    t = task(
        strata=(
            StratumSpec({"credit_class": "A"}, "0.03", None),
            StratumSpec({"credit_class": "B"}, None, 2),
            StratumSpec({"credit_class": "C"}, "0.5", None),
        )
    )
    rows = registry(A=101, B=50, C=10)
    out = run_draw(t, SEED, rows, PEOPLE, History())
    assert out.in_scope == 161
    assert out.exclusions == []
    assert [(s["population"], s["take"]) for s in out.strata] == [(101, 4), (50, 2), (10, 5)]
    assert [s.get("ratio") for s in out.strata] == ["0.03", None, "0.5"]
    assert [s.get("count") for s in out.strata] == [None, 2, None]
    assert [s["match"] for s in out.strata] == [
        {"credit_class": "A"},
        {"credit_class": "B"},
        {"credit_class": "C"},
    ]
    for s, credit in zip(out.strata, "ABC", strict=True):
        ids = [t for t, r in rows.items() if r["credit_class"] == credit]
        got = [(x["ticket"], x["target"]) for x in s["selected"]]
        want = ref_sample(ids, SEED, s["take"])
        assert [i for _, i in got] == [i for _, i in want]
        assert all(full.startswith(t) for (full, _), (t, _) in zip(got, want, strict=True))
    # Visits: every selected target once, in ascending (ticket, target) order.
    selected = [(x["ticket"], x["target"]) for s in out.strata for x in s["selected"]]
    assert [(v["ticket"], v["target"]) for v in out.visits] == sorted(selected)
    assert len(out.visits) == 11


def test_progress_covers_the_whole_pool_and_changes_nothing() -> None:
    t = task(
        strata=(
            StratumSpec({"credit_class": "A"}, "0.03", None),
            StratumSpec({"credit_class": "B"}, None, 0),
            StratumSpec({"credit_class": "C"}, "0.5", None),
        )
    )
    rows = registry(A=3000, B=50, C=1000)
    seen: list[tuple[int, int]] = []
    out = run_draw(t, SEED, rows, PEOPLE, History(), lambda d, n: seen.append((d, n)))
    assert {n for _, n in seen} == {4050}
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[-1] == 4050
    assert out == run_draw(t, SEED, rows, PEOPLE, History())


# --- The 3% minimum, k > N, empty pool and strata ----------------------------------------


def test_the_3_percent_overall_minimum() -> None:
    t = task(strata=(StratumSpec({"credit_class": "A"}, "0.02", None),))
    rows = registry(A=200)
    with pytest.raises(DrawError) as err:
        run_draw(t, SEED, rows, PEOPLE, History())
    assert str(err.value) == (
        "task T-1: the strata draw 4 of 200, below the 3% minimum "
        "(got 4, expected at least 6, or a ratio_justification in the signed plan)"
    )
    out = run_draw(dataclasses.replace(t, ratio_justified=True), SEED, rows, PEOPLE, History())
    assert len(out.visits) == 4


def test_the_3_percent_minimum_counts_all_strata_together() -> None:
    rows = registry(A=100, B=100)  # minimum: 6 of 200
    ok = task(
        strata=(
            StratumSpec({"credit_class": "A"}, None, 3),
            StratumSpec({"credit_class": "B"}, None, 3),
        )
    )
    assert len(run_draw(ok, SEED, rows, PEOPLE, History()).visits) == 6
    short = task(
        strata=(
            StratumSpec({"credit_class": "A"}, None, 3),
            StratumSpec({"credit_class": "B"}, None, 2),
        )
    )
    with pytest.raises(DrawError, match=r"below the 3% minimum \(got 5, expected at least 6,"):
        run_draw(short, SEED, rows, PEOPLE, History())


def test_k_above_n_is_refused() -> None:
    t = task(strata=(StratumSpec({"credit_class": "A"}, None, 5),), ratio_justified=True)
    with pytest.raises(DrawError) as err:
        run_draw(t, SEED, registry(A=3), PEOPLE, History())
    assert str(err.value) == (
        "task T-1: stratum credit_class=A draws more than it holds (got k=5, expected at most N=3)"
    )


def test_k_equal_to_n_is_fine() -> None:
    t = task(strata=(StratumSpec({"credit_class": "A"}, None, 3),))
    assert len(run_draw(t, SEED, registry(A=3), PEOPLE, History()).visits) == 3


def test_an_empty_pool_is_refused() -> None:
    rows = {f"T{i}": row(status="注销") for i in range(5)}
    with pytest.raises(DrawError) as err:
        run_draw(task(), SEED, rows, PEOPLE, History())
    assert str(err.value) == ("task T-1: the pool is empty (no registry row in scope is drawable)")
    # Nothing in scope at all (a filter that matches no row) is the same refusal.
    t = task(filter={"industry": ("住宿",)})
    with pytest.raises(DrawError, match="the pool is empty"):
        run_draw(t, SEED, registry(A=10), PEOPLE, History())


@pytest.mark.parametrize(
    ("stratum", "word"),
    [
        (StratumSpec({"credit_class": "D"}, "0.05", None), "ratio"),
        (StratumSpec({"credit_class": "D"}, None, 1), "count"),
    ],
)
def test_an_empty_stratum_with_a_positive_ratio_or_count_is_refused(
    stratum: StratumSpec, word: str
) -> None:
    t = task(strata=(StratumSpec({"credit_class": "A"}, "0.5", None), stratum))
    with pytest.raises(DrawError) as err:
        run_draw(t, SEED, registry(A=10), PEOPLE, History())
    assert str(err.value) == (
        f"task T-1: stratum credit_class=D is empty but has a positive {word} "
        "(got N=0, expected at least one row)"
    )


@pytest.mark.parametrize(
    "stratum",
    [StratumSpec({"credit_class": "D"}, "0", None), StratumSpec({"credit_class": "D"}, None, 0)],
)
def test_an_empty_stratum_drawing_nothing_is_fine(stratum: StratumSpec) -> None:
    t = task(strata=(StratumSpec({"credit_class": "A"}, "0.5", None), stratum))
    out = run_draw(t, SEED, registry(A=10), PEOPLE, History())
    assert [(s["population"], s["take"], s["selected"]) for s in out.strata] == [
        (10, 5, out.strata[0]["selected"]),
        (0, 0, []),
    ]


# --- 2. Exclusions ------------------------------------------------------------------------


def test_each_exclusion_is_listed_with_its_first_reason() -> None:
    rows = registry(A=20)
    rows |= {
        "X01": row(status="注销"),
        "X02": row(),
        "X03": row(),
        "X04": row(),
        "X05": row(),
        "X06": row(),
        "X07": row(),
        "X08": row(),
        "X09": row(credit="E"),
        "X10": row(status="吊销"),
        "X11": row(industry="住宿"),
        "X12": row(status="停业", industry="住宿"),
    }
    history = History(
        drawn_this_year={"X02": 2, "X03": 1, "X10": 2, "X12": 5},
        clean_years={
            "X04": frozenset({2020, 2021, 2022}),
            "X05": frozenset({2021, 2022}),
            "X06": frozenset({2019, 2020, 2021}),
            "X10": frozenset({2020, 2021, 2022}),
        },
        other_agency_items={"X07": frozenset({"ITEM-1", "ITEM-9"}), "X08": frozenset({"ITEM-9"})},
    )
    t = task(filter={"industry": ("餐饮服务",)})
    in_scope, exclusions, members = build_pool(t, rows, history)
    assert in_scope == 20 + 10  # X11 and X12 are out of scope: neither counted nor listed
    assert exclusions == [
        {"target": "X01", "reason": "inactive", "detail": "登记状态为注销"},
        {"target": "X02", "reason": "twice-this-year", "detail": "2023年已被抽中2次"},
        {"target": "X04", "reason": "exempt", "detail": "连续3年检查结果良好，免于抽查"},
        {
            "target": "X07",
            "reason": "same-item-other-agency",
            "detail": "同一事项已由其他部门检查：ITEM-1",
        },
        {"target": "X09", "reason": "no-stratum", "detail": "不属于任何分层"},
        {"target": "X10", "reason": "inactive", "detail": "登记状态为吊销"},
    ]
    assert members == [sorted([*registry(A=20), "X03", "X05", "X06", "X08"])]
    out = run_draw(t, SEED, rows, PEOPLE, history)  # ratio 1: the whole pool
    assert sorted(v["target"] for v in out.visits) == members[0]
    assert out.exclusions == exclusions


def test_exclusion_order_of_reasons() -> None:
    """inactive, then twice-this-year, then exempt, then same-item, then no-stratum."""
    t = task(items=("ITEM-1",), strata=(StratumSpec({"credit_class": "A"}, "1", None),))
    everything = History(
        drawn_this_year={"X": 2},
        clean_years={"X": frozenset({2020, 2021, 2022})},
        other_agency_items={"X": frozenset({"ITEM-1"})},
    )
    expected = ["inactive", "twice-this-year", "exempt", "same-item-other-agency", "no-stratum"]
    cases = [
        (row(credit="E", status="撤销"), everything),
        (row(credit="E"), everything),
        (row(credit="E"), dataclasses.replace(everything, drawn_this_year={})),
        (
            row(credit="E"),
            dataclasses.replace(everything, drawn_this_year={}, clean_years={}),
        ),
        (row(credit="E"), History()),
    ]
    for (r, history), reason in zip(cases, expected, strict=True):
        _, exclusions, _ = build_pool(t, {"X": r} | registry(A=1), history)
        assert [e["reason"] for e in exclusions] == [reason]


def test_twice_this_year_counts_the_earlier_draws() -> None:
    t = task()
    _, ex, _ = build_pool(t, {"X": row()}, History(drawn_this_year={"X": 3}))
    assert ex == [{"target": "X", "reason": "twice-this-year", "detail": "2023年已被抽中3次"}]


# --- 5. Inspectors (分散) ----------------------------------------------------------------

UNITS = ("L", "L", "P1", "P2", "X")  # X is not a department of the task
SKILLS = ("e1", "e2", "e3")
TARGETS = ("T1", "T2", "T3", "T4", "T5")


@st.composite
def inspector_cases(
    draw: st.DrawFn,
) -> tuple[TaskSpec, dict[str, Person], list[dict[str, str]]]:
    participants = tuple(draw(st.lists(st.sampled_from(("P1", "P2")), unique=True, max_size=2)))
    expertise = tuple(sorted(draw(st.sets(st.sampled_from(SKILLS), max_size=2))))
    n = draw(st.one_of(st.integers(0, 4), st.integers(8, 20), st.integers(8, 20)))
    people: dict[str, Person] = {}
    for i in range(n):
        pid = f"INS-{i:04d}"
        people[pid] = Person(
            pid,
            draw(st.sampled_from(UNITS)),
            frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=3))),
            frozenset(draw(st.sets(st.sampled_from(TARGETS), max_size=1))),
            draw(st.sampled_from((True, True, True, False))),
        )
    targets = draw(st.lists(st.sampled_from(TARGETS), unique=True, min_size=1, max_size=5))
    t = task(
        participants=participants,
        expertise=expertise,
        draws_inspectors=True,
        team_size=draw(st.sampled_from((2, 2, 3, 4))),
        workload_cap=draw(st.none() | st.integers(1, 3)),
        assigned_inspectors=(),
    )
    return t, people, [{"target": x, "ticket": ""} for x in targets]


def spec_walk(
    t: TaskSpec,
    people: Mapping[str, Person],
    ranking: Sequence[str],
    usable: Callable[[str], bool],
) -> tuple[list[str], list[str]] | None:
    """Step 5's walk, from the docstring's words: (team, reserves), or None if it cannot end."""
    departments = {t.lead, *t.participants}
    size = max(t.team_size, len(departments))
    missing_d, missing_e = set(departments), set(t.expertise)
    team: list[str] = []
    reserves: list[str] = []
    stopped = False
    for pid in ranking:
        if not usable(pid):
            continue
        p = people[pid]
        if stopped:
            if len(reserves) < 2:
                reserves.append(pid)
            continue
        brings = p.unit in missing_d or bool(p.expertise & missing_e)
        if brings or size - len(team) > len(missing_d) + len(missing_e):
            team.append(pid)
            missing_d.discard(p.unit)
            missing_e -= p.expertise
        if len(team) >= size and not missing_d and not missing_e:
            stopped = True
    return (team, reserves) if stopped else None


def eligible(t: TaskSpec, people: Mapping[str, Person]) -> list[str]:
    units = {t.lead, *t.participants}
    return sorted(p.id for p in people.values() if p.active and p.unit in units)


def spec_dispersed(
    t: TaskSpec, seed: str, visits: Sequence[Mapping[str, str]], people: Mapping[str, Person]
) -> tuple[list[tuple[str, list[str], list[str]]], str | None]:
    """Model of assign_dispersed: [(target, team, reserves)] and the target it failed at."""
    load: Counter[str] = Counter()
    out: list[tuple[str, list[str], list[str]]] = []
    for v in visits:
        target = v["target"]
        ranking = ref_order(eligible(t, people), f"{seed}|inspectors|{target}")

        def usable(pid: str, target: str = target) -> bool:
            return target not in people[pid].conflicts and (
                t.workload_cap is None or load[pid] < t.workload_cap
            )

        walked = spec_walk(t, people, ranking, usable)
        if walked is None:
            return out, target
        team, reserves = walked
        load.update(team)
        out.append((target, team, reserves))
    return out, None


def check_team(t: TaskSpec, people: Mapping[str, Person], members: Sequence[str]) -> None:
    departments = {t.lead, *t.participants}
    assert len(members) == len(set(members))
    assert len(members) >= max(t.team_size, len(departments))
    assert {people[m].unit for m in members} >= departments
    assert set().union(*(people[m].expertise for m in members)) >= set(t.expertise)
    for m in members:
        assert people[m].active
        assert people[m].unit in departments


@settings(max_examples=150, deadline=None)
@given(case=inspector_cases(), seed=st.text(max_size=8))
def test_dispersed_teams_meet_every_constraint(
    case: tuple[TaskSpec, dict[str, Person], list[dict[str, str]]], seed: str
) -> None:
    t, people, visits = case
    model, failed_at = spec_dispersed(t, seed, visits, people)
    if failed_at is not None:
        with pytest.raises(DrawError) as err:
            assign_dispersed(t, seed, visits, people)
        assert str(err.value).startswith("task T-1: too few eligible inspectors for a team (got ")
        return
    out = assign_dispersed(t, seed, visits, people)
    assert [(a["target"], a["members"], a["reserves"]) for a in out] == model
    load: Counter[str] = Counter()
    for a in out:
        target = a["target"]
        check_team(t, people, a["members"])
        assert all(target not in people[m].conflicts for m in a["members"])
        if t.workload_cap is not None:
            assert all(load[m] < t.workload_cap for m in a["members"])
        # Reserves: not in the team, not conflicted, not at the cap, and the next usable
        # people of the ranking after the last member.
        ranking = ref_order(eligible(t, people), f"{seed}|inspectors|{target}")
        after = ranking[max(ranking.index(m) for m in a["members"]) + 1 :]
        usable = [
            p
            for p in after
            if target not in people[p].conflicts
            and (t.workload_cap is None or load[p] < t.workload_cap)
        ]
        assert a["reserves"] == usable[:RESERVES]
        assert not set(a["reserves"]) & set(a["members"])
        # Recusals: conflicted people met on the walk, with the reason 回避.
        for r in a["recusals"]:
            assert r["reason"] == "回避"
            assert target in people[r["inspector"]].conflicts
        last = max(ranking.index(m) for m in a["members"])
        met_before = {p for p in ranking[:last] if target in people[p].conflicts}
        assert met_before <= {r["inspector"] for r in a["recusals"]}
        load.update(a["members"])
    if t.workload_cap is not None:
        assert max(load.values()) <= t.workload_cap


def test_dispersed_example_with_departments_expertise_and_recusal() -> None:
    people = {
        "A": Person("A", "L", frozenset({"food"})),
        "B": Person("B", "L", frozenset()),
        "C": Person("C", "P1", frozenset({"health"})),
        "D": Person("D", "P1", frozenset(), conflicts=frozenset({"T1"})),
        "E": Person("E", "L", frozenset({"food", "health"}), active=False),
        "F": Person("F", "Z", frozenset({"food", "health"})),
    }
    t = task(
        participants=("P1",),
        expertise=("food", "health"),
        draws_inspectors=True,
        assigned_inspectors=(),
    )
    visits = [{"target": "T1", "ticket": ""}, {"target": "T2", "ticket": ""}]
    out = assign_dispersed(t, SEED, visits, people)
    for a in out:
        check_team(t, people, a["members"])
        assert "E" not in a["members"]
        assert "F" not in a["members"]
        assert "E" not in a["reserves"]
        assert "F" not in a["reserves"]
    assert "D" not in out[0]["members"]
    assert "D" not in out[0]["reserves"]
    model, failed = spec_dispersed(t, SEED, visits, people)
    assert failed is None
    assert [(a["target"], a["members"], a["reserves"]) for a in out] == model


def test_too_few_eligible_inspectors() -> None:
    t = task(participants=("P1",), draws_inspectors=True, assigned_inspectors=())
    visit = [{"target": "T1", "ticket": ""}]
    only_lead = {"A": Person("A", "L", frozenset()), "B": Person("B", "L", frozenset())}
    with pytest.raises(DrawError) as err:
        assign_dispersed(t, SEED, visit, only_lead)
    assert str(err.value) == (
        "task T-1: too few eligible inspectors for a team (got 1 of 2; still missing: P1)"
    )
    one = {"A": Person("A", "L", frozenset())}
    with pytest.raises(DrawError) as err:
        assign_dispersed(task(draws_inspectors=True), SEED, visit, one)
    assert str(err.value) == (
        "task T-1: too few eligible inspectors for a team (got 1 of 2; still missing: members)"
    )
    no_skill = {"A": Person("A", "L", frozenset()), "B": Person("B", "L", frozenset())}
    with pytest.raises(DrawError) as err:
        assign_dispersed(task(expertise=("food",)), SEED, visit, no_skill)
    assert str(err.value) == (
        "task T-1: too few eligible inspectors for a team (got 1 of 2; still missing: food)"
    )


def test_workload_cap_can_exhaust_the_inspectors() -> None:
    t = task(draws_inspectors=True, workload_cap=1)
    two = {"A": Person("A", "L", frozenset()), "B": Person("B", "L", frozenset())}
    visits = [{"target": "T1", "ticket": ""}, {"target": "T2", "ticket": ""}]
    with pytest.raises(DrawError) as err:
        assign_dispersed(t, SEED, visits, two)
    assert str(err.value) == (
        "task T-1: too few eligible inspectors for a team (got 0 of 2; still missing: L)"
    )


# --- 5'. Inspectors (分组) ----------------------------------------------------------------


def spec_teams(t: TaskSpec, seed: str, people: Mapping[str, Person]) -> list[list[str]]:
    remaining = ref_order(eligible(t, people), f"{seed}|teams")
    teams = []
    while remaining:
        walked = spec_walk(t, people, remaining, lambda _pid: True)
        if walked is None:
            break
        teams.append(walked[0])
        remaining = [p for p in remaining if p not in walked[0]]
    return teams


@settings(max_examples=100, deadline=None)
@given(case=inspector_cases(), seed=st.text(max_size=8))
def test_grouped_teams_are_built_and_matched(
    case: tuple[TaskSpec, dict[str, Person], list[dict[str, str]]], seed: str
) -> None:
    t, people, visits = case
    t = dataclasses.replace(t, matching="分组")
    model = spec_teams(t, seed, people)
    if not model:
        with pytest.raises(DrawError) as err:
            draw_teams(t, seed, people)
        assert str(err.value) == "task T-1: too few eligible inspectors to build one team"
        return
    teams = draw_teams(t, seed, people)
    assert [x["members"] for x in teams] == model
    assert [x["team"] for x in teams] == [f"G{i:02d}" for i in range(1, len(teams) + 1)]
    members = [m for x in teams for m in x["members"]]
    assert len(members) == len(set(members))  # nobody in two teams
    for x in teams:
        check_team(t, people, x["members"])
    by_id = {x["team"]: x["members"] for x in teams}
    # The matching, from the docstring: per target, the teams in ticket order; the first
    # with no member in conflict and under the cap is assigned, the next such is the reserve.
    load: Counter[str] = Counter()
    expected: list[tuple[str, str, list[str]]] = []
    stuck = None
    for v in visits:
        target = v["target"]
        ranking = ref_order(sorted(by_id), f"{seed}|teams|{target}")
        free = [
            tid
            for tid in ranking
            if not any(target in people[m].conflicts for m in by_id[tid])
            and (t.workload_cap is None or load[tid] < t.workload_cap)
        ]
        if not free:
            stuck = target
            break
        expected.append((target, free[0], free[1:2]))
        load[free[0]] += 1
    if stuck is not None:
        with pytest.raises(DrawError) as err:
            assign_grouped(t, seed, visits, people, teams)
        assert str(err.value) == (
            f"task T-1: no team is free to inspect {stuck} (conflicts or workload)"
        )
        return
    out = assign_grouped(t, seed, visits, people, teams)
    assert [(a["target"], a["team"], a["reserves"]) for a in out] == expected
    for a in out:
        assert a["members"] == by_id[a["team"]]
        assert all(a["target"] not in people[m].conflicts for m in a["members"])
        for r in a["recusals"]:
            assert r["reason"] == "回避"
            assert any(a["target"] in people[m].conflicts for m in by_id[r["inspector"]])
    if t.workload_cap is not None:
        assert max(Counter(a["team"] for a in out).values()) <= t.workload_cap


def test_grouped_example() -> None:
    people = {
        f"{u}{i}": Person(f"{u}{i}", u, frozenset({"food"} if i % 2 else set()))
        for u in ("L", "P")
        for i in range(4)
    }
    people["P0"] = Person("P0", "P", frozenset(), conflicts=frozenset({"T1"}))
    t = task(
        participants=("P",),
        expertise=("food",),
        draws_inspectors=True,
        matching="分组",
        assigned_inspectors=(),
        workload_cap=2,
    )
    visits = [{"target": f"T{i}", "ticket": ""} for i in range(1, 5)]
    out = run_draw(
        dataclasses.replace(t, draws_targets=False, assigned_targets=("T1", "T2", "T3", "T4")),
        SEED,
        {f"T{i}": row() for i in range(1, 5)},
        people,
        History(),
    )
    assert len(out.teams) >= 2
    for x in out.teams:
        check_team(t, people, x["members"])
    assert [a["target"] for a in out.assignments] == ["T1", "T2", "T3", "T4"]
    for a in out.assignments:
        assert a["members"] == next(x["members"] for x in out.teams if x["team"] == a["team"])
        assert len(a["reserves"]) <= 1
        assert a["team"] not in a["reserves"]
    assert "P0" not in out.assignments[0]["members"]
    assert max(Counter(a["team"] for a in out.assignments).values()) <= 2
    assert visits == out.visits


def test_grouped_without_a_free_team() -> None:
    people = {
        "A": Person("A", "L", frozenset(), conflicts=frozenset({"T1"})),
        "B": Person("B", "L", frozenset()),
    }
    t = task(draws_inspectors=True, matching="分组")
    teams = draw_teams(t, SEED, people)
    assert len(teams) == 1
    with pytest.raises(DrawError) as err:
        assign_grouped(t, SEED, [{"target": "T1", "ticket": ""}], people, teams)
    assert str(err.value) == ("task T-1: no team is free to inspect T1 (conflicts or workload)")


# --- 6. Single random ---------------------------------------------------------------------


def test_targets_assigned_in_the_given_order_without_tickets() -> None:
    people = {f"I{i}": Person(f"I{i}", "L", frozenset()) for i in range(5)}
    t = task(
        draws_targets=False,
        draws_inspectors=True,
        assigned_targets=("T3", "T1", "T2"),
        assigned_inspectors=(),
    )
    rows = {f"T{i}": row() for i in range(1, 4)}
    out = run_draw(t, SEED, rows, people, History())
    assert out.visits == [
        {"target": "T3", "ticket": ""},
        {"target": "T1", "ticket": ""},
        {"target": "T2", "ticket": ""},
    ]
    assert out.strata == []
    assert out.exclusions == []
    assert out.in_scope == 3
    assert [a["target"] for a in out.assignments] == ["T3", "T1", "T2"]
    model, failed = spec_dispersed(t, SEED, out.visits, people)
    assert failed is None
    assert [(a["target"], a["members"], a["reserves"]) for a in out.assignments] == model
    with pytest.raises(DrawError) as err:
        run_draw(
            dataclasses.replace(t, assigned_targets=("T1", "T9")), SEED, rows, people, History()
        )
    assert str(err.value) == "task T-1: assigned targets not in the registry (got T9)"


def test_inspectors_assigned_to_every_target() -> None:
    people = {f"I{i}": Person(f"I{i}", "L", frozenset()) for i in range(1, 4)}
    t = task(draws_inspectors=False, assigned_inspectors=("I2", "I1"))
    out = run_draw(t, SEED, registry(A=5), people, History())
    assert len(out.visits) == 5
    assert all(v["ticket"] for v in out.visits)
    assert out.teams == []
    assert out.assignments == [
        {"target": v["target"], "members": ["I2", "I1"], "reserves": [], "recusals": []}
        for v in out.visits
    ]


@pytest.mark.parametrize(
    ("named", "got"), [(("I1",), "I1"), ((), "none"), (("I1", "I9"), "I1, I9")]
)
def test_assigned_inspectors_must_be_two_registered(named: tuple[str, ...], got: str) -> None:
    people = {f"I{i}": Person(f"I{i}", "L", frozenset()) for i in range(1, 4)}
    t = task(draws_inspectors=False, assigned_inspectors=named)
    with pytest.raises(DrawError) as err:
        run_draw(t, SEED, registry(A=5), people, History())
    assert str(err.value) == (
        "task T-1: a task that does not draw inspectors names at least two registered "
        f"inspectors (got {got})"
    )


# --- Determinism --------------------------------------------------------------------------


def big_case() -> tuple[TaskSpec, dict[str, dict[str, str]], dict[str, Person], History]:
    rng = random.Random(7)
    rows = {
        f"T{i:05d}": row(credit=rng.choice("ABCD"), status=rng.choice(["存续"] * 9 + ["注销"]))
        for i in range(600)
    }
    people = {
        f"INS-{i:04d}": Person(
            f"INS-{i:04d}",
            rng.choice(["L", "P1"]),
            frozenset(rng.sample(["e1", "e2", "e3"], rng.randint(0, 2))),
            frozenset(rng.sample(sorted(rows), 3)),
            rng.random() > 0.1,
        )
        for i in range(30)
    }
    t = task(
        participants=("P1",),
        expertise=("e1", "e2"),
        strata=tuple(StratumSpec({"credit_class": c}, "0.05", None) for c in "ABCD"),
        draws_inspectors=True,
        assigned_inspectors=(),
        workload_cap=5,
    )
    history = History(
        drawn_this_year={"T00001": 2}, clean_years={"T00002": frozenset({2020, 2021, 2022})}
    )
    return t, rows, people, history


def shuffled(d: Mapping[str, Any], seed: int) -> dict[str, Any]:
    keys = list(d)
    random.Random(seed).shuffle(keys)
    return {k: d[k] for k in keys}


@pytest.mark.parametrize("matching", ["分散", "分组"])
def test_same_inputs_same_outcome_and_row_order_is_irrelevant(matching: str) -> None:
    t, rows, people, history = big_case()
    t = dataclasses.replace(t, matching=matching)
    first = run_draw(t, SEED, rows, people, history)
    assert isinstance(first, Outcome)
    assert len(first.visits) >= 28
    assert first.assignments
    assert run_draw(t, SEED, rows, people, history) == first
    for s in (1, 2, 3):
        assert run_draw(t, SEED, shuffled(rows, s), shuffled(people, s), history) == first
    other = run_draw(t, SEED + "x", rows, people, history)
    assert other.visits != first.visits  # the seed matters


def test_draw_targets_refuses_directly_too() -> None:
    with pytest.raises(DrawError, match="the pool is empty"):
        draw_targets(task(), SEED, [[]])


# --- Rivest's reference package reproduces every demo draw --------------------------------


@functools.cache
def demo_draws() -> list[dict[str, Any]]:
    out = []
    for path in sorted((CONTENT / "draws").glob("*/*/v*.yaml")):
        loaded, problems = load_record_file(path)
        assert loaded is not None
        assert not problems
        out.append(loaded.signed)
    return out


@functools.cache
def demo_plan_tasks() -> dict[str, dict[str, Any]]:
    loaded, problems = load_record_file(CONTENT / "plans" / "2023" / "SJX-2023" / "v1.yaml")
    assert loaded is not None
    assert not problems
    return {t["id"]: t for t in loaded.signed["tasks"]}


@functools.cache
def demo_rows() -> list[dict[str, str]]:
    path = CONTENT / "registries" / "targets" / "sjx-targets" / "v1.csv"
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_there_are_six_demo_draws() -> None:
    assert [d["id"] for d in demo_draws()] == [f"SJX-2023-00{i}-D1" for i in range(1, 7)]


@pytest.mark.parametrize("index", range(6))
def test_rivest_reproduces_the_demo_draw(index: int) -> None:
    record = demo_draws()[index]
    t = demo_plan_tasks()[record["task"]]
    excluded = {e["target"] for e in record["exclusions"]}
    in_scope = [
        r
        for r in demo_rows()
        if all(r[col] in values for col, values in t["scope"]["filter"].items())
    ]
    assert record["in_scope"] == len(in_scope)
    pool = [r for r in in_scope if r["uscc"] not in excluded]
    assert len(record["strata"]) == len(t["strata"]["groups"])
    for stratum, group in zip(record["strata"], t["strata"]["groups"], strict=True):
        assert stratum["match"] == group["match"]
        ids = [r["uscc"] for r in pool if all(r[c] == v for c, v in group["match"].items())]
        assert stratum["population"] == len(ids)
        if "ratio" in group:
            assert stratum["take"] == math.ceil(Decimal(group["ratio"]) * len(ids))
        else:
            assert stratum["take"] == group["count"]
        ref = ref_sample(ids, record["seed"], stratum["take"])
        got = [(x["ticket"], x["target"]) for x in stratum["selected"]]
        assert [i for _, i in got] == [i for _, i in ref]
        assert all(full.startswith(tk) for (full, _), (tk, _) in zip(got, ref, strict=True))
        assert all(len(full) >= 66 for full, _ in got)
    selected = sorted((x["ticket"], x["target"]) for s in record["strata"] for x in s["selected"])
    assert [(v["ticket"], v["target"]) for v in record["visits"]] == selected


def test_the_demo_strata_meet_the_3_percent_minimum() -> None:
    for record in demo_draws():
        pool = sum(s["population"] for s in record["strata"])
        assert sum(s["take"] for s in record["strata"]) >= math.ceil(Decimal("0.03") * pool)


def test_demo_exclusions_are_all_inactive_rows() -> None:
    rows = {r["uscc"]: r for r in demo_rows()}
    for record in demo_draws():
        for e in record["exclusions"]:
            status = rows[e["target"]]["status"]
            assert status != "存续"
            assert e == {
                "target": e["target"],
                "reason": "inactive",
                "detail": f"登记状态为{status}",
            }


# --- Properties of the whole target draw ---------------------------------------------------

CLASSES = "ABCD"


@st.composite
def draws(draw: st.DrawFn) -> tuple[TaskSpec, dict[str, dict[str, str]], str]:
    """A task with 1-4 strata (ratio or count) over a random registry, and a seed."""
    n = draw(st.integers(min_value=1, max_value=300))
    rows = {
        f"T-{i:05d}": row(
            draw(st.sampled_from(CLASSES)),
            draw(st.sampled_from(["存续"] * 9 + ["注销"])),
        )
        for i in range(n)
    }
    sizes = Counter(r["credit_class"] for r in rows.values() if r["status"] == "存续")
    specs = []
    for c in draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=4, unique=True)):
        if draw(st.booleans()):
            ratio = draw(st.sampled_from(["0.03", "0.05", "0.1", "0.333", "1"]))
            specs.append(StratumSpec({"credit_class": c}, ratio if sizes[c] else "0", None))
        else:
            specs.append(StratumSpec({"credit_class": c}, None, draw(st.integers(0, sizes[c]))))
    seed = draw(st.text(min_size=1, max_size=20))
    return task(strata=tuple(specs), ratio_justified=True), rows, seed


def _outcome_or_error(t: TaskSpec, rows: Mapping[str, Mapping[str, str]], seed: str) -> Any:
    try:
        return run_draw(t, seed, rows, PEOPLE, History())
    except DrawError as exc:
        return str(exc)


@given(draws(), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_draw_properties(case: tuple[TaskSpec, dict[str, dict[str, str]], str], rnd: Any) -> None:
    t, rows, seed = case
    out = _outcome_or_error(t, rows, seed)
    # The same inputs give the same draw, in any input order.
    assert _outcome_or_error(t, rows, seed) == out
    shuffled = list(rows.items())
    rnd.shuffle(shuffled)
    assert _outcome_or_error(t, dict(shuffled), seed) == out
    if isinstance(out, str):
        assert out.startswith("task T-1: the pool is empty")
        return
    selected: list[str] = []
    for spec, s in zip(t.strata, out.strata, strict=True):
        pool = sorted(
            i
            for i, r in rows.items()
            if r["status"] == "存续" and r["credit_class"] == spec.match["credit_class"]
        )
        # Strata sizes are exact: N is the stratum's pool, k = count or ceil(ratio × N).
        assert s["population"] == len(pool)
        assert s["take"] == len(s["selected"]) == k_for(spec, len(pool))
        # The selection is the pool's prefix in ticket order (a subset keeps its order).
        assert [x["target"] for x in s["selected"]] == ref_order(pool, seed)[: s["take"]]
        selected += [x["target"] for x in s["selected"]]
    # No duplicates; every selected target is visited once, in ascending ticket order.
    assert len(selected) == len(set(selected))
    assert sorted(v["target"] for v in out.visits) == sorted(selected)
    assert [v["ticket"] for v in out.visits] == sorted(v["ticket"] for v in out.visits)
