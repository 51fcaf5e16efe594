"""The ceremony and lottery randomness sources and the rfc3797 algorithm.

The core is checked against RFC 3797's own worked example (§6, the vector of
tests/test_rfc3797.py) through the draw path. End to end, a copy of the demo content gets a
plan whose task names a ceremony or a lottery (re-signed with the published TEST keys, as in
tests/test_draw_cli.py); the draw is made with ``gongkai draw``, signed, and re-run by
``gongkai verify-draw`` and ``gongkai verify``. Every refusal is checked for its message,
its exit code 1 and that nothing was written.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from generator.draw import (
    RFC3797,
    DrawError,
    History,
    Person,
    StratumSpec,
    draw_targets,
    make_seed,
    run_draw,
)
from generator.models import Draw, Plan
from generator.rfc3797 import select
from tests.conftest import tree_snapshot
from tests.test_draw import BASE
from tests.test_draw_cli import (
    DEPT,
    PLAN,
    ROUND_1000,
    error_of,
    remove_draws,
    rewrite,
    run,
    sign,
    signed_data,
    verdict,
)
from tests.test_rfc3797 import FIRST_DIGEST, KEY, POOL, POSITIONS

# --- The core: RFC 3797 through the draw path -----------------------------------------------

# Ids that sort in the RFC's published order, so that the pool numbered in id order is the
# RFC's pool of 25.
RFC_IDS = [f"{n:02d}-{name}" for n, name in enumerate(POOL, start=1)]
RFC_TASK = dataclasses.replace(
    BASE,
    strata_by=(),
    strata=(StratumSpec({}, None, len(POSITIONS)),),
    algorithm=RFC3797,
)
RFC_SEED = make_seed("T-1", "ab" * 32, "lottery:" + KEY)


def test_the_rfc_3797_worked_example_through_the_draw_path() -> None:
    rows = {i: {"credit_class": "A", "status": "存续"} for i in reversed(RFC_IDS)}
    people = {p: Person(p, "L", frozenset()) for p in ("I1", "I2")}
    outcome = run_draw(RFC_TASK, RFC_SEED, rows, people, History())
    assert outcome.algorithm == "rfc3797"
    assert [v["position"] for v in outcome.visits] == POSITIONS
    assert [v["target"] for v in outcome.visits] == [RFC_IDS[p - 1] for p in POSITIONS]
    assert outcome.visits[0]["digest"] == FIRST_DIGEST.lower()
    assert set(outcome.visits[0]) == {"target", "position", "digest"}
    # One stratum: its selection is the visiting order (selection order, not sorted).
    assert outcome.strata[0]["selected"] == outcome.visits
    assert outcome.strata[0]["take"] == len(POSITIONS)
    assert [a["target"] for a in outcome.assignments] == [v["target"] for v in outcome.visits]


def test_rfc3797_uses_the_key_string_and_not_the_rest_of_the_seed() -> None:
    other = make_seed("OTHER-TASK", "cd" * 32, "lottery:" + KEY)
    strata, visits = draw_targets(RFC_TASK, other, [RFC_IDS])
    assert [v["position"] for v in visits] == POSITIONS
    assert strata[0]["selected"] == visits


def test_rfc3797_inspectors_are_ranked_by_rivest_seeded_by_s() -> None:
    from generator.draw import assign_dispersed

    task = dataclasses.replace(RFC_TASK, draws_inspectors=True, assigned_inspectors=())
    rows = {i: {"credit_class": "A", "status": "存续"} for i in RFC_IDS}
    people = {f"I{n}": Person(f"I{n}", "L", frozenset()) for n in range(1, 9)}
    a = run_draw(task, RFC_SEED, rows, people, History())
    b = run_draw(task, make_seed("T-2", "ab" * 32, "lottery:" + KEY), rows, people, History())
    assert a.visits == b.visits  # the targets come from the key string alone
    assert a.assignments == assign_dispersed(task, RFC_SEED, a.visits, people)
    assert a.assignments != b.assignments  # the inspectors from S


@pytest.mark.parametrize(
    ("seed", "strata", "message"),
    [
        (
            make_seed("T-1", "ab" * 32, "ceremony:" + "1" * 20),
            RFC_TASK.strata,
            "任务 T-1：rfc3797 算法需要彩票号码 / task T-1: rfc3797 selects from lottery numbers",
        ),
        (
            RFC_SEED,
            RFC_TASK.strata * 2,
            "任务 T-1：rfc3797 算法只用于单一分层 / task T-1: rfc3797 draws one stratum "
            "(got 2 strata, expected 1)",
        ),
    ],
    ids=["not-a-lottery-seed", "two-strata"],
)
def test_the_core_refuses_rfc3797_without_a_lottery_or_with_strata(
    seed: str, strata: tuple[StratumSpec, ...], message: str
) -> None:
    task = dataclasses.replace(RFC_TASK, strata=strata)
    with pytest.raises(DrawError) as exc:
        draw_targets(task, seed, [RFC_IDS for _ in strata])
    assert str(exc.value).startswith(message)


# --- End to end on a copy of the demo ---------------------------------------------------------

CEREMONY_TASK = "SJX-2023-006"  # 住建局 with 人社局; draws targets only
LOTTERY_TASK = "SJX-2023-005"  # 文旅局; draws targets and inspectors (分散)
DIGITS = "31415926535897932384"
LOTTERY_KEY = "3.9.14.21.27.30./11./"
SCHEDULED = "2023-08-28T10:00:00+08:00"


@pytest.fixture
def content(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo content copy as the working directory's content/, without its draws (they
    committed to the plan digest that the tests change) and the results of the two tasks."""
    monkeypatch.chdir(content_copy.parent)
    remove_draws()
    for task in (CEREMONY_TASK, LOTTERY_TASK):  # results of the old draws
        for result in Path("content/results/2023").glob(f"{task}-R*"):
            shutil.rmtree(result)
    return content_copy


