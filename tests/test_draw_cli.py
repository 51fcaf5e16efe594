"""``gongkai draw`` and ``gongkai verify-draw`` end to end, on copies of the demo content.

Every test works in a copy of content/ and site_config/ (tmp_path) as the working
directory. Records are edited as their owners would: the signed data changed and the
record re-signed with the published TEST keys (tests/fixtures/test-keys), so that only
the point under test is wrong. The beacon files are the recorded quicknet rounds in
tests/vectors/drand (what https://api.drand.sh returns for rounds 1000 and 123).
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from click.testing import CliRunner, Result

# generator.cli must be imported before generator.keys_cli (circular import otherwise).
import generator.cli
from generator import keys_cli
from generator.codes import uscc_check_char
from generator.content import load_content, load_record_file
from generator.demo import RECORDED_ROUNDS
from generator.draw import DrawError
from generator.drawing import compute
from generator.keyfile import read_key_file
from generator.signing import (
    decode_signature,
    encode_signature,
    sign_bytes,
    signing_input,
    verify_bytes,
)
from generator.yamlwrite import dump_yaml
from tests.conftest import FIXTURES, REPO, tree_snapshot

main = generator.cli.main
KEYS = FIXTURES / "test-keys"
DRAND = REPO / "tests" / "vectors" / "drand"
ROUND_1000 = DRAND / "quicknet-1000.json"
ROUND_123 = DRAND / "quicknet-123.json"
PLAN = Path("content/plans/2023/SJX-2023/v1.yaml")
REGISTRY = Path("content/registries/targets/sjx-targets/v1.yaml")
REGISTRY_CSV = Path("content/registries/targets/sjx-targets/v1.csv")
REGISTRY_SHA = "8f45722547db864dcb4afecc3cebf7c548140c25e0d4c2f67d37344f713ee8ec"
DRAW_001 = Path("content/draws/2023/SJX-2023-001-D1/v1.yaml")
DRAWN_AT_001 = "2023-08-28T09:00:00+08:00"
DEPT = "dept-scjgj"
WITNESS = "witness-notary"  # the witness who co-signed the demo draws


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One record cache for this module's tests: entries are keyed by the files' bytes
    only, so the unchanged demo records are parsed once instead of once per test."""
    return tmp_path_factory.mktemp("draw-cli-record-cache")


@pytest.fixture
def content(content_copy: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> Path:
    """The demo content copy, as ``content/`` of the working directory."""
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(shared_cache))
    monkeypatch.chdir(content_copy.parent)
    return content_copy


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def draw(task: str = "SJX-2023-001", beacon: Path = ROUND_1000, at: str = DRAWN_AT_001) -> Result:
    return run("draw", task, "--beacon", str(beacon), "--drawn-at", at)


_PARSED: dict[bytes, tuple[dict[str, Any], list[Any] | None]] = {}


def read_record(path: Path) -> tuple[dict[str, Any], list[Any] | None]:
    """(signed data, signatures) of a record file, parsed once per distinct file content."""
    key = hashlib.sha256(path.read_bytes()).digest()
    if key not in _PARSED:
        loaded, problems = load_record_file(path)
        assert not problems, problems
        assert loaded is not None
        _PARSED[key] = (loaded.signed, loaded.signatures)
    signed, signatures = _PARSED[key]
    return copy.deepcopy(signed), copy.deepcopy(signatures)


def signed_data(path: Path) -> dict[str, Any]:
    return read_record(path)[0]


def sign(path: Path, *keys: str) -> None:
    """Sign a record file as ``gongkai sign --key …`` does."""
    for key in keys:
        keys_cli.sign_path(path, read_key_file(KEYS / f"{key}.json"))


