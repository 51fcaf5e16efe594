"""Confidential strata end to end: a draw by a private credit class, on a copy of the demo.

The demo registry's ``credit_class`` column is made private (re-signed by its department),
so task SJX-2023-001, stratified by it, becomes confidential: ``gongkai draw`` needs the
department's draw secret, the record commits to every pooled target's class, and its
bundle can be checked by the public (what needs no openings), by one firm (its own
opening) and by an auditor (all openings).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from generator.bundle import build_bundle, bundle_json
from generator.content import load_content
from generator.models import Draw
from tests.conftest import tree_snapshot
from tests.test_draw_cli import (
    DEPT,
    REGISTRY,
    ROUND_1000,
    WITNESS,
    error_of,
    remove_draws,
    rewrite,
    run,
    sign,
    signed_data,
    verdict,
)

TASK = "SJX-2023-001"
DRAWN_AT = "2023-08-28T09:00:00+08:00"
DRAFT = Path(f"content/draws/2023/{TASK}-D1/v1.yaml")


def make_private(data: dict[str, Any]) -> None:
    for column in data["columns"]:
        if column["name"] == "credit_class":
            column["visibility"] = "private"


@pytest.fixture
def content(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(content_copy.parent)
    remove_draws()
    for result in Path("content/results/2023").glob(f"{TASK}-R*"):
        shutil.rmtree(result)
    rewrite(REGISTRY, make_private, DEPT)
    return content_copy


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "scjgj-draw-secret.hex"
    result = run("keys", "new-secret", str(path))
    assert result.exit_code == 0, result.output
    return path


def draw(*options: str) -> Any:
    return run("draw", TASK, "--beacon", str(ROUND_1000), "--drawn-at", DRAWN_AT, *options)


def drawn(secret: Path) -> Path:
    """Draw with the secret, sign as department and witness; the openings file's path."""
    result = draw("--secret", str(secret))
    assert result.exit_code == 0, result.output
    sign(DRAFT, DEPT, WITNESS)
    return secret.parent / f"{TASK}-D1.openings.json"


def bundle_file(content: Path, tmp_path: Path) -> Path:
    loaded = load_content(content, content.parent / "site_config")
    record = next(r for r in loaded.records if isinstance(r.record, Draw))
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle_json(build_bundle(loaded, record)))
    return path


def statuses(result: Any) -> dict[str, str]:
    report = json.loads(result.output)
    return {
        c["subject"].split(": ", 1)[1]: c["status"]
        for c in report["checks"]
        if ": " in c["subject"]
    }


def test_new_secret_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "s.hex"
    assert run("keys", "new-secret", str(path)).exit_code == 0
    assert len(bytes.fromhex(path.read_text())) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = path.read_bytes()
    result = run("keys", "new-secret", str(path))
    assert result.exit_code == 1
    assert "already exists; not overwritten" in result.stderr
    assert path.read_bytes() == before


def test_a_confidential_draw_needs_the_secret(content: Path) -> None:
    before = tree_snapshot(content)
    assert error_of(draw()) == (
        f"错误 / error: task {TASK}: the strata are confidential; the draw needs the department's "
        "draw secret (--secret FILE) to commit to every target's class\n"
    )
    assert tree_snapshot(content) == before


def test_openings_never_go_into_the_content(content: Path, secret: Path) -> None:
    before = tree_snapshot(content)
    message = error_of(draw("--secret", str(secret), "--openings-out", "content/openings.json"))
    assert "the openings must not be written inside content" in message
    assert tree_snapshot(content) == before


def test_a_secret_for_public_strata_is_refused(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, secret: Path
) -> None:
    monkeypatch.chdir(content_copy.parent)
    remove_draws()
    message = error_of(draw("--secret", str(secret)))
    assert f"task {TASK} has no confidential strata: --secret is not used" in message