def index_of(task_id: str) -> int:
    return int(task_id[-3:]) - 1


def with_ceremony(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(plan: dict[str, Any]) -> None:
        plan["tasks"][index_of(CEREMONY_TASK)]["randomness"] = {
            "source": "ceremony",
            "scheduled_at": SCHEDULED,
            "place": "示例县政务服务中心摇号室（测试）",
            "witnesses_required": 2,
        } | changes

    return change


def with_lottery(
    algorithm: str | None = RFC3797, **changes: Any
) -> Callable[[dict[str, Any]], None]:
    def change(plan: dict[str, Any]) -> None:
        task = plan["tasks"][index_of(LOTTERY_TASK)]
        task["randomness"] = {
            "source": "lottery",
            "lottery": "中国福利彩票双色球第2023099期（测试）",
            "draw_date": "2023-08-27",
        } | changes
        if algorithm is not None:
            task["algorithm"] = algorithm
        if algorithm == RFC3797:
            task["strata"]["groups"] = [{"match": {}, "count": 12}]

    return change


def draw(task: str, *options: str, at: str = "2023-08-28T10:30:00+08:00") -> Result:
    return run("draw", task, *options, "--drawn-at", at)


def draw_path(task: str) -> Path:
    return Path(f"content/draws/2023/{task}-D1/v1.yaml")


def verify() -> Result:
    return run("verify", "--at", "2023-12-31")


def test_a_ceremony_draw_end_to_end(content: Path) -> None:
    rewrite(PLAN, with_ceremony(), DEPT)
    result = draw(CEREMONY_TASK, "--ceremony-digits", DIGITS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].endswith(f"|ceremony:{DIGITS}")
    assert lines[-1] == (
        f"下一步 / next: gongkai sign {draw_path(CEREMONY_TASK).as_posix()} --key DEPARTMENT_KEY "
        "--key WITNESS_KEY_1 --key WITNESS_KEY_2"
    )
    data = signed_data(draw_path(CEREMONY_TASK))
    assert data["beacon"] == {"source": "ceremony", "value": DIGITS, "witnesses_required": 2}
    assert data["algorithm"] == "rivest-consistent-sampler-1.0.10"
    assert data["seed"].endswith(f"|ceremony:{DIGITS}")
    assert all(len(v["ticket"]) > 60 for v in data["visits"])
    # One witness is not enough: the plan asks for two distinct witness keys.
    sign(draw_path(CEREMONY_TASK), "dept-zjj", "witness-notary")
    result = verify()
    assert result.exit_code == 1
    assert (
        f"{draw_path(CEREMONY_TASK).as_posix()}: needs 2 signature(s) by witness keys, got 1"
        in result.stdout
    )
    sign(draw_path(CEREMONY_TASK), "witness-media")
    result = verify()
    assert result.exit_code == 0, result.stdout
    assert f"{draw_path(CEREMONY_TASK).as_posix()} (re-run): re-run gives the identical draw" in (
        result.stdout
    )
    assert verdict(run("verify-draw")) == "结论 / verdict: 通过 PASS — 1 draw(s)"
    assert bundle_statuses(content, CEREMONY_TASK) == {
        "record.beacon": ["pass", "not checked"],
        "fail": [],
    }


def bundle_statuses(content: Path, task: str) -> dict[str, list[str]]:
    """The task's draw bundle, checked on its own: the beacon checks' statuses and any failure."""
    import json

    from generator.bundle import build_bundle, bundle_json, parse_bundle, verify_bundle
    from generator.content import load_content

    loaded = load_content(content, content.parent / "site_config")
    record = next(r for r in loaded.records if isinstance(r.record, Draw) and r.record.task == task)
    raw = bundle_json(json.loads(bundle_json(build_bundle(loaded, record))))
    checks, _ = verify_bundle(
        parse_bundle(raw, "b.json"), "b.json", None, "2023-12-31T00:00:00+08:00"
    )
    return {
        "record.beacon": [c.status for c in checks if c.subject == "b.json: record.beacon"],
        "fail": [f"{c.subject}: {c.reason}" for c in checks if c.status == "fail"],
    }


def test_a_ceremony_draw_stating_fewer_witnesses_than_the_plan_fails(content: Path) -> None:
    rewrite(PLAN, with_ceremony(), DEPT)
    assert draw(CEREMONY_TASK, "--ceremony-digits", DIGITS).exit_code == 0
    path = draw_path(CEREMONY_TASK)
    rewrite(path, lambda d: d["beacon"].update(witnesses_required=1), "dept-zjj", "witness-notary")
    assert (
        f"{path.as_posix()}:18:25: beacon.witnesses_required: does not match what task "
        "SJX-2023-006 committed to (got 1, expected 2)\n"
    ) in error_of(run("validate"))
    # gongkai verify checks signatures (one witness is enough for what the record states)
    # and re-runs the draw, which states the plan's number.
    result = verify()
    assert result.exit_code == 1
    assert (
        f"{path.as_posix()} (re-run): the re-run differs from the published record in: beacon"
    ) in result.stdout


def test_a_lottery_draw_with_rfc3797_end_to_end(content: Path) -> None:
    from generator.content import load_content
    from generator.drawing import compute

    rewrite(PLAN, with_lottery(), DEPT)
    result = draw(LOTTERY_TASK, "--lottery", LOTTERY_KEY)
    assert result.exit_code == 0, result.output
    path = draw_path(LOTTERY_TASK)
    data = signed_data(path)
    assert data["beacon"] == {"source": "lottery", "value": LOTTERY_KEY}
    assert data["algorithm"] == "rfc3797"
    assert data["seed"].endswith(f"|lottery:{LOTTERY_KEY}")
    # The targets are RFC 3797's selection from the pool in id order, visited in that order.
    loaded = load_content(content, content.parent / "site_config")
    beacon = {"source": "lottery", "value": LOTTERY_KEY}
    _, _, outcome, _ = compute(loaded, LOTTERY_TASK, beacon, data["drawn_at"])
    pool = outcome.members[0]
    assert pool == sorted(pool)
    expected: list[dict[str, Any]] = [
        {"target": s.item, "position": s.position, "digest": s.digest}
        for s in select(pool, LOTTERY_KEY, 12)
    ]
    assert data["visits"] == expected
    assert data["strata"][0]["selected"] == expected
    assert [a["target"] for a in data["assignments"]] == [v["target"] for v in expected]
    Draw.model_validate(data)
    sign(path, "dept-wlj", "witness-notary")
    assert verdict(run("verify-draw")) == "结论 / verdict: 通过 PASS — 1 draw(s)"
    result = verify()
    assert result.exit_code == 0, result.stdout
    # The explanation shows the digests where a Rivest draw shows tickets.
    explained = run("verify-draw", f"{LOTTERY_TASK}-D1", "--explain")
    assert f"first: {expected[0]['target']} {expected[0]['digest'][:14]}" in explained.stdout
    assert bundle_statuses(content, LOTTERY_TASK) == {
        "record.beacon": ["pass", "not checked"],
        "fail": [],
    }


def test_a_lottery_draw_with_the_rivest_sampler(content: Path) -> None:
    rewrite(PLAN, with_lottery(algorithm=None), DEPT)
    result = draw(LOTTERY_TASK, "--lottery", LOTTERY_KEY)
    assert result.exit_code == 0, result.output
    data = signed_data(draw_path(LOTTERY_TASK))
    assert data["algorithm"] == "rivest-consistent-sampler-1.0.10"
    assert data["seed"].endswith(f"|lottery:{LOTTERY_KEY}")
    tickets = [v["ticket"] for v in data["visits"]]
    assert tickets == sorted(tickets)
    sign(draw_path(LOTTERY_TASK), "dept-wlj", "witness-notary")
    assert verdict(run("verify-draw")) == "结论 / verdict: 通过 PASS — 1 draw(s)"


def test_a_tampered_rfc3797_digest_fails_the_rerun(content: Path) -> None:
    rewrite(PLAN, with_lottery(), DEPT)
    assert draw(LOTTERY_TASK, "--lottery", LOTTERY_KEY).exit_code == 0

    def tamper(d: dict[str, Any]) -> None:
        d["visits"][0]["digest"] = "0" * 32

    rewrite(draw_path(LOTTERY_TASK), tamper, "dept-wlj", "witness-notary")
    result = run("verify-draw")
    assert result.exit_code == 1
    assert "the re-run differs from the published record in: visits" in result.stdout


# --- Refusals ------------------------------------------------------------------------------


def refusal(
    content: Path,
    change: Callable[[dict[str, Any]], None],
    task: str,
    *options: str,
    at: str = "2023-08-28T10:30:00+08:00",
) -> str:
    """The plan changed by ``change``, the error of ``gongkai draw task options``, after
    checking that it exits with 1 and that nothing was written."""
    rewrite(PLAN, change, DEPT)
    before = tree_snapshot(content)
    message = error_of(draw(task, *options, at=at))
    assert tree_snapshot(content) == before
    return message


def validation_error(content: Path, change: Callable[[dict[str, Any]], None]) -> str:
    message = refusal(content, change, LOTTERY_TASK, "--lottery", LOTTERY_KEY)
    # gongkai validate reports the same problem (with its own last line).
    assert error_of(run("validate")).splitlines()[:-1] == message.splitlines()[:-1]
    return message


def test_an_unknown_task_algorithm_is_refused(content: Path) -> None:
    message = validation_error(content, with_lottery(algorithm="fisher-yates"))
    assert (
        "tasks[4].algorithm: value not allowed (got 'fisher-yates', expected one of: "
        "rivest-consistent-sampler-1.0.10, rfc3797)\n"
    ) in message
    assert message.endswith(
        "错误：1 个问题，未写入任何文件。 / 1 problem(s); nothing was written.\n"
    )


def test_rfc3797_without_a_lottery_source_is_refused(content: Path) -> None:
    def change(plan: dict[str, Any]) -> None:
        with_lottery()(plan)
        plan["tasks"][index_of(LOTTERY_TASK)]["randomness"] = {
            "source": "drand-quicknet",
            "round": 123,
        }

    message = validation_error(content, change)
    assert (
        "tasks[4].algorithm: rfc3797 算法只能用于彩票号码来源 / rfc3797 selects from lottery numbers "
        "(got randomness source drand-quicknet, expected lottery, or algorithm "
        "rivest-consistent-sampler-1.0.10)\n"
    ) in message


def test_rfc3797_with_two_strata_is_refused(content: Path) -> None:
    def change(plan: dict[str, Any]) -> None:
        with_lottery()(plan)
        task = plan["tasks"][index_of(LOTTERY_TASK)]
        task["strata"] = {
            "by": ["risk_level"],
            "groups": [
                {"match": {"risk_level": "低"}, "count": 5},
                {"match": {"risk_level": "高"}, "count": 5},
            ],
        }

    message = validation_error(content, change)
    assert (
        "algorithm: rfc3797 算法只用于单一分层 / rfc3797 draws one stratum (got 2 strata groups, "
        "expected 1, or algorithm rivest-consistent-sampler-1.0.10)\n"
    ) in message


@pytest.mark.parametrize(
    ("digits", "message"),
    [
        (
            "3141592653589793238",
            "现场摇号数字太少，随机性不足 / task SJX-2023-006: too few ceremony digits for enough "
            "randomness (got 19, expected at least 20, about 66 bits)",
        ),
        (
            "3141592653 5897932384",
            "现场摇号数字只能由 0–9 组成 / task SJX-2023-006: ceremony digits are the decimal "
            "digits 0-9 only, without spaces or signs (got '3141592653 5897932384')",
        ),
        (
            "３１４１５９２６５３５８９７９３２３８４",
            "现场摇号数字只能由 0–9 组成 / task SJX-2023-006: ceremony digits are the decimal "
            "digits 0-9 only, without spaces or signs (got '３１４１５９２６５３５８９７９３２３８４')",
        ),
        (
            "1" * 201,
            "现场摇号数字太多 / task SJX-2023-006: too many ceremony digits (got 201, expected at "
            "most 200)",
        ),
    ],
    ids=["too-short", "space", "full-width", "too-long"],
)
def test_bad_ceremony_digits_are_refused(content: Path, digits: str, message: str) -> None:
    assert refusal(content, with_ceremony(), CEREMONY_TASK, "--ceremony-digits", digits) == (
        f"错误 / error: 任务 SJX-2023-006：{message}\n"
    )


CEREMONY = ("--ceremony-digits", DIGITS)
LOTTERY = ("--lottery", LOTTERY_KEY)


@pytest.mark.parametrize(
    ("change", "task", "options", "at", "message"),
    [
        (
            with_ceremony(),
            CEREMONY_TASK,
            CEREMONY,
            "2023-08-28T01:59:59Z",
            "摇号时间早于计划的现场摇号时间 / task SJX-2023-006: drawn before the ceremony the "
            f"plan scheduled (got 2023-08-28T01:59:59Z, expected at or after {SCHEDULED})",
        ),
        (
            with_ceremony(scheduled_at="2023-01-16T23:00:00+08:00"),
            CEREMONY_TASK,
            CEREMONY,
            "2023-08-28T10:30:00+08:00",
            "现场摇号时间须晚于计划公布日 / task SJX-2023-006: the ceremony is not after the plan "
            "was published (scheduled 2023-01-16T23:00:00+08:00, plan published 2023-01-16; "
            "expected a later day)",
        ),
        (
            with_lottery(draw_date="2023-01-16"),
            LOTTERY_TASK,
            LOTTERY,
            "2023-08-28T10:30:00+08:00",
            "彩票开奖日期须晚于计划公布日 / task SJX-2023-005: the lottery draw is not after the "
            "plan was published (draw_date 2023-01-16, plan published 2023-01-16; expected a "
            "later day)",
        ),
        (
            with_lottery(draw_date="2023-01-15"),
            LOTTERY_TASK,
            LOTTERY,
            "2023-08-28T10:30:00+08:00",
            "彩票开奖日期须晚于计划公布日 / task SJX-2023-005: the lottery draw is not after the "
            "plan was published (draw_date 2023-01-15, plan published 2023-01-16; expected a "
            "later day)",
        ),
        (
            with_lottery(),
            LOTTERY_TASK,
            LOTTERY,
            "2023-08-26T15:59:59Z",
            "摇号时间早于彩票开奖日 / task SJX-2023-005: drawn before the lottery draw (got "
            "2023-08-26T15:59:59Z, expected on or after 2023-08-27, Beijing time)",
        ),
    ],
    ids=[
        "drawn-before-the-ceremony",
        "ceremony-on-the-publication-day",
        "lottery-on-the-publication-day",
        "lottery-before-the-publication-day",
        "drawn-before-the-lottery-date",
    ],
)
def test_randomness_at_the_wrong_time_is_refused(
    content: Path,
    change: Callable[[dict[str, Any]], None],
    task: str,
    options: tuple[str, ...],
    at: str,
    message: str,
) -> None:
    assert refusal(content, change, task, *options, at=at) == (
        f"错误 / error: 任务 {task}：{message}\n"
    )


def test_a_draw_at_the_scheduled_instant_is_made(content: Path) -> None:
    rewrite(PLAN, with_ceremony(), DEPT)
    # 10:00 Beijing time is 02:00 UTC: times are compared as instants.
    assert draw(CEREMONY_TASK, *CEREMONY, at="2023-08-28T02:00:00Z").exit_code == 0


KEY_FORM = (
    "expected each source's values in ascending order, each followed by '.', each source "
    "ended by '/', e.g. 9319./2.5.8.10.12./)"
)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "3 9 14 21 27 30 / 11",
            "彩票号码不是 RFC 3797 密钥串 / task SJX-2023-005: the lottery numbers are not an RFC "
            f"3797 key string (got '3 9 14 21 27 30 / 11', {KEY_FORM}; 是否应为 / did you mean "
            f"{LOTTERY_KEY}",
        ),
        (
            "3.9.14.21.27.30./11.",
            "彩票号码不是 RFC 3797 密钥串 / task SJX-2023-005: the lottery numbers are not an RFC "
            f"3797 key string (got '3.9.14.21.27.30./11.', {KEY_FORM}; 是否应为 / did you mean "
            f"{LOTTERY_KEY}",
        ),
        (
            "03.9.14.21.27.30./11./",
            "彩票号码不是 RFC 3797 密钥串 / task SJX-2023-005: the lottery numbers are not an RFC "
            f"3797 key string (got '03.9.14.21.27.30./11./', {KEY_FORM}; 是否应为 / did you mean "
            f"{LOTTERY_KEY}",
        ),
        (
            "红球03",
            "彩票号码不是 RFC 3797 密钥串 / task SJX-2023-005: the lottery numbers are not an RFC "
            f"3797 key string (got '红球03', {KEY_FORM}",
        ),
        (
            "30.27.21.14.9.3./11./",
            "密钥串中每组号码须从小到大排列 / task SJX-2023-005: in a key string each source's "
            f"values are in ascending order (got 30.27.21.14.9.3./11./, expected {LOTTERY_KEY})",
        ),
    ],
    ids=["numbers", "unterminated", "leading-zero", "text", "unsorted"],
)
def test_a_malformed_key_string_is_refused(content: Path, key: str, message: str) -> None:
    assert refusal(content, with_lottery(), LOTTERY_TASK, "--lottery", key) == (
        f"错误 / error: 任务 SJX-2023-005：{message}\n"
    )