def rewrite(path: Path, change: Callable[[dict[str, Any]], None], *keys: str) -> None:
    """Change a record's signed data and write it as an envelope signed by ``keys``.

    The signatures are made here from the same primitives ``gongkai sign`` uses
    (sign_path re-reads a large draw record several times; the tests that go through
    ``gongkai sign`` itself use :func:`sign`)."""
    data = signed_data(path)
    change(data)
    message = signing_input(data)
    signatures = []
    for key in keys:
        k = read_key_file(KEYS / f"{key}.json")
        signatures.append({"keyid": k.keyid, "sig": encode_signature(sign_bytes(k.seed, message))})
    path.write_text(dump_yaml({"signed": data, "signatures": signatures}), encoding="utf-8")


def remove_draws(task: str | None = None) -> None:
    """Delete a task's draw (or every draw): a task with a live draw cannot be drawn
    again, and a changed plan no longer matches the digest its draws committed to."""
    for d in Path("content/draws/2023").glob(f"{task}-D*" if task else "*"):
        shutil.rmtree(d)


def error_of(result: Result) -> str:
    assert result.exit_code == 1, (result.output, result.exception)
    return result.stderr


def verdict(result: Result) -> str:
    return result.stdout.splitlines()[-1]


# --- verify-draw on the demo --------------------------------------------------------------

DEMO_COUNTS = [161, 109, 86, 154, 23, 15]


def test_verify_draw_passes_on_the_demo(content: Path) -> None:
    result = run("verify-draw")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"  {n}. [通过 pass] content/draws/2023/SJX-2023-00{n}-D1/v1.yaml: "
        f"re-run gives the identical draw ({count} targets, seed and tickets equal)"
        for n, count in enumerate(DEMO_COUNTS, start=1)
    ] + ["结论 / verdict: 通过 PASS — 6 draw(s)"]
    assert result.stderr == ""


def plan_digest() -> str:
    """P: SHA-256 of the RFC 8785 canonical JSON of the plan's signed data."""
    return hashlib.sha256(rfc8785.dumps(signed_data(PLAN))).hexdigest()


def test_verify_draw_explain_shows_the_seed(content: Path) -> None:
    result = run("verify-draw", "SJX-2023-002-D1", "--explain")
    assert result.exit_code == 0, result.output
    beacon = RECORDED_ROUNDS[1000]
    seed = f"gongkai-draw/1|SJX-2023-002|{plan_digest()}|drand-quicknet:1000:{beacon['randomness']}"
    lines = result.stdout.splitlines()
    assert lines[0].startswith("  1. [通过 pass] content/draws/2023/SJX-2023-002-D1/v1.yaml")
    assert lines[1] == f"       seed: {seed}"
    assert lines[2] == "       in scope: 605, excluded: 42"
    assert lines[3].startswith("       stratum risk_level=低: N=308 k=47; first: ")
    assert lines[-1] == "结论 / verdict: 通过 PASS — 1 draw(s)"
    assert signed_data(Path("content/draws/2023/SJX-2023-002-D1/v1.yaml"))["seed"] == seed


