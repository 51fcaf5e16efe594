"""Property: changing any one value of any signed demo record fails that record's check.

The demo content is loaded once; each example picks a signed record (not the root or
the key registry), one leaf of its signed data (a string, an integer or a boolean),
changes it to another value of the same type, and verifies that record in memory with
``generator.trust.verify_record``. One example also goes through ``gongkai verify``
end to end.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.content import Loaded, load_content
from generator.logfiles import log_times
from generator.models import KeyRegistry, Root
from generator.trust import (
    Clock,
    SignedDoc,
    verify_key_registry,
    verify_record,
    verify_root_chain,
)
from generator.yamlwrite import dump_yaml
from tests.conftest import CONTENT, REPO

NOW = "2024-01-01"
Leaf = tuple[tuple[str | int, ...], str | int | bool]


@functools.cache
def _demo() -> tuple[list[Loaded], KeyRegistry, Clock]:
    content = load_content(CONTENT)
    assert content.problems == []
    roots = [
        SignedDoc(r.path, r.record, r.signed, r.signatures)
        for r in content.records
        if isinstance(r.record, Root)
    ]
    root, _ = verify_root_chain(roots, NOW)
    assert root is not None
    registries = [
        SignedDoc(r.path, r.record, r.signed, r.signatures)
        for r in content.records
        if isinstance(r.record, KeyRegistry)
    ]
    registry, _ = verify_key_registry(registries, root)
    assert registry is not None
    records = [
        r
        for r in content.records
        if not isinstance(r.record, Root | KeyRegistry) and r.signatures is not None
    ]
    return records, registry, Clock(NOW, log_times(CONTENT, root))


def leaves(data: Any, path: tuple[str | int, ...] = ()) -> list[Leaf]:
    """Every string, integer and boolean in ``data`` with its path."""
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in leaves(v, (*path, k))]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in leaves(v, (*path, i))]
    if isinstance(data, str | int):  # bool is an int
        return [(path, data)]
    return []


def changed(value: str | int | bool, suffix: str) -> str | int | bool:
    """Another value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return value + suffix


def with_leaf(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def test_the_demo_has_signed_records_with_leaves() -> None:
    records, _, _ = _demo()
    assert len(records) == len([r for r in records if r.signatures is not None]) > 60
    assert all(leaves(r.signed) for r in records)
    kinds = {type(r.record).KIND for r in records}
    assert kinds == {
        "checklist-item",
        "department",
        "draw",
        "inspector-registry",
        "plan",
        "result",
        "target-registry",
    }


def test_every_demo_record_passes_unchanged() -> None:
    records, registry, clock = _demo()
    for r in records:
        check = verify_record(SignedDoc(r.path, r.record, r.signed, r.signatures), registry, clock)
        assert check.status == "pass", (r.path, check.reason)
        assert "entered the log on" in check.reason, (r.path, check.reason)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), suffix=st.sampled_from(["x", "0", " ", "。", "\u0301", "\n"]))
def test_changing_any_leaf_fails_that_record(data: st.DataObject, suffix: str) -> None:
    records, registry, clock = _demo()
    record = data.draw(st.sampled_from(records), label="record")
    path, value = data.draw(st.sampled_from(leaves(record.signed)), label="leaf")
    tampered = with_leaf(record.signed, path, changed(value, suffix))
    assert tampered != record.signed
    check = verify_record(
        SignedDoc(record.path, record.record, tampered, record.signatures), registry, clock
    )
    assert check.subject == record.path
    assert check.status == "fail", (record.path, path, check.reason)
    assert check.reason.startswith("signatures[0]: does not verify: "), check.reason


def test_a_changed_leaf_fails_gongkai_verify_end_to_end(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rel = Path("results/2023/SJX-2023-003-R2/v1.yaml")
    loaded = next(r for r in _demo()[0] if r.path.endswith(rel.as_posix()))
    path = ("entries", 1, "items", 0, "note")
    before = dict(leaves(loaded.signed))[path]
    assert isinstance(before, str)
    envelope = {
        "signed": with_leaf(loaded.signed, path, before + "（改）"),
        "signatures": loaded.signatures,
    }
    (content_copy / rel).write_text(dump_yaml(envelope), encoding="utf-8")
    monkeypatch.chdir(content_copy.parent)
    result = CliRunner().invoke(main, ["verify", "--at", NOW])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "失败的检查 / failed checks (1):"
    assert lines[1].endswith(
        f"content/{rel.as_posix()}: signatures[0]: does not verify: the record was changed "
        "after it was signed, or the signature was made over other data"
    )


# ---------------------------------------------------------------------------
# docs/verify-json.md describes the real output

VERIFY_JSON_DOC = REPO / "docs" / "verify-json.md"


def documented_fields(doc: str) -> dict[str, list[str]]:
    """The field names of each table, by the section heading above it."""
    tables: dict[str, list[str]] = {}
    heading = ""
    for line in doc.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
        match = re.match(r"^\| `([^`]+)` \|", line)
        if match:
            tables.setdefault(heading, []).append(match.group(1))
    return tables


def json_blocks(doc: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", doc, re.DOTALL)]


def test_verify_json_fields_match_the_documentation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["verify", "--json", "--at", NOW])
    assert result.exit_code == 0, result.output
    real = json.loads(result.stdout)
    doc = VERIFY_JSON_DOC.read_text(encoding="utf-8")
    tables = documented_fields(doc)
    assert tables == {
        "Top level": list(real),
        "`summary`": list(real["summary"]),
        "`checks[]`": list(real["checks"][0]),
    }
    assert all(list(check) == tables["`checks[]`"] for check in real["checks"])
    assert {c["status"] for c in real["checks"]} <= {"pass", "fail", "not checked"}

    example = json_blocks(doc)[0]
    assert list(example) == list(real)
    assert {k: v for k, v in example.items() if k != "checks"} == {
        k: v for k, v in real.items() if k != "checks"
    }
    by_id = {c["id"]: c for c in real["checks"]}
    for check in example["checks"]:
        assert check == by_id[check["id"]]
    assert [c["id"] for c in real["checks"]] == [str(i) for i in range(1, len(real["checks"]) + 1)]