@pytest.mark.parametrize(
    ("task", "options", "message"),
    [
        (
            CEREMONY_TASK,
            ("--beacon", str(ROUND_1000)),
            "任务 SJX-2023-006 的随机数来源是 ceremony，请只用 --ceremony-digits 给出现场读出的数字 / "
            "task SJX-2023-006 names randomness source ceremony: give the digits read out at the "
            "ceremony with --ceremony-digits only (got --beacon)",
        ),
        (
            LOTTERY_TASK,
            ("--ceremony-digits", DIGITS),
            "任务 SJX-2023-005 的随机数来源是 lottery，请只用 --lottery 给出彩票号码的 RFC 3797 密钥串 / "
            "task SJX-2023-005 names randomness source lottery: give the lottery numbers as an "
            "RFC 3797 key string with --lottery only (got --ceremony-digits)",
        ),
        (
            "SJX-2023-001",
            ("--lottery", LOTTERY_KEY),
            "任务 SJX-2023-001 的随机数来源是 drand-quicknet，请只用 --beacon 给出drand 轮次的 JSON 文件 / "
            "task SJX-2023-001 names randomness source drand-quicknet: give the drand round's "
            "JSON file with --beacon only (got --lottery)",
        ),
        (
            CEREMONY_TASK,
            ("--ceremony-digits", DIGITS, "--lottery", LOTTERY_KEY),
            "任务 SJX-2023-006 的随机数来源是 ceremony，请只用 --ceremony-digits 给出现场读出的数字 / "
            "task SJX-2023-006 names randomness source ceremony: give the digits read out at the "
            "ceremony with --ceremony-digits only (got --ceremony-digits, --lottery)",
        ),
        (
            LOTTERY_TASK,
            (),
            "任务 SJX-2023-005 的随机数来源是 lottery，请只用 --lottery 给出彩票号码的 RFC 3797 密钥串 / "
            "task SJX-2023-005 names randomness source lottery: give the lottery numbers as an "
            "RFC 3797 key string with --lottery only (got no beacon option)",
        ),
    ],
    ids=["beacon-for-ceremony", "digits-for-lottery", "lottery-for-drand", "two", "none"],
)
def test_the_wrong_source_option_is_refused(
    content: Path, task: str, options: tuple[str, ...], message: str
) -> None:
    def change(plan: dict[str, Any]) -> None:
        with_ceremony()(plan)
        with_lottery()(plan)

    assert refusal(content, change, task, *options) == f"错误 / error: {message}\n"