def test_verify_draw_json(content: Path) -> None:
    result = run("verify-draw", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verdict"] == "pass"
    assert [c["status"] for c in report["checks"]] == ["pass"] * 6
    assert [c["subject"] for c in report["checks"]] == [
        f"content/draws/2023/SJX-2023-00{n}-D1/v1.yaml" for n in range(1, 7)
    ]
    assert all(c["steps"][0].startswith("seed: gongkai-draw/1|") for c in report["checks"])


def test_verify_draw_unknown_id(content: Path) -> None:
    result = run("verify-draw", "SJX-2023-009-D1")
    assert error_of(result) == (
        "错误 / error: no such draw, file or directory: SJX-2023-009-D1 (expected a draw id "
        "such as SJX-2023-001-D1, a bundle.json, a directory or a URL)\n"
    )


# --- gongkai draw: one live draw per task -------------------------------------------------


def test_a_second_draw_is_refused_until_the_first_is_gone(content: Path) -> None:
    before = tree_snapshot(content)
    original = signed_data(DRAW_001)
    # 1. The task already has a draw: refused, naming it, and nothing written.
    assert error_of(draw()) == (
        "错误 / error: task SJX-2023-001 already has a draw (SJX-2023-001-D1); a new draw "
        "needs a signed void record for it first (content/voids/), with the reason\n"
    )
    assert tree_snapshot(content) == before
    # 2. Without the draw, the draw is made, and it is the published one.
    shutil.rmtree(DRAW_001.parent)
    result = draw()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "摇号完成 / drawn: SJX-2023-001 → content/draws/2023/SJX-2023-001-D1/v1.yaml"
    )
    assert result.stdout.splitlines()[1] == f"  种子 / seed: {original['seed']}"
    assert result.stdout.splitlines()[2] == (
        "  检查对象 / targets: 161 selected from a pool of 4659 (341 excluded)"
    )
    assert DRAW_001.read_text(encoding="utf-8").startswith("# 摇号记录草稿：SJX-2023-001。")
    assert signed_data(DRAW_001) == original
    sign(DRAW_001, DEPT)  # gongkai sign: the lead department signs the draft (then the witness)
    assert signed_data(DRAW_001) == original
    assert verdict(run("verify-draw", "SJX-2023-001-D1")) == "结论 / verdict: 通过 PASS — 1 draw(s)"


def test_a_void_allows_a_new_draw(content: Path) -> None:
    void = Path("content/voids/2023/SJX-2023-001-V1/v1.yaml")
    void.parent.mkdir(parents=True)
    void.write_text(
        dump_yaml(
            {
                "_type": "void/v1",
                "id": "SJX-2023-001-V1",
                "version": 1,
                "supersedes": None,
                "draw": "SJX-2023-001-D1@1",
                "department": "scjgj",
                "voided_on": "2023-08-28",
                "reason": "摇号现场见证人未能全程见证，依程序作废重摇（测试）。",
            }
        ),
        encoding="utf-8",
    )
    sign(void, DEPT, WITNESS)
    result = draw(at="2023-08-28T09:10:00+08:00")
    assert result.exit_code == 0, result.output
    new = Path("content/draws/2023/SJX-2023-001-D2/v1.yaml")
    assert result.stdout.splitlines()[0] == f"摇号完成 / drawn: SJX-2023-001 → {new.as_posix()}"
    d1, d2 = signed_data(DRAW_001), signed_data(new)
    assert d2["id"] == "SJX-2023-001-D2"
    assert d2["drawn_at"] == "2023-08-28T09:10:00+08:00"
    # The same committed beacon gives the same draw: a void cannot fish for another one.
    for key in ("seed", "strata", "visits", "assignments", "exclusions"):
        assert d2[key] == d1[key]
    rewrite(new, lambda _d: None, DEPT, WITNESS)
    assert verdict(run("verify-draw")) == "结论 / verdict: 通过 PASS — 7 draw(s)"


def test_an_unknown_task_is_refused(content: Path) -> None:
    before = tree_snapshot(content)
    assert error_of(draw(task="SJX-2023-099")) == (
        "错误 / error: no task 'SJX-2023-099' in any plan under content\n"
    )
    assert tree_snapshot(content) == before


# --- gongkai draw: the beacon -------------------------------------------------------------


def test_a_beacon_round_other_than_the_plans_is_refused(content: Path) -> None:
    remove_draws("SJX-2023-001")
    assert error_of(draw(beacon=ROUND_123)) == (
        "错误 / error: task SJX-2023-001: wrong beacon round (got 123, expected 1000 as the "
        "signed plan commits)\n"
    )
    assert not DRAW_001.exists()


def test_a_draw_before_its_round_existed_is_refused(content: Path) -> None:
    remove_draws("SJX-2023-001")
    assert error_of(draw(at="2023-08-23T20:00:00+08:00")) == (
        "错误 / error: task SJX-2023-001: drawn before its beacon round existed "
        "(got 2023-08-23T20:00:00+08:00, expected after 2023-08-23T23:59:24+08:00)\n"
    )