def test_the_record_commits_and_does_not_disclose(content: Path, secret: Path) -> None:
    openings_path = drawn(secret)
    data = signed_data(DRAFT)
    assert all(s["selected"] == [] for s in data["strata"])
    assert all(s["highest_ticket"].startswith("0.") for s in data["strata"])
    pooled = sum(s["population"] for s in data["strata"])
    assert len(data["commitments"]) == pooled
    assert DRAFT.read_text(encoding="utf-8").count("credit_class") == len(data["strata"])
    openings = json.loads(openings_path.read_text(encoding="utf-8"))
    assert stat.S_IMODE(os.stat(openings_path).st_mode) == 0o600
    assert openings["format"] == "gongkai-openings/1"
    assert [o["target"] for o in openings["openings"]] == [c["target"] for c in data["commitments"]]
    assert {o["class"] for o in openings["openings"]} == {"A", "B", "C", "D"}


def test_verify_and_verify_draw_pass(content: Path, secret: Path) -> None:
    drawn(secret)
    result = run("verify", "--at", "2023-12-31")
    assert result.exit_code == 0, result.output
    result = run("verify-draw", f"{TASK}-D1")
    assert verdict(result) == "结论 / verdict: 通过 PASS — 1 draw(s)"
    assert "commitments not checked (needs the department's draw secret" in result.stdout
    result = run("verify-draw", f"{TASK}-D1", "--secret", str(secret))
    assert verdict(result) == "结论 / verdict: 通过 PASS — 1 draw(s)"
    assert "commitments not checked" not in result.stdout
    # Another department's secret gives other commitments.
    other = secret.parent / "other.hex"
    run("keys", "new-secret", str(other))
    result = run("verify-draw", f"{TASK}-D1", "--secret", str(other))
    assert result.exit_code == 1
    assert "the re-run differs from the published record in: commitments" in result.stdout


def test_the_bundle_for_the_public_a_firm_and_an_auditor(
    content: Path, secret: Path, tmp_path: Path
) -> None:
    openings_path = drawn(secret)
    bundle = bundle_file(content, tmp_path)
    published = json.loads(bundle.read_text(encoding="utf-8"))
    assert all(s["ids"] is None for s in published["strata"])
    # The public: checks that need no opening pass, stratum membership is not checked.
    result = run("verify-draw", str(bundle), "--json")
    assert result.exit_code == 0, result.output
    got = statuses(result)
    assert got["strata"] == "pass"
    assert got["strata.members"] == "not checked"
    assert got["inspectors"] == "pass"
    # One firm, with its own opening only.
    everything = json.loads(openings_path.read_text(encoding="utf-8"))
    firm = tmp_path / "firm.json"
    firm.write_text(
        json.dumps({**everything, "openings": everything["openings"][:1]}), encoding="utf-8"
    )
    got = statuses(run("verify-draw", str(bundle), "--opening", str(firm), "--json"))
    assert (got["openings"], got["strata.members"]) == ("pass", "not checked")
    # An auditor with every opening: the full re-run by stratum.
    result = run("verify-draw", str(bundle), "--opening", str(openings_path), "--json")
    assert result.exit_code == 0, result.output
    got = statuses(result)
    assert got["openings"] == "pass"
    assert "strata.members" not in got
    # A false opening (another class than committed) fails.
    lie = dict(everything["openings"][0])
    lie["class"] = "A" if lie["class"] != "A" else "B"
    false = tmp_path / "false.json"
    false.write_text(json.dumps({**everything, "openings": [lie]}), encoding="utf-8")
    result = run("verify-draw", str(bundle), "--opening", str(false))
    assert result.exit_code == 1
    assert f"openings: opening {lie['target']}: does not match its commitment" in result.stdout
    # A commitment dropped from the bundle's copy fails for everyone.
    published["commitments"].pop()
    bundle.write_text(json.dumps(published), encoding="utf-8")
    result = run("verify-draw", str(bundle))
    assert result.exit_code == 1
    assert "commitments: the bundle's copy differs from the signed record" in result.stdout
