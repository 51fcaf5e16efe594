"""Draw bundles (gongkai-draw-bundle/1): made from the demo, checked on their own.

The bundles are built once from the repository's demo content (no copy is written to),
then each test changes one thing in a copy of a bundle, as an attacker or a careless
publisher could, and checks that ``gongkai verify-draw BUNDLE`` names it. One test
re-runs every bundle's strata with Rivest's own package, as an independent verifier
would: the bundle alone is enough.
"""

from __future__ import annotations

import base64
import copy
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from consistent_sampler import sampler  # type: ignore[import-untyped]

import generator.cli
from generator.bundle import (
    BUNDLE_FORMAT,
    BundleError,
    build_bundle,
    bundle_json,
    parse_bundle,
    verify_bundle,
)
from generator.canonical import canonical_json
from generator.content import load_content
from generator.models import Draw
from generator.schemas import render_schemas
from tests.conftest import CONTENT, SITE_CONFIG

ROOT_SHA = "23abf597fb89262c92b4b9987159a35d1757aad9eadded17584974de2fffb884"
NOW = "2026-11-22T12:00:00+08:00"


@pytest.fixture(scope="module")
def bundles() -> dict[str, dict[str, Any]]:
    """task id -> bundle of the demo's draws."""
    content = load_content(CONTENT, SITE_CONFIG)
    out = {}
    for loaded in content.records:
        if isinstance(loaded.record, Draw):
            out[loaded.record.task] = json.loads(bundle_json(build_bundle(content, loaded)))
    assert len(out) == 6
    return out


def check(bundle: dict[str, Any], pinned: str | None = ROOT_SHA) -> list[tuple[str, str, str]]:
    parsed = parse_bundle(json.dumps(bundle).encode(), "b.json")
    checks, _ = verify_bundle(parsed, "b.json", pinned, NOW)
    return [(c.subject, c.status, c.reason) for c in checks]


def failures(bundle: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s, r) for s, st, r in check(bundle) if st == "fail"]


def cli(*args: str) -> Result:
    return CliRunner().invoke(generator.cli.main, ["verify-draw", *args])