def test_a_malformed_drawn_at_is_a_usage_error(content: Path) -> None:
    remove_draws("SJX-2023-001")
    result = draw(at="2023-08-28")
    assert result.exit_code == 2
    assert "Invalid value for --drawn-at: not a time (got '2023-08-28'" in result.stderr


def test_a_beacon_round_before_the_plan_is_refused(content: Path) -> None:
    remove_draws()  # every draw committed to the old plan digest
    plan = signed_data(PLAN)
    plan["published_on"] = "2023-08-24"
    PLAN.write_text(dump_yaml(plan), encoding="utf-8")
    sign(PLAN, DEPT)  # gongkai sign's own code
    assert signed_data(PLAN)["published_on"] == "2023-08-24"
    assert run("validate").exit_code == 0
    assert error_of(draw()) == (
        "错误 / error: task SJX-2023-001: beacon round 1000 is not after the plan was "
        "published (round time 2023-08-23T23:59:24+08:00, plan published 2023-08-24)\n"
    )
    assert not DRAW_001.exists()


# --- gongkai draw: the registry ------------------------------------------------------------


def append_registry_row() -> str:
    """Add one valid row to the registry CSV, fix and re-sign its manifest; return the new SHA."""
    body = "91519031000000001"
    uscc = body + uscc_check_char(body)
    with REGISTRY_CSV.open("a", encoding="utf-8", newline="") as fh:
        fh.write(
            f"{uscc},示例县新增测试有限公司,有限责任公司,制造业,石桥镇,A,中,否,存续,"
            "示例县石桥镇文化街1号,张三,13800000000,2020-01-01\n"
        )
    sha = hashlib.sha256(REGISTRY_CSV.read_bytes()).hexdigest()
    rewrite(REGISTRY, lambda d: d.update(sha256=sha, rows=5001), DEPT)
    return sha


def test_a_registry_whose_sha256_differs_from_the_plans_is_refused(content: Path) -> None:
    remove_draws("SJX-2023-001")
    sha = append_registry_row()
    err = error_of(draw())
    assert (
        "content/plans/2023/SJX-2023/v1.yaml:27:26: tasks[0].scope.registry_sha256: does not "
        f"match the snapshot sjx-targets@1 (got {REGISTRY_SHA}, expected {sha})\n"
    ) in err
    assert not DRAW_001.exists()
    # The draw itself checks it too, for content that was never validated.
    loaded = load_content(content, content.parent / "site_config")
    with pytest.raises(DrawError) as exc:
        compute(loaded, "SJX-2023-001", RECORDED_ROUNDS[1000], DRAWN_AT_001)
    assert str(exc.value) == (
        "task SJX-2023-001: the registry's SHA-256 differs from the plan's "
        f"(got {sha}, expected {REGISTRY_SHA})"
    )


# --- gongkai draw: what the strata and inspectors allow ------------------------------------


def counts_of_one(task: dict[str, Any]) -> None:
    for group in task["strata"]["groups"]:
        del group["ratio"]
        group["count"] = 1


def count_too_big(task: dict[str, Any]) -> None:
    group = task["strata"]["groups"][0]
    del group["ratio"]
    group["count"] = 100_000


def huge_teams(task: dict[str, Any]) -> None:
    task["inspectors"]["team_size"] = 99