def test_the_core_refuses_a_beacon_of_another_source(content: Path) -> None:
    from generator.content import load_content
    from generator.drawing import compute

    rewrite(PLAN, with_ceremony(), DEPT)
    loaded = load_content(content, content.parent / "site_config")
    with pytest.raises(DrawError) as exc:
        compute(loaded, CEREMONY_TASK, {"source": "lottery", "value": LOTTERY_KEY}, SCHEDULED)
    assert str(exc.value) == (
        "任务 SJX-2023-006：随机数来源与计划不符 / task SJX-2023-006: wrong randomness source "
        "(got lottery, expected ceremony as the signed plan commits)"
    )


# --- The record's shape ------------------------------------------------------------------------


def test_the_draw_model_keeps_each_algorithm_to_its_fields(content: Path) -> None:
    rewrite(PLAN, with_lottery(), DEPT)
    assert draw(LOTTERY_TASK, "--lottery", LOTTERY_KEY).exit_code == 0
    data = signed_data(draw_path(LOTTERY_TASK))
    Draw.model_validate(data)

    def invalid(change: Callable[[dict[str, Any]], None]) -> str:
        copy = signed_data(draw_path(LOTTERY_TASK))
        change(copy)
        with pytest.raises(ValueError, match="validation error") as exc:
            Draw.model_validate(copy)
        return str(exc.value)

    def ticket(d: dict[str, Any]) -> None:
        d["visits"][0] = {"target": d["visits"][0]["target"], "ticket": "0." + "1" * 64}

    assert "visits[0]: an rfc3797 draw records a position and a digest, not a ticket" in invalid(
        ticket
    )
    assert "a rivest-consistent-sampler-1.0.10 draw records a ticket" in invalid(
        lambda d: d.update(algorithm="rivest-consistent-sampler-1.0.10")
    )
    assert "round: not part of a lottery beacon (expected value)" in invalid(
        lambda d: d["beacon"].update(round=1000)
    )
    assert "value: 不是 RFC 3797 密钥串 / not an RFC 3797 key string" in invalid(
        lambda d: d["beacon"].update(value="31415926535897932384")
    )
    assert "rfc3797 selects from lottery numbers (got a ceremony beacon)" in invalid(
        lambda d: d.update(beacon={"source": "ceremony", "value": DIGITS, "witnesses_required": 1})
    )
    assert "witnesses_required: missing from a ceremony beacon" in invalid(
        lambda d: d.update(beacon={"source": "ceremony", "value": DIGITS})
    )


def test_a_plan_may_name_the_default_algorithm_explicitly(content: Path) -> None:
    rewrite(PLAN, with_lottery(algorithm="rivest-consistent-sampler-1.0.10"), DEPT)
    from generator.content import load_record_file

    loaded, problems = load_record_file(PLAN)
    assert not problems
    assert loaded is not None
    assert isinstance(loaded.record, Plan)
    assert (
        loaded.record.tasks[index_of(LOTTERY_TASK)].algorithm == "rivest-consistent-sampler-1.0.10"
    )
    assert loaded.record.tasks[0].algorithm == "rivest-consistent-sampler-1.0.10"  # the default


def test_witness_requirements_are_raised_or_added() -> None:
    from generator.models import Requirement, with_witnesses

    dept = Requirement(signer="department", count=1)
    one = Requirement(signer="witness", count=1)
    three = Requirement(signer="witness", count=3)
    assert with_witnesses((dept, one), 0) == (dept, one)
    assert with_witnesses((dept, one), 2) == (dept, Requirement(signer="witness", count=2))
    assert with_witnesses((dept, three), 2) == (dept, three)  # the registry asks for more
    assert with_witnesses((dept,), 2) == (dept, Requirement(signer="witness", count=2))