def write(tmp_path: Path, bundle: dict[str, Any], name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_bytes(bundle_json(bundle))
    return path


def resign_payload(envelope: dict[str, Any], change: Any) -> None:
    """Change the signed payload without re-signing (what a forger without keys can do)."""
    data = json.loads(base64.b64decode(envelope["payload"]))
    change(data)
    envelope["payload"] = base64.b64encode(canonical_json(data)).decode()


# --- every demo bundle passes, and says what it could not check ---------------------------


@pytest.mark.parametrize("task", [f"SJX-2023-00{i}" for i in range(1, 7)])
def test_every_demo_bundle_verifies(bundles: dict[str, dict[str, Any]], task: str) -> None:
    results = check(bundles[task])
    assert [r for r in results if r[1] == "fail"] == []
    subjects = {s.removeprefix("b.json: ") for s, st, _ in results if st == "pass"}
    assert {"record", "plan", "record.beacon", "record.seed", "inspectors"} <= subjects
    if bundles[task]["strata"]:
        assert "strata" in subjects
    unchecked = {s.removeprefix("b.json: ") for s, st, _ in results if st == "not checked"}
    # the registry snapshots are private; the bundle carries no log times
    assert unchecked == {"registry", "inspectors.registry", "log times"}
    record = next(r for s, _, r in results if s == "b.json: record")
    assert "at the date the record states" in record, record


def test_an_unpinned_root_is_reported_not_checked(bundles: dict[str, dict[str, Any]]) -> None:
    results = check(bundles["SJX-2023-001"], pinned=None)
    assert ("b.json: trust.root", "not checked") in [(s, st) for s, st, _ in results]
    assert ROOT_SHA in next(r for s, st, r in results if s == "b.json: trust.root")


def test_a_wrong_root_pin_fails(bundles: dict[str, dict[str, Any]]) -> None:
    results = check(bundles["SJX-2023-001"], pinned="0" * 64)
    assert any(st == "fail" and "pin" in r.lower() for _, st, r in results)


def test_rivests_package_reproduces_every_bundle(bundles: dict[str, dict[str, Any]]) -> None:
    """An independent verifier needs only the bundle and consistent-sampler 1.0.10."""
    compared = 0
    for bundle in bundles.values():
        for stratum in bundle["strata"]:
            got = list(
                sampler(
                    stratum["ids"],
                    seed=bundle["seed"],
                    take=stratum["take"],
                    output="tuple",
                    digits=90,
                )
            )
            assert [item for _, item, _ in got] == [s["target"] for s in stratum["selected"]]
            for (ticket, _, _), mine in zip(got, stratum["selected"], strict=True):
                assert mine["ticket"].startswith(ticket)
            compared += 1
    assert compared >= 6


def test_the_schema_is_published() -> None:
    schema = json.loads(render_schemas()["draw-bundle.v1.schema.json"])
    assert schema["properties"]["format"]["const"] == BUNDLE_FORMAT
    assert (Path(__file__).parent.parent / "schemas" / "draw-bundle.v1.schema.json").is_file()


# --- changes to a bundle are caught and named ---------------------------------------------


def test_a_pool_id_swapped_changes_the_selection(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    stratum = bundle["strata"][0]
    chosen = stratum["selected"][0]["target"]
    stratum["ids"].remove(chosen)
    stratum["ids"] = sorted([*stratum["ids"], "91519031ZZZZZZZZZ0"])
    assert failures(bundle) == [
        (
            "b.json: record.strata",
            "the re-run selects other targets than the signed record (differs in strata, visits)",
        )
    ]


def test_a_population_that_does_not_match_its_ids(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    bundle["strata"][1]["population"] += 1
    assert failures(bundle) == [
        (
            "b.json: strata",
            f"strata[1].population: got {bundle['strata'][1]['population']}, but "
            f"{len(bundle['strata'][1]['ids'])} ids are listed",
        )
    ]


def test_an_id_in_two_strata(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    dup = bundle["strata"][0]["ids"][0]
    bundle["strata"][1]["ids"] = sorted([*bundle["strata"][1]["ids"], dup])
    bundle["strata"][1]["population"] += 1
    [(subject, reason)] = failures(bundle)
    assert subject == "b.json: strata"
    assert reason == f"strata[1].ids: {dup} is also listed in another stratum or excluded"


def test_a_dropped_id_breaks_the_pool_count(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-002"])
    stratum = next(s for s in bundle["strata"] if s["ids"])
    unpicked = next(
        i for i in stratum["ids"] if i not in {s["target"] for s in stratum["selected"]}
    )
    stratum["ids"].remove(unpicked)
    stratum["population"] -= 1
    [(subject, reason)] = failures(bundle)
    assert subject == "b.json: strata"
    assert "but the record says" in reason


def test_a_changed_ticket_in_the_copy(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-003"])
    t = bundle["strata"][0]["selected"][0]["ticket"]
    bundle["strata"][0]["selected"][0]["ticket"] = t[:-1] + ("1" if t[-1] != "1" else "2")
    assert failures(bundle) == [
        ("b.json: strata", "the bundle's copy differs from the signed record")
    ]


def test_a_changed_assignment_in_the_copy(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    a = bundle["assignments"][0]
    a["members"], a["reserves"] = a["reserves"], a["members"]
    assert failures(bundle) == [
        ("b.json: assignments", "the bundle's copy differs from the signed record")
    ]


def test_a_hidden_conflict_changes_the_inspectors(bundles: dict[str, dict[str, Any]]) -> None:
    """Listing the pool differently from what the draw used shows up in the re-run."""
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    first = bundle["assignments"][0]
    person = next(p for p in bundle["inspectors"] if p["id"] == first["members"][0])
    person["conflicts"] = sorted([*person["conflicts"], first["target"]])
    [(subject, reason)] = failures(bundle)
    assert subject == "b.json: record.assignments"
    assert reason.startswith("the re-run assigns other inspectors than the signed record")


def test_a_record_changed_without_its_keys(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    resign_payload(bundle["record"], lambda d: d["visits"].reverse())
    fails = failures(bundle)
    assert fails[0][0] == "b.json: record"
    assert "does not verify" in fails[0][1]


def test_a_missing_witness_signature(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    bundle["record"]["signatures"] = bundle["record"]["signatures"][:1]
    fails = failures(bundle)
    assert fails[0] == ("b.json: record", "needs 1 signature(s) by witness keys, got 0")


def test_another_plan(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    bundle["plan"] = bundles["SJX-2023-001"]["items"][0]
    assert failures(bundle) == [
        ("b.json: plan", "wrong record kind (got checklist-item, expected plan)")
    ]


def test_a_payload_type_that_does_not_match(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    bundle["record"]["payloadType"] = bundle["plan"]["payloadType"]
    [(subject, reason)] = failures(bundle)
    assert subject == "b.json: records"
    assert reason.startswith("record.payloadType: does not match the record's kind")


def test_a_seed_that_disagrees_with_the_record(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-004"])
    bundle["seed"] += "x"
    [(subject, reason)] = failures(bundle)
    assert subject == "b.json: record"
    assert reason.startswith("the bundle and its signed record disagree on seed")


def test_an_unknown_algorithm_in_the_bundle(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-004"])
    bundle["algorithm"] = "python-random"
    [(subject, reason)] = failures(bundle)
    assert subject == "b.json: record"
    assert "algorithm (bundle 'python-random', record 'rivest-consistent-sampler-1.0.10')" in reason


# --- reading bundles: files, directories, URLs, bad input ---------------------------------


def test_cli_checks_a_file_with_a_pin(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> None:
    path = write(tmp_path, bundles["SJX-2023-005"])
    result = cli(str(path), "--root", ROOT_SHA.upper())
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[-1]
        == "结论 / verdict: 通过 PASS — 1 draw(s); 3 项未检查 not checked"
    )


def test_cli_explain_prints_the_steps(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> None:
    path = write(tmp_path, bundles["SJX-2023-001"])
    out = cli(str(path), "--explain").output
    assert f"       seed S = {bundles['SJX-2023-001']['seed']}" in out
    assert "       pool: 5000 rows in scope, 341 excluded (inactive 341)" in out
    assert "       stratum credit_class=A: N=1387, ratio 0.03, k=42" in out
    assert "ranking INS-" in out


def test_cli_checks_a_directory(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> None:
    for task in ("SJX-2023-002", "SJX-2023-006"):
        (tmp_path / "draws" / task).mkdir(parents=True)
        write(tmp_path / "draws" / task, bundles[task])
    result = cli(str(tmp_path), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 0
    assert report["verdict"] == "pass"
    assert {c["subject"].split(":")[0] for c in report["checks"] if "draws" in c["subject"]} == {
        str(tmp_path / "draws" / t / "bundle.json") for t in ("SJX-2023-002", "SJX-2023-006")
    }


def test_cli_fails_on_a_tampered_bundle(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    bundle["assignments"][0]["reserves"].reverse()
    result = cli(str(write(tmp_path, bundle)))
    assert result.exit_code == 1
    assert (
        f"[失败 FAIL] {tmp_path / 'bundle.json'}: assignments: the bundle's copy differs"
        in result.output
    )


@pytest.fixture
def served(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> Iterator[str]:
    """A local web server (127.0.0.1, stopped after the test) serving one bundle."""
    (tmp_path / "draws" / "SJX-2023-006").mkdir(parents=True)
    write(tmp_path / "draws" / "SJX-2023-006", bundles["SJX-2023-006"])

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_cli_checks_a_url(served: str) -> None:
    result = cli(f"{served}/draws/SJX-2023-006/bundle.json", "--root", ROOT_SHA)
    assert result.exit_code == 0, result.output
    assert f"{served}/draws/SJX-2023-006/bundle.json: strata: re-run:" in result.output


def test_cli_reports_a_missing_url(served: str) -> None:
    result = cli(f"{served}/draws/NOPE/bundle.json")
    assert result.exit_code == 1
    assert (
        f"[失败 FAIL] {served}/draws/NOPE/bundle.json: could not fetch the bundle ("
        in result.output
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{", "b.json:1:2: not valid JSON: Expecting property name enclosed in double quotes"),
        (b'{"format": 1, "format": 2}', "b.json: the bundle repeats the field 'format'"),
        (
            b"[]",
            "b.json: format: not a draw bundle this version reads (got 'list', expected "
            "'gongkai-draw-bundle/1')",
        ),
        (
            b'{"format": "gongkai-draw-bundle/9"}',
            "b.json: format: not a draw bundle this version "
            "reads (got 'gongkai-draw-bundle/9', expected 'gongkai-draw-bundle/1')",
        ),
        (b'{"x": NaN}', "b.json: the bundle contains NaN"),
        (b"\xff\xfe", "b.json: not UTF-8 text (invalid start byte at byte 0)"),
    ],
)
def test_unreadable_bundles(text: bytes, message: str) -> None:
    with pytest.raises(BundleError) as info:
        parse_bundle(text, "b.json")
    assert str(info.value).startswith(message)


def test_a_missing_field_is_named(bundles: dict[str, dict[str, Any]]) -> None:
    bundle = copy.deepcopy(bundles["SJX-2023-001"])
    del bundle["strata"][2]["take"]
    bundle["in_scope"] = "5000"
    with pytest.raises(BundleError) as info:
        parse_bundle(json.dumps(bundle).encode(), "b.json")
    assert str(info.value).splitlines() == [
        'b.json: in_scope: Input should be a valid integer (got "5000")',
        'b.json: strata[2].take: Field required (got {"match": {"credit_class": "C"}, "population": 735, "ids": …)',
    ]


def test_cli_bad_input_exits_1_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bundle.json"
    bad.write_text("{", encoding="utf-8")
    result = cli(str(bad))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "not valid JSON" in result.output
    result = cli(str(bad), "--root", "abc")
    assert result.exit_code == 2
    assert "not a SHA-256 (got 'abc', expected 64 hex digits)" in result.output