def only_deregistered(task: dict[str, Any]) -> None:
    task["kind"] = "定向"
    task["scope"]["filter"] = {"status": ["注销"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            counts_of_one,
            "the strata draw 4 of 4659, below the 3% minimum (got 4, expected at least 140, "
            "or a ratio_justification in the signed plan)",
        ),
        (
            count_too_big,
            "stratum credit_class=A draws more than it holds (got k=100000, expected at most N=1387)",
        ),
        (
            huge_teams,
            "too few eligible inspectors for a team (got 20 of 99; still missing: members)",
        ),
        (only_deregistered, "the pool is empty (no registry row in scope is drawable)"),
    ],
    ids=["below-3-percent", "k-above-n", "too-few-inspectors", "empty-pool"],
)
def test_a_draw_the_task_cannot_make_is_refused(
    content: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    remove_draws()  # the plan changes: every draw committed to the old digest
    rewrite(PLAN, lambda d: change(d["tasks"][0]), DEPT)
    assert run("validate").exit_code == 0
    assert error_of(draw()) == f"错误 / error: task SJX-2023-001: {message}\n"
    assert not DRAW_001.exists()


def test_a_justified_low_ratio_is_drawn(content: Path) -> None:
    remove_draws()

    def change(plan: dict[str, Any]) -> None:
        counts_of_one(plan["tasks"][0])
        plan["tasks"][0]["ratio_justification"] = "上级部门部署的专项抽查，按件数抽取（测试）。"

    rewrite(PLAN, change, DEPT)
    result = draw()
    assert result.exit_code == 0, result.output
    assert len(signed_data(DRAW_001)["visits"]) == 4


# --- verify-draw on tampered records -------------------------------------------------------


def tamper_target(d: dict[str, Any]) -> None:
    d["strata"][0]["selected"][0]["target"] = "915190318R3EDLW6M6"  # a real registry row


def swap_visits(d: dict[str, Any]) -> None:
    d["visits"][0], d["visits"][1] = d["visits"][1], d["visits"][0]


def swap_reserves(d: dict[str, Any]) -> None:
    d["assignments"][0]["reserves"].reverse()


def other_ticket(d: dict[str, Any]) -> None:
    t = d["visits"][0]["ticket"]
    d["visits"][0]["ticket"] = t[:-1] + ("1" if t[-1] != "1" else "2")


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (tamper_target, "strata"),
        (swap_visits, "visits"),
        (swap_reserves, "assignments"),
        (other_ticket, "visits"),
    ],
    ids=["target", "visit-order", "reserve-order", "ticket"],
)
def test_a_tampered_draw_record_fails_verification(
    content: Path, change: Callable[[dict[str, Any]], None], fields: str
) -> None:
    rewrite(DRAW_001, change, DEPT, WITNESS)
    # The signatures are fine: only the content is wrong.
    signed, signatures = read_record(DRAW_001)
    assert signatures is not None
    message = signing_input(signed)
    for key in (DEPT, WITNESS):
        k = read_key_file(KEYS / f"{key}.json")
        sig = next(s for s in signatures if s["keyid"] == k.keyid)
        assert verify_bytes(k.public, message, decode_signature(sig["sig"]))
    result = run("verify-draw", "SJX-2023-001-D1", "SJX-2023-005-D1")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "  1. [失败 FAIL] content/draws/2023/SJX-2023-001-D1/v1.yaml: "
        f"the re-run differs from the published record in: {fields}",
        "  2. [通过 pass] content/draws/2023/SJX-2023-005-D1/v1.yaml: "
        "re-run gives the identical draw (23 targets, seed and tickets equal)",
        "结论 / verdict: 未通过 FAIL — 2 draw(s)",
    ]
    report = json.loads(run("verify-draw", "SJX-2023-001-D1", "--json").stdout)
    assert report["verdict"] == "fail"
    assert report["checks"][0]["reason"] == (
        f"the re-run differs from the published record in: {fields}"
    )


