"""Trust scenarios that must fail, each with its exact reason: never crash, never pass.

Most scenarios are pure objects (the demo's records, root and key registry, changed
and re-signed with the published TEST keys) checked with ``generator.trust``; a few
run ``gongkai verify`` end to end on a copy of the demo content. Static inputs for
the loader live in ``tests/fixtures/signing/``.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.canonical import record_digest
from generator.cli import main
from generator.content import load_record_file
from generator.keyfile import PrivateKey, read_key_file
from generator.keys_cli import sign_path
from generator.logfiles import log_times
from generator.models import RECORD_KINDS, KeyRegistry, Root
from generator.signing import encode_signature, sign_bytes, signing_input
from generator.tlog import LogTimes
from generator.trust import (
    Check,
    Clock,
    SignedDoc,
    verify_key_registry,
    verify_record,
    verify_root_chain,
)
from tests.conftest import CONTENT, FIXTURES

TEST_KEYS = FIXTURES / "test-keys"
SIGNING = FIXTURES / "signing"
NOW = "2024-01-01"

OLD_SCJGJ = "示例县市场监督管理局旧发布密钥（示例，已更换）"
SCJGJ = "示例县市场监督管理局发布密钥（示例）"
NOTARY = "示例县公证处见证密钥（示例）"
DOES_NOT_VERIFY = (
    "signatures[0]: does not verify: the record was changed after it was signed, "
    "or the signature was made over other data"
)
NON_ROOT_REGISTRY = (
    "key registry version 1: signed by 0 of the root's key-registry keys, threshold 2; "
    "1 signature(s) by other keys or not valid "
    "(a key registry is signed only by the root's key-registry keys)"
)

PLAN = "plans/2023/SJX-2023/v1.yaml"  # scjgj, dated 2023-01-16
DEPARTMENT = "departments/scjgj.yaml"  # scjgj, dated 2023-01-03
RESULT = "results/2023/SJX-2023-001-R1/v1.yaml"  # scjgj
RECORDS = sum(1 for p in CONTENT.rglob("*.yaml") if p.parent.name not in ("root", "keys"))
"""Signed records in the demo besides the root and the key registry (64 when written)."""
DRAWS = sum(1 for _ in CONTENT.glob("draws/*/*/v*.yaml"))
"""Each draw is also re-run by gongkai verify: one more check each."""


# ---------------------------------------------------------------------------
# Helpers


@functools.cache
def key(name: str) -> PrivateKey:
    return read_key_file(TEST_KEYS / f"{name}.json")


def sign(data: dict[str, Any], *names: str) -> list[dict[str, str]]:
    message = signing_input(data)
    return [
        {"keyid": key(n).keyid, "sig": encode_signature(sign_bytes(key(n).seed, message))}
        for n in names
    ]


@functools.cache
def _demo(rel: str) -> dict[str, Any]:
    loaded, problems = load_record_file(CONTENT / rel)
    assert loaded is not None, problems
    return loaded.signed


def demo(rel: str) -> dict[str, Any]:
    """A fresh copy of a demo record's signed data."""
    return copy.deepcopy(_demo(rel))


def doc(data: dict[str, Any], signatures: list[Any] | None, path: str = "") -> SignedDoc:
    record = RECORD_KINDS[data["_type"]].model_validate(data)
    return SignedDoc(path or f"content/{data['id']}.yaml", record, data, signatures)


def registry(data: dict[str, Any] | None = None) -> KeyRegistry:
    return KeyRegistry.model_validate(data if data is not None else demo("keys/v1.yaml"))


