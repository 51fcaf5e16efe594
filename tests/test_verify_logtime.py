"""Key validity and revocation are judged by the day a record entered the
transparency log, never by the date the record states for itself.

Each scenario runs ``gongkai verify`` end to end on a copy of the demo content:
records are made and signed with the TEST keys of ``tests/fixtures/test-keys``,
entered into the demo log with the TEST log key at the time the scenario needs
(``generator.logfiles.append``, as ``gongkai log append`` does), and a key
registry version 2 is signed by the root's TEST keys where a key must change.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.canonical import record_digest
from generator.checkpoint import sign_checkpoint
from generator.cli import main
from generator.content import load_record_file
from generator.demo_signing import _write_signed, demo_log_time
from generator.keyfile import PrivateKey, read_key_file
from generator.logfiles import append, published_file, published_records, read_log, write_log
from generator.merkle import Tree, bundle, leaf_hash
from generator.models import KeyRegistry
from generator.tlog import LogTimes
from generator.trust import Clock, SignedDoc, verify_record
from tests.conftest import CONTENT, FIXTURES

KEYS = FIXTURES / "test-keys"
AT = "2026-11-22"
"""``--at``: the day verification runs ("today")."""
OLD_SCJGJ = "示例县市场监督管理局旧发布密钥（示例，已更换）"  # valid 2015-01-01 to 2025-12-31
SCJGJ = "示例县市场监督管理局发布密钥（示例）"
WLJ = "示例县文化广播电视和旅游局发布密钥（示例）"
ITEM = "checklist/scjgj/SCJG-099/v1.yaml"
"""A new checklist item the scenarios make (the market regulator's)."""


@functools.cache
def key(name: str) -> PrivateKey:
    return read_key_file(KEYS / f"{name}.json")


def signed_data(rel: str) -> dict[str, Any]:
    loaded, problems = load_record_file(CONTENT / rel)
    assert loaded is not None, problems
    return copy.deepcopy(loaded.signed)


def new_item(content: Path, effective_from: str, signer: str) -> Path:
    """SCJG-099: a copy of SCJG-001 stating ``effective_from``, signed by ``signer``."""
    data = signed_data("checklist/scjgj/SCJG-001/v1.yaml")
    data.update(id="SCJG-099", seq=99, effective_from=effective_from)
    path = content / ITEM
    _write_signed(path, data, [key(signer)])
    return path


def log(content: Path, when: str, *paths: Path) -> None:
    """Enter the records at ``paths`` into the log at ``when`` (China time)."""
    records = [published_file(p) for p in paths]
    new, _ = append(content, [key("log-1")], f"{when}T10:00:00+08:00", when, records=records)
    assert len(new) == len(paths)


def registry_v2(content: Path, change: Any) -> None:
    """content/keys/v2.yaml: version 1 with ``change`` applied to its data, signed by
    two of the root's TEST keys."""
    v1 = signed_data("keys/v1.yaml")
    data = copy.deepcopy(v1)
    data.update(version=2, supersedes=record_digest(v1), published_on="2024-06-01")
    change(data)
    _write_signed(content / "keys" / "v2.yaml", data, [key("root-1"), key("root-2")])


def entry(data: dict[str, Any], label: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [k for k in data["keys"] if k["label"] == label]
    assert len(found) == 1
    return found[0]


def verify(content: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(content.parent)
    result = CliRunner().invoke(main, ["verify", "--at", AT, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


CHECK = re.compile(r"^  \d+\. \[(?P<status>[^\]]+)\] (?P<rest>.*)$")


def line(out: str, subject: str) -> str:
    """The report's line about ``subject``, as ``[status] subject: reason``."""
    found = [
        f"[{m['status']}] {m['rest']}"
        for m in map(CHECK.match, out.splitlines())
        if m is not None and m["rest"].startswith(f"{subject}: ")
    ]
    assert len(found) == 1, (subject, out)
    return found[0]


def warnings_of(out: str, subject: str) -> list[str]:
    """The warnings printed under the check of ``subject``."""
    lines = out.splitlines()
    at = next(
        i
        for i, x in enumerate(lines)
        if (m := CHECK.match(x)) and m["rest"].startswith(f"{subject}: ")
    )
    out_lines: list[str] = []
    for x in lines[at + 1 :]:
        if not x.startswith("      ! "):
            break
        out_lines.append(x.removeprefix("      ! "))
    return out_lines


def failed(out: str) -> list[str]:
    """The subjects of the failed checks."""
    lines = out.splitlines()
    if not lines[0].startswith("失败的检查"):
        return []
    return [x.split(". ", 1)[1].split(": ", 1)[0] for x in lines[1 : lines.index("")]]


@functools.cache
def old_key_records() -> list[str]:
    """The demo records signed by the old market-regulation key (superseded on
    2022-06-30, expired on 2025-12-31): judged as of today, they fail."""
    out = []
    for path in sorted(CONTENT.rglob("*.yaml")):
        loaded, _ = load_record_file(path)
        if loaded is not None and any(
            s.get("keyid") == key("dept-scjgj-2021").keyid for s in loaded.signatures or []
        ):
            out.append(f"content/{path.relative_to(CONTENT).as_posix()}")
    assert len(out) > 10
    return out


# ---------------------------------------------------------------------------
# The four rules of the issue


def test_a_record_dated_inside_the_window_but_logged_after_the_key_expired_fails(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old market-regulation key was valid until 2025-12-31 (and superseded on
    2022-06-30). A record stating 2022-05-01 for itself, before both, enters the
    log in 2026: the key had expired by then."""
    path = new_item(content_copy, "2022-05-01", "dept-scjgj-2021")
    log(content_copy, "2026-01-05", path)
    code, out = verify(content_copy, monkeypatch)
    assert code == 1
    assert failed(out) == [f"content/{ITEM}"]
    assert line(out, f"content/{ITEM}") == (
        f"[失败 FAIL] content/{ITEM}: signatures[0]: key '{OLD_SCJGJ}' was not valid on "
        "2026-01-05 (valid 2015-01-01 to 2025-12-31); 入日志 2026-01-05 / entered the log on "
        "2026-01-05"
    )


def _compromised_since_march(data: dict[str, Any]) -> None:
    entry(data, SCJGJ)["revocation"] = {
        "at": "2024-06-01",
        "reason": "compromised",
        "compromised_since": "2024-03-01",
    }


def test_a_record_dated_after_compromise_but_logged_before_it_passes_flagged(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The market regulator's key was compromised from 2024-03-01. A record that
    entered the log on 2024-02-01 passes, flagged, whatever date it states
    (2024-05-01, after the compromise); one stating 2024-01-15 but logged on
    2024-03-05 fails."""
    registry_v2(content_copy, _compromised_since_march)
    early = new_item(content_copy, "2024-05-01", "dept-scjgj")
    log(content_copy, "2024-02-01", early)
    late = content_copy / "checklist/scjgj/SCJG-098/v1.yaml"
    data = signed_data("checklist/scjgj/SCJG-001/v1.yaml")
    data.update(id="SCJG-098", seq=98, effective_from="2024-01-15")
    _write_signed(late, data, [key("dept-scjgj")])
    log(content_copy, "2024-03-05", late)
    log(content_copy, "2024-06-02", content_copy / "keys" / "v2.yaml")
    code, out = verify(content_copy, monkeypatch)
    assert code == 1
    assert failed(out) == ["content/checklist/scjgj/SCJG-098/v1.yaml"]
    assert line(out, "content/checklist/scjgj/SCJG-098/v1.yaml") == (
        f"[失败 FAIL] content/checklist/scjgj/SCJG-098/v1.yaml: signatures[0]: key '{SCJGJ}' is "
        "compromised since 2024-03-01; 入日志 2024-03-05 / entered the log on 2024-03-05"
    )
    assert line(out, f"content/{ITEM}") == (
        f"[通过 pass] content/{ITEM}: signed by {SCJGJ} (入日志 2024-02-01 / entered the log on "
        "2024-02-01)"
    )
    assert warnings_of(out, f"content/{ITEM}") == [
        f"key '{SCJGJ}' was later reported compromised (since 2024-03-01); this "
        "signature is from before that: 入日志 2024-02-01 / entered the log on 2024-02-01"
    ]


def test_a_backdated_record_signed_after_expiry_not_in_the_log_fails_as_of_today(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed now with the old key (expired 2025-12-31) and dated 2022-05-01,
    while the key was still valid; not in the log yet: judged as of today."""
    new_item(content_copy, "2022-05-01", "dept-scjgj-2021")
    code, out = verify(content_copy, monkeypatch)
    assert code == 1
    assert failed(out) == [f"content/{ITEM}"]
    assert line(out, f"content/{ITEM}") == (
        f"[失败 FAIL] content/{ITEM}: signatures[0]: key '{OLD_SCJGJ}' was not valid on {AT} "
        f"(valid 2015-01-01 to 2025-12-31); 尚未入日志，按今天判断 / not in the log yet, judged "
        f"as of today ({AT})"
    )


def test_a_record_logged_before_the_keys_valid_from_fails(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log written afresh: SCJG-099, stating 2023-03-01 (inside its key's
    window, from 2015-01-01), entered it first, on 2014-12-01; the demo's records
    after it, each on its own day."""
    path = new_item(content_copy, "2023-03-01", "dept-scjgj")
    shutil.rmtree(content_copy / "log")
    log(content_copy, "2014-12-01", path)
    records, _ = published_records(content_copy)
    others = [r for r in records if r.id != "SCJG-099"]
    append(content_copy, [key("log-1")], demo_log_time, "2024-01-02", records=others)
    code, out = verify(content_copy, monkeypatch)
    assert code == 1
    assert failed(out) == [f"content/{ITEM}"]
    assert line(out, f"content/{ITEM}") == (
        f"[失败 FAIL] content/{ITEM}: signatures[0]: key '{SCJGJ}' was not valid on 2014-12-01 "
        "(valid 2015-01-01 to 2030-12-31); 入日志 2014-12-01 / entered the log on 2014-12-01"
    )


# ---------------------------------------------------------------------------
# What the report says about the log


def test_the_demo_is_judged_by_its_log(monkeypatch: pytest.MonkeyPatch, content_copy: Path) -> None:
    code, out = verify(content_copy, monkeypatch)
    assert code == 0, out
    size = len(read_log(content_copy / "log").entries)
    assert line(out, "content/log/") == (
        f"[通过 pass] content/log/: 日志时间 / log times: {size} 条条目与日志密钥签名的检查点一致，"
        f"密钥有效性按记录入日志的日期判断 / {size} entries match the checkpoint signed by the "
        "root's log key; key validity is judged on the day each record entered the log"
    )
    assert line(out, "content/plans/2023/SJX-2023/v1.yaml").endswith(
        f"signed by {SCJGJ} (入日志 2023-01-16 / entered the log on 2023-01-16)"
    )
    assert "record dated" not in out


def test_without_a_log_every_record_is_judged_as_of_today_and_it_is_said_once(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An old repository with no log: what its expired key signed fails as of today."""
    shutil.rmtree(content_copy / "log")
    code, out = verify(content_copy, monkeypatch, "--json")
    assert code == 1
    report = json.loads(out)
    about_log = [c for c in report["checks"] if c["subject"] == "content/log/"]
    assert about_log == [
        {
            "id": "4",
            "subject": "content/log/",
            "status": "not checked",
            "reason": f"没有透明日志：密钥有效性按今天（{AT}）判断，而非按记录入日志的时间 / no "
            f"transparency log: key validity is judged as of today ({AT}), not by when each "
            "record entered the log",
            "signers": [],
            "warnings": [],
        }
    ]
    by_subject = {c["subject"]: c for c in report["checks"]}
    assert by_subject["content/plans/2023/SJX-2023/v1.yaml"]["reason"] == (
        f"signed by {SCJGJ} (没有日志，按今天判断 / no log, judged as of today ({AT}))"
    )
    assert [c["subject"] for c in report["checks"] if c["status"] == "fail"] == old_key_records()
    assert by_subject["content/checklist/scjgj/SCJG-001/v1.yaml"]["reason"] == (
        f"signatures[0]: key '{OLD_SCJGJ}' was not valid on {AT} (valid 2015-01-01 to "
        f"2025-12-31); 没有日志，按今天判断 / no log, judged as of today ({AT})"
    )
    assert report["summary"]["not checked"] == 1
    assert sum("transparency log" in c["reason"] for c in report["checks"]) == 1


def test_a_new_record_not_yet_appended_is_judged_as_of_today(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = new_item(content_copy, "2024-03-01", "dept-scjgj")
    code, out = verify(content_copy, monkeypatch)
    assert code == 0, out
    assert line(out, f"content/{ITEM}") == (
        f"[通过 pass] content/{ITEM}: signed by {SCJGJ} (尚未入日志，按今天判断 / not in the log "
        f"yet, judged as of today ({AT}))"
    )
    log(content_copy, "2026-11-20", item)
    code, out = verify(content_copy, monkeypatch)
    assert code == 0, out
    assert line(out, f"content/{ITEM}") == (
        f"[通过 pass] content/{ITEM}: signed by {SCJGJ} (入日志 2026-11-20 / entered the log on "
        "2026-11-20)"
    )


def test_a_record_changed_after_it_was_logged_is_not_judged_by_that_log_time(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log knows a record by the SHA-256 of its signed data: the same id and
    version with other content, signed again, is another record, not in the log."""
    registry_v2(content_copy, _compromised_since_march)
    log(content_copy, "2024-02-01", new_item(content_copy, "2024-01-20", "dept-scjgj"))
    code, out = verify(content_copy, monkeypatch)
    assert code == 0, out
    assert line(out, f"content/{ITEM}").startswith(f"[通过 pass] content/{ITEM}: signed by")
    new_item(content_copy, "2024-01-21", "dept-scjgj")
    code, out = verify(content_copy, monkeypatch)
    assert code == 1
    assert failed(out) == [f"content/{ITEM}"]
    assert line(out, f"content/{ITEM}") == (
        f"[失败 FAIL] content/{ITEM}: signatures[0]: key '{SCJGJ}' is compromised since "
        f"2024-03-01; 尚未入日志，按今天判断 / not in the log yet, judged as of today ({AT})"
    )


@pytest.mark.parametrize("damage", ["reordered", "cut short", "not signed by the log key"])
def test_a_broken_log_fails_verify_with_its_message(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    directory = content_copy / "log"
    raw = read_log(directory).raw
    name = f"tile/entries/000.p/{len(raw)}"
    if damage == "reordered":
        (directory / name).write_bytes(bundle([raw[1], raw[0], *raw[2:]]))
        why = "content/log/checkpoint: 日志条目与检查点不符 / the log's entries do not match its checkpoint; run gongkai log verify"
    elif damage == "cut short":
        (directory / name).write_bytes(bundle(raw)[:-5])
        why = f"content/log/{name}: 条目包被截断 / bundle cut short: entry {len(raw) - 1} is cut short"
    else:
        text = sign_checkpoint(
            "sjx.gongkai.example/log",
            len(raw),
            Tree([leaf_hash(r) for r in raw]).root(),
            [key("dept-scjgj").seed],
        )
        shutil.rmtree(directory)
        write_log(directory, raw, text)
        why = "content/log/checkpoint: 检查点没有根信任日志密钥的签名 / the checkpoint is not signed by a log key"
    code, out = verify(content_copy, monkeypatch)
    assert code == 1
    assert failed(out) == ["content/log/", *old_key_records()]  # judged as of today
    about = line(out, "content/log/")
    assert about.startswith(f"[失败 FAIL] content/log/: {why}"), about
    assert about.endswith(
        f"; 密钥有效性按今天（{AT}）判断 / key validity is judged as of today ({AT})"
    )
    assert line(out, "content/plans/2023/SJX-2023/v1.yaml").endswith(
        f"signed by {SCJGJ} (日志未通过核验，按今天判断 / the log does not verify, judged as of "
        f"today ({AT}))"
    )


# ---------------------------------------------------------------------------
# Each signature at its own time


def test_a_signature_added_later_is_judged_on_the_day_it_entered_the_log() -> None:
    """A witness who co-signs after the record entered the log: the witness's
    signature is judged on the day its entry added it, the department's on the
    record's first day; one the log never saw, as of today."""
    loaded, _ = load_record_file(CONTENT / "draws/2023/SJX-2023-001-D1/v1.yaml")
    assert loaded is not None
    assert loaded.signatures is not None
    reg_loaded, _ = load_record_file(CONTENT / "keys/v1.yaml")
    assert reg_loaded is not None
    data = copy.deepcopy(reg_loaded.signed)
    entry(data, "示例县公证处见证密钥（示例）")["valid_until"] = "2023-06-30"
    registry = KeyRegistry.model_validate(data)
    dept, witness = (s["keyid"] for s in loaded.signatures)
    doc = SignedDoc(loaded.path, loaded.record, loaded.signed, loaded.signatures)
    first = {loaded.digest: ("2023-03-01", frozenset({dept}))}
    in_time = Clock(AT, LogTimes(first, {(loaded.digest, witness): "2023-06-30"}, 2))
    check = verify_record(doc, registry, in_time)
    assert check.status == "pass", check.reason
    assert check.reason.endswith(
        "(入日志 2023-03-01 / entered the log on 2023-03-01), 示例县公证处见证密钥（示例） "
        "(入日志 2023-06-30 / entered the log on 2023-06-30)"
    )
    too_late = Clock(AT, LogTimes(first, {(loaded.digest, witness): "2023-07-01"}, 2))
    assert verify_record(doc, registry, too_late).reason == (
        "signatures[1]: key '示例县公证处见证密钥（示例）' was not valid on 2023-07-01 (valid "
        "2022-01-01 to 2023-06-30); 入日志 2023-07-01 / entered the log on 2023-07-01"
    )
    never = Clock(AT, LogTimes(first, {}, 1))
    assert verify_record(doc, registry, never).reason == (
        f"signatures[1]: key '示例县公证处见证密钥（示例）' was not valid on {AT} (valid "
        f"2022-01-01 to 2023-06-30); 尚未入日志，按今天判断 / not in the log yet, judged as of "
        f"today ({AT})"
    )