def test_an_unknown_algorithm_is_refused_at_validation(content: Path) -> None:
    path = Path("content/draws/2023/SJX-2023-002-D1/v1.yaml")
    text = path.read_text(encoding="utf-8")
    assert "  algorithm: rivest-consistent-sampler-1.0.10\n" in text
    path.write_text(
        text.replace(
            "algorithm: rivest-consistent-sampler-1.0.10", "algorithm: fisher-yates-shuffle"
        ),
        encoding="utf-8",
    )
    for command in ("verify-draw", "validate"):
        result = run(command)
        assert result.exit_code == 1
        assert (
            "content/draws/2023/SJX-2023-002-D1/v1.yaml:23:14: signed.algorithm: value not allowed "
            "(got 'fisher-yates-shuffle', expected one of: rivest-consistent-sampler-1.0.10, rfc3797)\n"
        ) in result.stderr


# --- Results against the draw: reserves (递补) ----------------------------------------------

RESULT_001 = Path("content/results/2023/SJX-2023-001-R1/v1.yaml")
RESULT_003 = Path("content/results/2023/SJX-2023-003-R1/v1.yaml")


def assignment_for(draw_path: Path, target: str) -> dict[str, Any]:
    return next(a for a in signed_data(draw_path)["assignments"] if a["target"] == target)


def test_the_first_reserve_may_replace_a_member(content: Path) -> None:
    entry = signed_data(RESULT_001)["entries"][0]
    a = assignment_for(DRAW_001, entry["target"])
    assert entry["inspectors"] == a["members"]
    assert len(a["reserves"]) == 2

    def change(d: dict[str, Any]) -> None:
        d["entries"][0]["inspectors"] = [a["members"][0], a["reserves"][0]]

    rewrite(RESULT_001, change, DEPT)
    result = run("validate")
    assert result.exit_code == 0, result.output


def test_a_reserve_used_out_of_order_is_refused(content: Path) -> None:
    entry = signed_data(RESULT_001)["entries"][0]
    a = assignment_for(DRAW_001, entry["target"])
    first, second = a["reserves"]

    def change(d: dict[str, Any]) -> None:
        d["entries"][0]["inspectors"] = [a["members"][0], second]

    rewrite(RESULT_001, change, DEPT)
    result = run("validate")
    assert result.exit_code == 1
    assert (
        f"content/results/2023/SJX-2023-001-R1/v1.yaml:16:9: entries[0].inspectors: reserves used "
        f"out of order (got {second}, expected the first 1 of: {first}, {second})\n"
    ) in result.stderr


def test_a_result_by_someone_neither_assigned_nor_reserve_is_refused(content: Path) -> None:
    entry = signed_data(RESULT_001)["entries"][1]
    a = assignment_for(DRAW_001, entry["target"])
    stranger = next(
        f"INS-{i:04d}" for i in range(1, 100) if f"INS-{i:04d}" not in a["members"] + a["reserves"]
    )

    def change(d: dict[str, Any]) -> None:
        d["entries"][1]["inspectors"] = [a["members"][0], stranger]

    rewrite(RESULT_001, change, DEPT)
    result = run("validate")
    assert result.exit_code == 1
    assert (
        f"entries[1].inspectors[1]: neither assigned to this target nor a reserve "
        f"(got {stranger!r}, expected one of: {', '.join(a['members'])}; reserves in order: "
        f"{', '.join(a['reserves'])})\n"
    ) in result.stderr


def test_the_reserve_team_may_replace_the_team(content: Path) -> None:
    d = signed_data(Path("content/draws/2023/SJX-2023-003-D1/v1.yaml"))
    entry = signed_data(RESULT_003)["entries"][0]
    a = next(x for x in d["assignments"] if x["target"] == entry["target"])
    reserve = next(t["members"] for t in d["teams"] if t["team"] == a["reserves"][0])

    def change(data: dict[str, Any]) -> None:
        data["entries"][0]["inspectors"] = list(reserve)

    rewrite(RESULT_003, change, DEPT)
    result = run("validate")
    assert result.exit_code == 0, result.stderr


# --- Plans: versions and years ---------------------------------------------------------------