def entry(data: dict[str, Any], label: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [k for k in data["keys"] if k["label"] == label]
    assert len(found) == 1, label
    return found[0]


TODAY = Clock(NOW, None)
"""No log: every signature judged as of NOW (where the day does not matter)."""


@functools.cache
def demo_clock() -> Clock:
    """The demo's own log: each record entered it on the day it states."""
    return Clock(NOW, log_times(CONTENT, demo_root()))


def logged(data: dict[str, Any], day: str, *signers: str) -> Clock:
    """A log in which the record ``data``, signed by ``signers``, entered on ``day``."""
    keyids = frozenset(key(n).keyid for n in signers)
    return Clock(NOW, LogTimes({record_digest(data): (day, keyids)}, {}, 1))


def check_record(
    rel: str,
    *signers: str,
    reg: KeyRegistry | None = None,
    day: str | None = None,
    **changes: Any,
) -> Check:
    """Verify demo record ``rel`` (with ``changes`` applied) signed by ``signers``,
    logged on ``day`` (by default: as the demo's log has it)."""
    data = {**demo(rel), **changes}
    clock = logged(data, day, *signers) if day is not None else demo_clock()
    return verify_record(
        doc(data, sign(data, *signers), f"content/{rel}"), reg or registry(), clock
    )


def root_doc(data: dict[str, Any], *signers: str, path: str = "") -> SignedDoc:
    return doc(data, sign(data, *signers), path or f"content/root/{data['version']}.yaml")


def next_root(
    prev: dict[str, Any],
    keys: list[str],
    *,
    threshold: int = 2,
    version: int | None = None,
    supersedes: str | None = None,
) -> dict[str, Any]:
    data = copy.deepcopy(prev)
    data.update(
        version=version or prev["version"] + 1,
        supersedes=supersedes or record_digest(prev),
        published_on="2023-06-01",
        keys=[{"public": key(n).public, "label": key(n).label, "holder": "测试"} for n in keys],
        threshold=threshold,
        key_registry={"keys": [key(n).keyid for n in keys], "threshold": threshold},
    )
    return data


def demo_root() -> Root:
    return Root.model_validate(demo("root/1.yaml"))


def run_verify(content: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(content.parent)
    result = CliRunner().invoke(main, ["verify", "--at", NOW, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def failures(out: str) -> list[str]:
    """The lines of the "failed checks" block of the text report."""
    lines = out.splitlines()
    assert lines[0].startswith("失败的检查 / failed checks ("), out
    return lines[1 : lines.index("")]


def resign(path: Path, *names: str) -> None:
    """Drop every signature of an envelope file and sign it again with ``names``."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nsignatures:") + 1] + "signatures: []\n", "utf-8")
    for n in names:
        assert sign_path(path, key(n)) == "signed"


# ---------------------------------------------------------------------------
# The demo itself passes (so that every failure below is caused by the change made)


@pytest.mark.parametrize("rel", [PLAN, DEPARTMENT, RESULT])
def test_the_demo_records_pass_unchanged(rel: str) -> None:
    check = check_record(rel, "dept-scjgj")
    assert check.status == "pass"
    assert check.signers == [SCJGJ]


def test_the_demo_root_chain_and_registry_pass() -> None:
    root, checks = verify_root_chain([root_doc(demo("root/1.yaml"), "root-1", "root-2")], NOW)
    assert root is not None
    assert [c.status for c in checks] == ["pass", "pass"]
    reg, checks = verify_key_registry(
        [doc(demo("keys/v1.yaml"), sign(demo("keys/v1.yaml"), "root-1", "root-3"))], root
    )
    assert reg is not None
    assert [c.reason for c in checks] == [
        "key registry version 1: signed by 2 of the root's key-registry keys (threshold 2)"
    ]


# ---------------------------------------------------------------------------
# A changed byte


@pytest.mark.parametrize(
    ("rel", "change"),
    [
        (DEPARTMENT, lambda d: d.update(name="示例县市场监督管理厅")),
        (DEPARTMENT, lambda d: d.update(published_on="2023-01-04")),
        (PLAN, lambda d: d.update(year=2024)),
        (PLAN, lambda d: d["tasks"][0].update(title=d["tasks"][0]["title"] + "。")),
        (RESULT, lambda d: d["entries"][0].update(completed_on="2023-10-01")),
        (PLAN, lambda d: d.update(_type="result/v1")),
    ],
    ids=["name", "date", "year", "task-title", "entry", "_type"],
)
def test_a_changed_field_fails(rel: str, change: Any) -> None:
    data = demo(rel)
    signatures = sign(data, "dept-scjgj")
    change(data)
    model = RECORD_KINDS[demo(rel)["_type"]].model_validate(demo(rel))
    check = verify_record(SignedDoc(f"content/{rel}", model, data, signatures), registry(), TODAY)
    assert (check.subject, check.status, check.reason) == (
        f"content/{rel}",
        "fail",
        DOES_NOT_VERIFY,
    )


def test_a_flipped_byte_fails_gongkai_verify(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = content_copy / DEPARTMENT
    text = path.read_text(encoding="utf-8")
    assert text.count("name: 示例县市场监督管理局\n") == 1
    path.write_text(text.replace("name: 示例县市场监督管理局\n", "name: 示例县市场监督管理厅\n"))
    code, out = run_verify(content_copy, monkeypatch)
    assert code == 1
    assert failures(out) == [f"  48. content/{DEPARTMENT}: {DOES_NOT_VERIFY}"]
    assert out.splitlines()[-2] == (
        f"结论 / verdict: 未通过 FAIL — {RECORDS + DRAWS + 3} pass, 1 fail, 0 not checked, 0 warning(s)"
    )


def test_a_signature_by_a_key_not_in_the_registry_fails() -> None:
    data = demo(PLAN)
    outsider = {
        "keyid": "0123456789abcdef" * 4,
        "sig": sign(data, "dept-scjgj")[0]["sig"],
    }
    check = verify_record(doc(data, [outsider], f"content/{PLAN}"), registry(), TODAY)
    assert check.reason == ("signatures[0]: keyid 0123456789abcdef… is not in the key registry")


def test_an_unsigned_draft_fails() -> None:
    check = verify_record(doc(demo(PLAN), None), registry(), TODAY)
    assert (check.status, check.reason) == (
        "fail",
        "not signed (an unsigned draft cannot be published)",
    )


def test_an_envelope_without_signatures_fails() -> None:
    check = verify_record(doc(demo(PLAN), []), registry(), TODAY)
    assert (check.status, check.reason) == (
        "fail",
        "needs 1 signature(s) by keys of department 'scjgj', got 0",
    )


# ---------------------------------------------------------------------------
# A key not allowed for the record kind


def test_a_witness_key_may_not_sign_a_plan() -> None:
    check = check_record(PLAN, "witness-notary")
    assert (check.status, check.reason) == (
        "fail",
        f"signatures[0]: key '{NOTARY}' may not sign plan records (it may sign: draw, void)",
    )


def test_a_witness_signature_beside_the_department_fails_the_plan() -> None:
    check = check_record(PLAN, "dept-scjgj", "witness-notary")
    assert (check.status, check.reason) == (
        "fail",
        f"signatures[1]: key '{NOTARY}' may not sign plan records (it may sign: draw, void)",
    )


def test_a_key_whose_kinds_lack_result_may_not_sign_a_result() -> None:
    data = demo("keys/v1.yaml")
    entry(data, SCJGJ)["kinds"] = ["department", "plan"]
    check = check_record(RESULT, "dept-scjgj", reg=registry(data))
    assert (check.status, check.reason) == (
        "fail",
        f"signatures[0]: key '{SCJGJ}' may not sign result records (it may sign: department, plan)",
    )


def test_another_departments_key_does_not_make_the_threshold() -> None:
    check = check_record(PLAN, "dept-sthjj")
    assert (check.status, check.reason) == (
        "fail",
        "needs 1 signature(s) by keys of department 'scjgj', got 0",
    )
    assert check.signers == ["示例市生态环境局示例县分局发布密钥（示例）"]


# ---------------------------------------------------------------------------
# Key validity windows (the plan entered the demo log on 2023-01-16)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "status"),
    [
        ("2023-01-17", "2030-12-31", "fail"),
        ("2015-01-01", "2023-01-15", "fail"),
        ("2023-01-16", "2030-12-31", "pass"),
        ("2015-01-01", "2023-01-16", "pass"),
    ],
    ids=["before-valid-from", "after-valid-until", "on-valid-from", "on-valid-until"],
)
def test_key_validity_window(valid_from: str, valid_until: str, status: str) -> None:
    data = demo("keys/v1.yaml")
    entry(data, SCJGJ).update(valid_from=valid_from, valid_until=valid_until)
    check = check_record(PLAN, "dept-scjgj", reg=registry(data))
    assert check.status == status
    if status == "fail":
        assert check.reason == (
            f"signatures[0]: key '{SCJGJ}' was not valid on 2023-01-16 "
            f"(valid {valid_from} to {valid_until}); 入日志 2023-01-16 / entered the log on 2023-01-16"
        )


# ---------------------------------------------------------------------------
# Revoked keys: the demo's old scjgj key was superseded on 2022-06-30


@pytest.mark.parametrize(
    ("day", "status"),
    [("2022-06-29", "pass"), ("2022-06-30", "fail"), ("2022-07-01", "fail")],
)
def test_a_superseded_key(day: str, status: str) -> None:
    """Judged on the day the record entered the log: the department record still
    states 2023-01-03 for itself, which plays no part."""
    check = check_record(DEPARTMENT, "dept-scjgj-2021", day=day)
    assert check.status == status
    if status == "fail":
        assert check.reason == (
            f"signatures[0]: key '{OLD_SCJGJ}' was revoked on 2022-06-30 (superseded); "
            f"入日志 {day} / entered the log on {day}"
        )
    else:
        assert (check.signers, check.warnings) == ([OLD_SCJGJ], [])
        assert check.reason == f"signed by {OLD_SCJGJ} (入日志 {day} / entered the log on {day})"


def test_a_superseded_key_fails_gongkai_verify(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is in the log (since 2022-07-01), signed by another key: the old
    key's signature is not, so it is judged as of today."""
    rel = "checklist/scjgj/SCJG-003/v2.yaml"  # effective_from 2022-07-01
    resign(content_copy / rel, "dept-scjgj-2021")
    code, out = run_verify(content_copy, monkeypatch)
    assert code == 1
    assert failures(out) == [
        f"  15. content/{rel}: signatures[0]: key '{OLD_SCJGJ}' was revoked on 2022-06-30 "
        f"(superseded); 尚未入日志，按今天判断 / not in the log yet, judged as of today ({NOW})"
    ]


def _compromised(since: str = "2023-01-10", at: str = "2023-06-01") -> KeyRegistry:
    data = demo("keys/v1.yaml")
    entry(data, SCJGJ)["revocation"] = {
        "at": at,
        "reason": "compromised",
        "compromised_since": since,
    }
    return registry(data)


@pytest.mark.parametrize("since", ["2023-01-16", "2023-01-10"], ids=["on", "after"])
def test_a_compromised_key_fails_from_compromised_since(since: str) -> None:
    check = check_record(PLAN, "dept-scjgj", reg=_compromised(since))
    assert (check.status, check.reason) == (
        "fail",
        f"signatures[0]: key '{SCJGJ}' is compromised since {since}; "
        "入日志 2023-01-16 / entered the log on 2023-01-16",
    )


def test_a_compromised_key_passes_before_with_a_warning() -> None:
    check = check_record(DEPARTMENT, "dept-scjgj", reg=_compromised("2023-01-10"))
    assert (check.status, check.reason) == (
        "pass",
        f"signed by {SCJGJ} (入日志 2023-01-03 / entered the log on 2023-01-03)",
    )
    assert check.warnings == [
        f"key '{SCJGJ}' was later reported compromised (since 2023-01-10); "
        "this signature is from before that: 入日志 2023-01-03 / entered the log on 2023-01-03"
    ]


# ---------------------------------------------------------------------------
# Malformed signatures


@pytest.mark.parametrize(
    ("sig", "reason"),
    [
        ("not base64!", "signatures[0].sig: signature is not valid base64 (got 'not base64!'...)"),
        (
            "AAAA",
            "signatures[0].sig: an Ed25519 signature has 64 bytes (got 3 after base64 decoding)",
        ),
        (64, "signatures[0].sig: signature must be base64 text (got int)"),
    ],
)
def test_a_malformed_signature_fails_the_record(sig: object, reason: str) -> None:
    data = demo(PLAN)
    good = sign(data, "dept-scjgj")
    bad = {"keyid": good[0]["keyid"], "sig": sig}
    assert verify_record(doc(data, [bad]), registry(), TODAY).reason == reason
    # a good signature beside it does not rescue the record
    check = verify_record(doc(data, [*good, bad]), registry(), TODAY)
    assert (check.status, check.reason) == ("fail", reason.replace("[0]", "[1]"))


def test_a_malformed_signature_fails_the_root() -> None:
    data = demo("root/1.yaml")
    signatures = [*sign(data, "root-1", "root-2"), {"keyid": key("root-3").keyid, "sig": "@@"}]
    root, checks = verify_root_chain([doc(data, signatures, "content/root/1.yaml")], NOW)
    assert root is None
    assert [(c.subject, c.status, c.reason) for c in checks] == [
        (
            "content/root/1.yaml",
            "fail",
            "root version 1: signatures[2].sig: signature is not valid base64 (got '@@'...)",
        )
    ]


def test_a_malformed_signature_fails_the_key_registry() -> None:
    data = demo("keys/v1.yaml")
    signatures = [*sign(data, "root-1", "root-2"), {"keyid": "AB", "sig": "x"}]
    _, checks = verify_key_registry([doc(data, signatures, "content/keys/v1.yaml")], demo_root())
    assert [c.reason for c in checks] == [
        "key registry version 1: signatures[2].keyid: not a keyid (got 'AB', "
        "expected 64 lower-case hex digits)"
    ]


def test_signature_file_fixture_with_bad_base64() -> None:
    loaded, problems = load_record_file(SIGNING / "signature-not-base64.yaml")
    assert loaded is not None, problems
    assert problems == []
    check = verify_record(
        SignedDoc("signature-not-base64.yaml", loaded.record, loaded.signed, loaded.signatures),
        registry(),
        TODAY,
    )
    assert (check.status, check.reason) == (
        "fail",
        "signatures[0].sig: signature is not valid base64 (got 'vKiia2ZGLLdJdOZ7cxI3lbvx'...)",
    )


def test_signatures_that_are_not_a_list_are_named() -> None:
    loaded, problems = load_record_file(SIGNING / "signatures-not-a-list.yaml")
    assert loaded is not None, problems
    check = verify_record(
        SignedDoc("x.yaml", loaded.record, loaded.signed, loaded.signatures), registry(), TODAY
    )
    assert (check.status, check.reason) == (
        "fail",
        "signatures: must be a list of {keyid, sig} (got dict)",
    )


# ---------------------------------------------------------------------------
# Duplicated signatures never reach a threshold


def test_a_duplicated_root_signature_does_not_reach_the_threshold() -> None:
    data = demo("root/1.yaml")
    root, checks = verify_root_chain([root_doc(data, "root-1", "root-1")], NOW)
    assert root is None
    assert [(c.status, c.reason) for c in checks] == [
        (
            "fail",
            "root version 1: signed by 1 of the root's own keys, threshold 2; "
            "1 duplicate signature(s) by one key count once",
        )
    ]


def test_a_duplicated_registry_signature_does_not_reach_the_threshold() -> None:
    data = demo("keys/v1.yaml")
    reg, checks = verify_key_registry([doc(data, sign(data, "root-2", "root-2"))], demo_root())
    assert reg is None
    assert [(c.status, c.reason) for c in checks] == [
        (
            "fail",
            "key registry version 1: signed by 1 of the root's key-registry keys, threshold 2; "
            "1 duplicate signature(s) by one key count once",
        )
    ]


def _requiring(kind: str, *requirements: dict[str, Any]) -> KeyRegistry:
    data = demo("keys/v1.yaml")
    data["requirements"] = {**data["requirements"], kind: list(requirements)}
    return registry(data)


def test_a_duplicated_department_signature_does_not_make_two() -> None:
    reg = _requiring("result", {"signer": "department", "count": 2})
    check = check_record(RESULT, "dept-scjgj", "dept-scjgj", reg=reg)
    assert (check.status, check.reason, check.signers) == (
        "fail",
        "needs 2 signature(s) by keys of department 'scjgj', got 1; "
        "1 duplicate signature(s) by one key count once",
        [SCJGJ],
    )


def test_a_department_signing_twice_is_not_a_witness() -> None:
    # No draw record kind exists yet; a plan that, like a draw, needs its department
    # and a witness exercises the same rule.
    reg = _requiring("plan", {"signer": "department", "count": 1}, {"signer": "witness"})
    check = check_record(PLAN, "dept-scjgj", "dept-scjgj", reg=reg)
    assert (check.status, check.reason) == (
        "fail",
        "needs 1 signature(s) by witness keys, got 0; 1 duplicate signature(s) by one key count once",
    )
    data = demo("keys/v1.yaml")
    entry(data, NOTARY)["kinds"] = ["plan"]
    data["requirements"]["plan"] = [{"signer": "department"}, {"signer": "witness"}]
    passing = check_record(PLAN, "dept-scjgj", "witness-notary", reg=registry(data))
    assert (passing.status, passing.signers) == ("pass", [SCJGJ, NOTARY])


# ---------------------------------------------------------------------------
# The root chain


def test_a_root_that_skips_a_version_is_not_trusted() -> None:
    v1 = demo("root/1.yaml")
    v3 = next_root(v1, ["root-1", "root-2", "root-3"], version=3)
    root, checks = verify_root_chain(
        [root_doc(v1, "root-1", "root-2"), root_doc(v3, "root-1", "root-2")], NOW
    )
    assert root is None
    assert [(c.subject, c.status, c.reason) for c in checks] == [
        (
            "content/root/3.yaml",
            "fail",
            "root versions must be contiguous (got version 3, expected 2: "
            "a root that skips a version is not trusted)",
        )
    ]


def test_a_new_root_signed_only_by_its_own_new_keys_is_not_trusted() -> None:
    v1 = demo("root/1.yaml")
    v2 = next_root(v1, ["witness-media", "witness-npc"])
    root, checks = verify_root_chain(
        [root_doc(v1, "root-1", "root-2"), root_doc(v2, "witness-media", "witness-npc")], NOW
    )
    assert root is not None
    assert root.version == 1  # the chain stops at the last trusted version
    assert [(c.subject, c.status) for c in checks] == [
        ("content/root/1.yaml", "pass"),
        ("content/root/2.yaml", "fail"),
    ]
    assert checks[1].reason == (
        "root version 2: signed by 0 of the previous root's (version 1) keys, threshold 2; "
        "2 signature(s) by other keys or not valid; a new root must be signed by a "
        "threshold of the previous root's keys too"
    )


def test_a_new_root_below_the_previous_threshold_is_not_trusted() -> None:
    v1 = demo("root/1.yaml")
    v2 = next_root(v1, ["root-1", "witness-npc"])
    _, checks = verify_root_chain(
        [root_doc(v1, "root-1", "root-2"), root_doc(v2, "root-1", "witness-npc")], NOW
    )
    assert checks[-1].reason == (
        "root version 2: signed by 1 of the previous root's (version 1) keys, threshold 2; "
        "1 signature(s) by other keys or not valid; a new root must be signed by a "
        "threshold of the previous root's keys too"
    )


def test_a_new_root_below_its_own_threshold_is_not_trusted() -> None:
    v1 = demo("root/1.yaml")
    v2 = next_root(v1, ["root-1", "witness-npc"])
    _, checks = verify_root_chain(
        [root_doc(v1, "root-1", "root-2"), root_doc(v2, "root-1", "root-2")], NOW
    )
    assert (checks[-1].subject, checks[-1].status, checks[-1].reason) == (
        "content/root/2.yaml",
        "fail",
        "root version 2: signed by 1 of the root's own keys, threshold 2; "
        "1 signature(s) by other keys or not valid",
    )


def test_a_new_root_that_does_not_name_its_predecessor_is_not_trusted() -> None:
    v1 = demo("root/1.yaml")
    v2 = next_root(v1, ["root-1", "root-2"], supersedes="ab" * 32)
    _, checks = verify_root_chain(
        [root_doc(v1, "root-1", "root-2"), root_doc(v2, "root-1", "root-2")], NOW
    )
    assert checks[-1].reason == (
        f"root version 2 does not name version 1 (got supersedes {'ab' * 32}, "
        f"expected {record_digest(v1)})"
    )


def test_a_properly_rotated_root_is_trusted() -> None:
    v1 = demo("root/1.yaml")
    v2 = next_root(v1, ["root-2", "root-3", "witness-npc"])
    root, checks = verify_root_chain(
        [root_doc(v1, "root-1", "root-2"), root_doc(v2, "root-2", "root-3")], NOW
    )
    assert root is not None
    assert root.version == 2
    assert [c.reason for c in checks] == [
        "root version 1: signed by 2 of the root's own keys (threshold 2); "
        "NOT PINNED: trusted on first use",
        "root version 2: signed by 2 of the root's own keys (threshold 2); "
        "signed by 2 of the previous root's (version 1) keys (threshold 2)",
        "the newest root (version 2) is valid until 2030-12-31 (checked on 2024-01-01)",
    ]


def test_a_pinned_root_sha256_that_matches_no_version_fails() -> None:
    v1 = demo("root/1.yaml")
    pinned = "00" * 32
    root, checks = verify_root_chain([root_doc(v1, "root-1", "root-2")], NOW, pinned)
    assert root is None
    assert [(c.subject, c.status, c.reason) for c in checks] == [
        (
            "content/root/1.yaml",
            "fail",
            f"no root version has the pinned SHA-256 (got {record_digest(v1)[:16]}…, "
            f"expected {pinned})",
        )
    ]


def test_a_pinned_root_sha256_that_matches_passes() -> None:
    v1 = demo("root/1.yaml")
    _, checks = verify_root_chain([root_doc(v1, "root-1", "root-2")], NOW, record_digest(v1))
    assert checks[0].reason.endswith("; pinned by SHA-256")


def test_pinning_fails_gongkai_verify(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_verify(content_copy, monkeypatch, "--root-sha256", "11" * 32)
    assert code == 1
    assert failures(out)[0].startswith(
        "  1. content/root/1.yaml: no root version has the pinned SHA-256 (got "
    )


@pytest.mark.parametrize(
    ("now", "status"), [("2030-12-31", "pass"), ("2031-01-01", "fail")], ids=["on", "after"]
)
def test_an_expired_root(now: str, status: str) -> None:
    _, checks = verify_root_chain([root_doc(demo("root/1.yaml"), "root-1", "root-2")], now)
    expected = (
        f"the newest root (version 1) expired on 2030-12-31 (checked on {now})"
        if status == "fail"
        else f"the newest root (version 1) is valid until 2030-12-31 (checked on {now})"
    )
    assert (checks[-1].subject, checks[-1].status, checks[-1].reason) == (
        "root freshness",
        status,
        expected,
    )


def test_no_root_at_all() -> None:
    root, checks = verify_root_chain([], NOW)
    assert root is None
    assert [(c.subject, c.status, c.reason) for c in checks] == [
        ("content/root/", "fail", "no root of trust found (expected content/root/1.yaml)")
    ]


# ---------------------------------------------------------------------------
# The key registry


def test_a_key_registry_signed_by_a_department_key_fails() -> None:
    data = demo("keys/v1.yaml")
    reg, checks = verify_key_registry(
        [doc(data, sign(data, "dept-scjgj"), "content/keys/v1.yaml")], demo_root()
    )
    assert reg is None
    assert [(c.subject, c.status, c.reason) for c in checks] == [
        ("content/keys/v1.yaml", "fail", NON_ROOT_REGISTRY)
    ]


def test_a_key_registry_signed_by_a_department_key_fails_gongkai_verify(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resign(content_copy / "keys" / "v1.yaml", "dept-scjgj")
    code, out = run_verify(content_copy, monkeypatch)
    assert code == 1
    assert failures(out) == [f"  3. content/keys/v1.yaml: {NON_ROOT_REGISTRY}"]
    assert (
        "  5. [未检查 not checked] content/checklist/jtysj/JTYS-001/v1.yaml: "
        "no trusted key registry to check signatures against"
    ) in out.splitlines()
    assert out.splitlines()[-2] == (
        f"结论 / verdict: 未通过 FAIL — {DRAWS + 3} pass, 1 fail, {RECORDS} not checked, 0 warning(s)"
    )


def _registry_v2(change: Any = None, supersedes: str | None = None) -> dict[str, Any]:
    v1 = demo("keys/v1.yaml")
    v2 = copy.deepcopy(v1)
    v2.update(version=2, supersedes=supersedes or record_digest(v1), published_on="2023-06-01")
    if change is not None:
        change(v2)
    return v2


def test_a_key_registry_version_that_drops_a_key_fails() -> None:
    v1 = demo("keys/v1.yaml")
    v2 = _registry_v2(lambda d: d["keys"].pop())
    reg, checks = verify_key_registry(
        [
            doc(v1, sign(v1, "root-1", "root-2"), "content/keys/v1.yaml"),
            doc(v2, sign(v2, "root-1", "root-2"), "content/keys/v2.yaml"),
        ],
        demo_root(),
    )
    assert reg is not None
    assert reg.version == 1
    assert [(c.subject, c.status, c.reason) for c in checks][1] == (
        "content/keys/v2.yaml",
        "fail",
        "keys are revoked, never removed (got version 2 without 示例日报社见证密钥（示例）)",
    )


def test_a_key_registry_version_that_does_not_name_its_predecessor_fails() -> None:
    v1 = demo("keys/v1.yaml")
    v2 = _registry_v2(supersedes="cd" * 32)
    _, checks = verify_key_registry(
        [doc(v1, sign(v1, "root-1", "root-2")), doc(v2, sign(v2, "root-1", "root-2"))],
        demo_root(),
    )
    assert checks[1].reason == (
        f"key registry version 2 does not name version 1 (got supersedes {'cd' * 32}, "
        f"expected {record_digest(v1)})"
    )


def test_a_key_registry_that_skips_a_version_fails() -> None:
    v1 = demo("keys/v1.yaml")
    v3 = _registry_v2(lambda d: d.update(version=3))
    _, checks = verify_key_registry(
        [doc(v1, sign(v1, "root-1", "root-2")), doc(v3, sign(v3, "root-1", "root-2"))],
        demo_root(),
    )
    assert checks[1].reason == (
        "key registry versions must be contiguous (got version 3, expected 2)"
    )


def test_an_unsigned_key_registry_draft_fails() -> None:
    v1 = demo("keys/v1.yaml")
    v2 = _registry_v2()
    reg, checks = verify_key_registry(
        [doc(v1, sign(v1, "root-1", "root-2")), doc(v2, None, "content/keys/v2.yaml")],
        demo_root(),
    )
    assert reg is not None
    assert reg.version == 1
    assert (checks[1].subject, checks[1].reason) == (
        "content/keys/v2.yaml",
        "key registry version 2: not signed (an unsigned draft)",
    )


def test_no_key_registry_at_all() -> None:
    reg, checks = verify_key_registry([], demo_root())
    assert reg is None
    assert [(c.subject, c.status, c.reason) for c in checks] == [
        ("content/keys/", "fail", "no key registry found (expected content/keys/v1.yaml)")
    ]


def _changed_after_signing(kind: str) -> list[Check]:
    """The root or the key registry, changed after the root keys signed it."""
    v1 = demo(f"{kind}/1.yaml" if kind == "root" else "keys/v1.yaml")
    signatures = sign(v1, "root-1", "root-2")
    v1["name"] += "（改）"
    changed = doc(
        v1, signatures, "content/root/1.yaml" if kind == "root" else "content/keys/v1.yaml"
    )
    if kind == "root":
        return verify_root_chain([changed], NOW)[1]
    return verify_key_registry([changed], demo_root())[1]


def test_a_root_changed_after_signing_fails() -> None:
    (check,) = _changed_after_signing("root")
    assert (check.subject, check.status, check.reason) == (
        "content/root/1.yaml",
        "fail",
        "root version 1: signatures[0]: does not verify: it was changed after it was signed, "
        "or the signature was made over other data",
    )


def test_a_key_registry_changed_after_signing_fails() -> None:
    (check,) = _changed_after_signing("keys")
    assert (check.subject, check.status, check.reason) == (
        "content/keys/v1.yaml",
        "fail",
        "key registry version 1: signatures[0]: does not verify: it was changed after it was "
        "signed, or the signature was made over other data",
    )


@pytest.mark.parametrize("kind", ["root", "keys"])
def test_a_root_or_registry_changed_after_signing_says_so(kind: str) -> None:
    (check,) = _changed_after_signing(kind)
    assert "changed after it was signed" in check.reason
    assert "signed only by the root's key-registry keys" not in check.reason


# ---------------------------------------------------------------------------
# Envelopes with extra top-level keys are refused when loading


def test_an_envelope_with_an_extra_top_level_key_is_refused() -> None:
    loaded, problems = load_record_file(
        SIGNING / "envelope-extra-key.yaml", "envelope-extra-key.yaml"
    )
    assert loaded is None
    assert [str(p) for p in problems] == [
        "envelope-extra-key.yaml:16:1: note: unknown top-level key in a signed envelope "
        "(got 'note', expected only 'signed' and 'signatures')"
    ]


def test_an_envelope_with_an_extra_top_level_key_fails_gongkai_verify(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = content_copy / DEPARTMENT
    path.write_text(path.read_text(encoding="utf-8") + "note: 已核对\n", encoding="utf-8")
    code, out = run_verify(content_copy, monkeypatch)
    assert code == 1
    assert failures(out) == [
        "  1. content/departments/scjgj.yaml: not verified: the file has 1 problem(s) of its own; "
        "run `gongkai validate` to see them"
    ]


def test_gongkai_verify_names_a_record_it_could_not_read(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = content_copy / DEPARTMENT
    path.write_text(path.read_text(encoding="utf-8") + "note: 已核对\n", encoding="utf-8")
    code, out = run_verify(content_copy, monkeypatch)
    assert code == 1
    assert any(f"content/{DEPARTMENT}" in line for line in failures(out))


def test_gongkai_verify_refuses_an_impossible_at_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CONTENT.parent)
    result = CliRunner().invoke(main, ["verify", "--at", "2024-13-45"])
    assert result.exit_code == 2
    assert "--at" in result.stderr