def test_a_plan_adjustment_does_not_change_published_draws(content: Path) -> None:
    v1, _ = load_record_file(PLAN)
    assert v1 is not None
    v2 = PLAN.with_name("v2.yaml")

    def change(d: dict[str, Any]) -> None:
        d["version"] = 2
        d["supersedes"] = v1.digest
        d["adjustments"] = [
            {
                "date": "2023-09-15",
                "reason": "调整一项任务的检查时间（测试）。",
                "approval": "示例县人民政府办公室〔2023〕1号",
            }
        ]

    shutil.copy(PLAN, v2)
    rewrite(v2, change, DEPT)
    assert run("validate").exit_code == 0
    result = run("verify-draw")
    assert verdict(result) == "结论 / verdict: 通过 PASS — 6 draw(s)", result.stdout


def test_a_large_pool_shows_a_progress_bar(content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import draw_cli

    remove_draws("SJX-2023-001")
    monkeypatch.setattr(draw_cli, "PROGRESS_FROM", 1000)  # the demo pool has 4,659 targets
    result = draw()
    assert result.exit_code == 0, result.output
    assert "计算票号 / hashing tickets" in result.stderr


def test_a_draft_is_written_where_validation_expects_it(content: Path) -> None:
    """A 2024 plan published in 2023 and drawn in 2023: the draft goes to draws/2023/."""
    remove_draws()
    shutil.rmtree("content/results")  # results of the 2023 tasks fall outside the new window

    def change(d: dict[str, Any]) -> None:
        d["year"] = 2024  # published_on 2023-01-16: a 2024 plan may be published in 2023
        for t in d["tasks"]:
            t["window"] = {"start": "2024-03-01", "end": "2024-06-30"}

    rewrite(PLAN, change, DEPT)
    moved = Path("content/plans/2024/SJX-2023/v1.yaml")
    moved.parent.mkdir(parents=True)
    PLAN.rename(moved)
    assert run("validate").exit_code == 0
    assert draw().exit_code == 0
    assert Path("content/draws/2023/SJX-2023-001-D1/v1.yaml").is_file()
    result = run("validate")
    assert result.exit_code == 0, result.stderr


def test_a_beacon_round_on_the_publication_day_is_refused(content: Path) -> None:
    remove_draws()
    rewrite(PLAN, lambda d: d.update(published_on="2023-08-23"), DEPT)
    assert run("validate").exit_code == 0
    assert "is not after the plan was published" in error_of(draw())


def test_earlier_draws_are_earlier_in_time_not_in_text(content: Path) -> None:
    from generator.drawing import find_task, history_for
    from generator.models import Plan

    path = Path("content/draws/2023/SJX-2023-002-D1/v1.yaml")
    text = path.read_text(encoding="utf-8")
    assert 'drawn_at: "2023-08-28T09:30:00+08:00"' in text  # after draw 001 (09:00)

    def history() -> dict[str, int]:
        loaded = load_content(content, content.parent / "site_config")
        plan, task = find_task(loaded, "SJX-2023-001")
        assert isinstance(plan.record, Plan)
        h = history_for(loaded, plan.record, task, DRAWN_AT_001, "SJX-2023-001-D1")
        return dict(h.drawn_this_year)

    assert history() == {}  # 001 was the first draw of 2023
    path.write_text(
        text.replace('drawn_at: "2023-08-28T09:30:00+08:00"', 'drawn_at: "2023-08-28T01:30:00Z"'),
        encoding="utf-8",
    )
    assert history() == {}  # the same instant: still after draw 001


def test_a_draw_naming_another_beacon_chain_fails_verification(content: Path) -> None:
    path = Path("content/draws/2023/SJX-2023-005-D1/v1.yaml")
    default_chain = "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
    rewrite(path, lambda d: d["beacon"].update(chain_hash=default_chain), "dept-wlj", WITNESS)
    result = run("verify-draw", "SJX-2023-005-D1")
    assert result.exit_code == 1
    assert "beacon" in result.stdout
