"""``gongkai keys new|list|revoke|rotate`` and ``gongkai sign``, end to end.

Every test works on a copy of the demo content in tmp_path (outside any git
repository) with the published TEST root keys; the date is fixed to 2024-01-01
where a command uses today's date.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

# generator.cli must be imported before generator.keys_cli (see the first test).
import generator.cli  # noqa: F401
from generator import keys_cli
from generator.canonical import record_digest
from generator.cli import main
from generator.content import load_record_file
from generator.keyfile import read_key_file
from generator.models import SIGNED_KINDS, KeyRegistry
from tests.conftest import FIXTURES, REPO

TEST_KEYS = FIXTURES / "test-keys"
TODAY = "2024-01-01"
SCJGJ = "示例县市场监督管理局发布密钥（示例）"
SCJGJ_KEYID = "906ddebd45f929a2e413cfd8caf8039cccac54995b4dc426482b8cc4154c1d80"
PASSPHRASE_ENV = "GONGKAI_PASSPHRASE"


@pytest.fixture
def content(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo content copy as the working directory's ``content/``, today fixed."""
    monkeypatch.chdir(content_copy.parent)
    monkeypatch.setattr(keys_cli, "_today", lambda: TODAY)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(content_copy.parent / "home"))
    return content_copy


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def ok(*args: str, env: dict[str, str] | None = None) -> list[str]:
    result = run(*args, env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout.splitlines()


def registry_data(path: Path) -> tuple[dict[str, Any], list[Any] | None]:
    loaded, problems = load_record_file(path)
    assert loaded is not None, problems
    assert isinstance(loaded.record, KeyRegistry)
    return loaded.signed, loaded.signatures


def new_key(out: Path, *extra: str, label: str = "测试发布密钥") -> list[str]:
    return ok(
        "keys",
        "new",
        "--department",
        "scjgj",
        "--label",
        label,
        "--valid-from",
        "2020-01-01",
        "--valid-until",
        "2030-12-31",
        "--out",
        str(out),
        *extra,
    )


def sign_registry(version: int) -> list[str]:
    return ok(
        "sign",
        f"content/keys/v{version}.yaml",
        "--key",
        str(TEST_KEYS / "root-1.json"),
        "--key",
        str(TEST_KEYS / "root-2.json"),
    )


def verify(*args: str) -> tuple[int, list[str]]:
    result = run("verify", "--at", TODAY, *args)
    return result.exit_code, result.stdout.splitlines()


def resign(path: Path, key_file: Path) -> list[str]:
    """Drop the signatures of an envelope and sign it with ``key_file`` only."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nsignatures:") + 1] + "signatures: []\n", "utf-8")
    return ok("sign", str(path.relative_to(Path.cwd())), "--key", str(key_file))


# ---------------------------------------------------------------------------
# Importing


def test_keys_cli_imports_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import generator.keys_cli"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------
# keys new


def test_keys_new_writes_a_private_key_0600_and_a_registry_draft(content: Path) -> None:
    out = content.parent / "private" / "scjgj-2024.json"
    lines = new_key(out)
    key = read_key_file(out)
    assert lines == [
        f"私钥 / private key: {out} (mode 0600)",
        f"keyid: {key.keyid}",
        "公钥已写入 / public key added to: content/keys/v2.yaml",
        "下一步 / next: 根信任的登记册签名密钥签署该文件："
        "gongkai sign content/keys/v2.yaml --key ROOT_KEY",
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["private"]["encryption"] == "none"
    assert (doc["keyid"], doc["public"], doc["label"], doc["department"]) == (
        key.keyid,
        key.public,
        "测试发布密钥",
        "scjgj",
    )
    assert "warning" not in doc

    v1, v1_sigs = registry_data(content / "keys" / "v1.yaml")
    v2, v2_sigs = registry_data(content / "keys" / "v2.yaml")
    assert v1_sigs is not None
    assert v2_sigs is None  # a draft
    assert (v2["version"], v2["supersedes"], v2["published_on"]) == (2, record_digest(v1), TODAY)
    assert v2["keys"][:-1] == v1["keys"]
    assert v2["keys"][-1] == {
        "keyid": key.keyid,
        "public": key.public,
        "label": "测试发布密钥",
        "role": "department",
        "department": "scjgj",
        "kinds": list(SIGNED_KINDS),
        "valid_from": "2020-01-01",
        "valid_until": "2030-12-31",
    }
    assert (
        (content / "keys" / "v2.yaml")
        .read_text(encoding="utf-8")
        .startswith("# 密钥登记册草稿：新增密钥 测试发布密钥。")
    )


def test_a_new_key_counts_once_the_registry_is_signed(content: Path) -> None:
    out = content.parent / "private" / "k.json"
    new_key(out)
    code, lines = verify()
    assert code == 1
    assert lines[:2] == [
        "失败的检查 / failed checks (1):",
        "  4. content/keys/v2.yaml: key registry version 2: not signed (an unsigned draft)",
    ]
    key = read_key_file(out)
    assert sign_registry(2) == [
        "content/keys/v2.yaml: signed (示例县根密钥一（示例）, a62b7fb38e9be898)",
        "content/keys/v2.yaml: signed (示例县根密钥二（示例）, f74fe07570d42f70)",
    ]
    code, lines = verify()
    assert code == 0, lines
    records = sum(1 for p in content.rglob("*.yaml") if p.parent.name not in ("root", "keys"))
    draws = sum(1 for _ in content.glob("draws/*/*/v*.yaml"))  # each is also re-run
    assert lines[-2] == (
        f"结论 / verdict: 通过 PASS — {records + draws + 5} pass, 0 fail, 0 not checked, 0 warning(s)"
    )
    assert resign(content / "departments" / "scjgj.yaml", out) == [
        f"content/departments/scjgj.yaml: signed (测试发布密钥, {key.keyid[:16]})"
    ]
    code, lines = verify()
    assert code == 0, lines
    assert (  # the new key's signature is not in the log yet
        "  49. [通过 pass] content/departments/scjgj.yaml: signed by 测试发布密钥 "
        f"(尚未入日志，按今天判断 / not in the log yet, judged as of today ({TODAY}))"
    ) in lines


def test_keys_new_refuses_a_path_inside_the_repository(content: Path) -> None:
    repo = content.parent
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    out = repo / "keys" / "k.json"
    result = run("keys", "new", "--department", "scjgj", "--label", "X", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误 / error: {out}: private keys must not be written inside the repository "
        f"({repo.resolve()}); choose --out elsewhere\n"
    )
    assert not out.exists()
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml"]


def test_keys_new_writes_to_the_default_directory_outside_the_repository(
    content: Path,
) -> None:
    lines = ok("keys", "new", "--department", "scjgj", "--label", "默认位置")
    keyid = lines[1].removeprefix("keyid: ")
    expected = content.parent / "home" / ".config" / "gongkai" / "keys" / f"{keyid[:16]}.json"
    assert lines[0] == f"私钥 / private key: {expected} (mode 0600)"
    assert read_key_file(expected).keyid == keyid
    v2, _ = registry_data(content / "keys" / "v2.yaml")
    assert (v2["keys"][-1]["valid_from"], v2["keys"][-1]["valid_until"]) == (
        TODAY,
        "2028-12-30",  # five years of 365 days
    )


def test_keys_new_for_a_witness(content: Path) -> None:
    out = content.parent / "private" / "w.json"
    ok("keys", "new", "--role", "witness", "--witness-kind", "公证处", "--label", "公证员")
    ok(
        "keys",
        "new",
        "--role",
        "witness",
        "--witness-kind",
        "人大代表",
        "--label",
        "人大代表见证",
        "--out",
        str(out),
    )
    v2, _ = registry_data(content / "keys" / "v2.yaml")
    assert [
        (k["label"], k["role"], k.get("witness_kind"), k["kinds"]) for k in v2["keys"][-2:]
    ] == [
        ("公证员", "witness", "公证处", ["draw", "void"]),
        ("人大代表见证", "witness", "人大代表", ["draw", "void"]),
    ]
    assert "department" not in v2["keys"][-1]
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml", "v2.yaml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--label", "X"], "部门密钥须指定 --department / a department key needs --department"),
        (
            ["--role", "witness", "--label", "X"],
            "见证人密钥须指定 --witness-kind / a witness key needs --witness-kind",
        ),
    ],
)
def test_keys_new_usage_errors(content: Path, args: list[str], message: str) -> None:
    result = run("keys", "new", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml"]


def test_keys_new_to_an_existing_file_changes_nothing(content: Path) -> None:
    out = content.parent / "taken.json"
    out.write_text("{}", encoding="utf-8")
    result = run("keys", "new", "--department", "scjgj", "--label", "X", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误 / error: {out}: a key file already exists there; choose another --out\n"
    )
    assert out.read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml"]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            ["keys", "new", "--department", "scjgj", "--label", "X", "--kinds", "bogus"],
            id="kinds",
        ),
        pytest.param(
            ["keys", "new", "--department", "scjgj", "--label", "X", "--valid-from", "2024-13-01"],
            id="valid-from",
        ),
        pytest.param(
            ["keys", "new", "--department", "scjgj", "--label", "X", "--valid-until", "2019-01-01"],
            id="valid-until",
        ),
        pytest.param(
            [
                "keys",
                "revoke",
                SCJGJ_KEYID[:8],
                "--reason",
                "compromised",
                "--compromised-since",
                "2030-01-01",
            ],
            id="compromised-since",
        ),
    ],
)
def test_bad_option_values_give_a_message_not_a_traceback(content: Path, args: list[str]) -> None:
    result = run(*args)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "says what is wrong"
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml"]


# ---------------------------------------------------------------------------
# Passphrases


def test_an_encrypted_key(content: Path) -> None:
    out = content.parent / "private" / "enc.json"
    secret = {PASSPHRASE_ENV: "正确的口令 correct horse"}
    lines = ok(
        "keys",
        "new",
        "--department",
        "scjgj",
        "--label",
        "加密密钥",
        "--valid-from",
        "2020-01-01",
        "--passphrase",
        "--out",
        str(out),
        env=secret,
    )
    assert lines[0] == f"私钥 / private key: {out} (mode 0600, encrypted)"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["private"]["encryption"] == "argon2id-xsalsa20poly1305"
    assert sorted(doc["private"]) == ["box", "encryption", "memlimit", "opslimit", "salt"]
    keyid = doc["keyid"]

    record = content / "departments" / "scjgj.yaml"
    before = record.read_bytes()
    rel = "content/departments/scjgj.yaml"
    result = run("sign", rel, "--key", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误 / error: {out}: the key is encrypted; give its passphrase (--passphrase)\n"
    )
    result = run("sign", rel, "--key", str(out), "--passphrase", env={PASSPHRASE_ENV: "错的"})
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"错误 / error: {out}: wrong passphrase (or the encrypted key is damaged)\n"
    )
    assert record.read_bytes() == before

    assert ok("sign", rel, "--key", str(out), "--passphrase", env=secret) == [
        f"{rel}: signed (加密密钥, {keyid[:16]})"
    ]
    loaded, _ = load_record_file(record)
    assert loaded is not None
    assert loaded.signatures is not None
    assert [s["keyid"] for s in loaded.signatures] == [SCJGJ_KEYID, keyid]


# ---------------------------------------------------------------------------
# keys list


def test_keys_list(content: Path) -> None:
    lines = ok("keys", "list")
    assert len(lines) == 1 + 2 * 13
    assert lines[:5] == [
        "content/keys/v1.yaml (version 1, 已签名 signed)",
        "  663351e024a548a4  示例县市场监督管理局旧发布密钥（示例，已更换）  [department: scjgj]  "
        "2015-01-01..2025-12-31  已更换 superseded on 2022-06-30",
        "                    kinds: department, checklist-item, target-registry, "
        "inspector-registry, plan, result",
        f"  906ddebd45f929a2  {SCJGJ}  [department: scjgj]  2015-01-01..2030-12-31  有效 active",
        "                    kinds: department, checklist-item, target-registry, "
        "inspector-registry, plan, result, draw, void",
    ]
    witnesses = [line for line in lines if "[witness:" in line]
    assert witnesses[0].endswith(
        "示例县公证处见证密钥（示例）  [witness: 公证处]  2022-01-01..2030-12-31  有效 active"
    )
    assert len(witnesses) == 4


def test_keys_list_shows_a_draft_and_future_and_expired_keys(content: Path) -> None:
    for label, start, end in [
        ("未来密钥", "2025-01-01", "2030-12-31"),
        ("过期密钥", "2015-01-01", "2020-12-31"),
    ]:
        ok(
            "keys",
            "new",
            "--department",
            "scjgj",
            "--label",
            label,
            "--valid-from",
            start,
            "--valid-until",
            end,
            "--out",
            str(content.parent / f"{label}.json"),
        )
    lines = ok("keys", "list")
    assert lines[0] == "content/keys/v2.yaml (version 2, 草稿 unsigned draft)"
    assert lines[-4].endswith(
        "未来密钥  [department: scjgj]  2025-01-01..2030-12-31  未生效 from 2025-01-01"
    )
    assert lines[-2].endswith(
        "过期密钥  [department: scjgj]  2015-01-01..2020-12-31  已过期 expired 2020-12-31"
    )


# ---------------------------------------------------------------------------
# keys revoke


def test_keys_revoke_superseded(content: Path) -> None:
    lines = ok("keys", "revoke", SCJGJ_KEYID[:8], "--reason", "superseded", "--at", "2024-06-30")
    assert lines == [
        f"已吊销 / revoked: {SCJGJ} (superseded) in content/keys/v2.yaml",
        "下一步 / next: gongkai sign content/keys/v2.yaml --key ROOT_KEY",
    ]
    v2, _ = registry_data(content / "keys" / "v2.yaml")
    (entry,) = [k for k in v2["keys"] if k["keyid"] == SCJGJ_KEYID]
    assert entry["revocation"] == {"at": "2024-06-30", "reason": "superseded"}
    assert (
        f"  906ddebd45f929a2  {SCJGJ}  [department: scjgj]  2015-01-01..2030-12-31  "
        "已更换 superseded on 2024-06-30" in ok("keys", "list")
    )

    again = run("keys", "revoke", SCJGJ, "--reason", "superseded")
    assert again.exit_code == 1
    assert again.stderr == f"错误 / error: key '{SCJGJ}' is already revoked\n"

    sign_registry(2)
    code, lines = verify()
    assert code == 0, lines  # every record of the demo is dated before 2024-06-30


def test_keys_revoke_compromised_needs_compromised_since(content: Path) -> None:
    result = run("keys", "revoke", SCJGJ_KEYID[:8], "--reason", "compromised")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: 泄露须指定 --compromised-since / a compromised key needs --compromised-since"
    )
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml"]


def test_keys_revoke_compromised(content: Path) -> None:
    ok(
        "keys",
        "revoke",
        SCJGJ,
        "--reason",
        "compromised",
        "--compromised-since",
        "2023-01-10",
    )
    v2, _ = registry_data(content / "keys" / "v2.yaml")
    (entry,) = [k for k in v2["keys"] if k["keyid"] == SCJGJ_KEYID]
    assert entry["revocation"] == {
        "at": TODAY,
        "reason": "compromised",
        "compromised_since": "2023-01-10",
    }
    assert any(line.endswith("已泄露 compromised since 2023-01-10") for line in ok("keys", "list"))

    sign_registry(2)
    code, lines = verify()
    assert code == 1
    assert any(
        re.fullmatch(r"  \d+\. content/plans/2023/SJX-2023/v1\.yaml: signatures\[0\]: key .*", line)
        and line.endswith(
            f"'{SCJGJ}' is compromised since 2023-01-10; 入日志 2023-01-16 / entered the log on "
            "2023-01-16"
        )
        for line in lines
    )
    dept = next(
        i
        for i, line in enumerate(lines)
        if re.fullmatch(r"  \d+\. \[通过 pass\] content/departments/scjgj\.yaml: .*", line)
        and line.endswith(f"signed by {SCJGJ} (入日志 2023-01-03 / entered the log on 2023-01-03)")
    )
    assert lines[dept + 1] == (
        f"      ! key '{SCJGJ}' was later reported compromised (since 2023-01-10); "
        "this signature is from before that: 入日志 2023-01-03 / entered the log on 2023-01-03"
    )
    # the same two checks are the examples of docs/verify-json.md
    result = run("verify", "--json", "--at", TODAY)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    doc = (REPO / "docs" / "verify-json.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", doc, re.DOTALL)]
    by_subject = {c["subject"]: c for c in report["checks"]}
    for block in blocks[1:3]:  # the same checks, whatever their numbers
        check = by_subject[block["subject"]]
        assert {k: v for k, v in check.items() if k != "id"} == {
            k: v for k, v in block.items() if k != "id"
        }
    assert report["summary"]["fail"] == sum(c["status"] == "fail" for c in report["checks"]) > 0
    assert report["summary"]["warnings"] == 4


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ffff", "no key matches 'ffff' (give more of its keyid)"),
        ("", "more than one key matches '' (give more of its keyid)"),
    ],
)
def test_keys_revoke_an_unknown_or_ambiguous_key(content: Path, key: str, message: str) -> None:
    result = run("keys", "revoke", key, "--reason", "superseded")
    assert result.exit_code == 1
    assert result.stderr == f"错误 / error: {message}\n"


# ---------------------------------------------------------------------------
# keys rotate


def test_keys_rotate(content: Path) -> None:
    out = content.parent / "private" / "rotated.json"
    lines = ok("keys", "rotate", SCJGJ_KEYID[:12], "--label", "新发布密钥", "--out", str(out))
    key = read_key_file(out)
    assert lines == [
        f"新私钥 / new private key: {out}",
        f"新 keyid / new keyid: {key.keyid}; 旧密钥已标记更换 / old key superseded: {SCJGJ}",
        "下一步 / next: gongkai sign content/keys/v2.yaml --key ROOT_KEY",
    ]
    assert sorted(p.name for p in (content / "keys").iterdir()) == ["v1.yaml", "v2.yaml"]
    v2, _ = registry_data(content / "keys" / "v2.yaml")
    old = next(k for k in v2["keys"] if k["keyid"] == SCJGJ_KEYID)
    assert old["revocation"] == {"at": TODAY, "reason": "superseded"}
    assert v2["keys"][-1] == {
        "keyid": key.keyid,
        "public": key.public,
        "label": "新发布密钥",
        "role": "department",
        "department": "scjgj",
        "kinds": old["kinds"],
        "valid_from": TODAY,
        "valid_until": "2030-12-31",
    }

    sign_registry(2)
    code, lines = verify()
    assert code == 0, lines  # what the old key signed before today still verifies

    record = content / "departments" / "scjgj.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace('published_on: "2023-01-03"', 'published_on: "2024-01-02"'))
    resign(record, out)
    code, lines = verify()
    assert code == 0, lines
    assert (  # changed, so not in the log yet: judged as of today
        "  49. [通过 pass] content/departments/scjgj.yaml: signed by 新发布密钥 "
        f"(尚未入日志，按今天判断 / not in the log yet, judged as of today ({TODAY}))"
    ) in lines

    resign(record, TEST_KEYS / "dept-scjgj.json")
    code, lines = verify()
    assert code == 1
    assert lines[1] == (
        f"  49. content/departments/scjgj.yaml: signatures[0]: key '{SCJGJ}' was revoked on "
        f"{TODAY} (superseded); 尚未入日志，按今天判断 / not in the log yet, judged as of today "
        f"({TODAY})"
    )


# ---------------------------------------------------------------------------
# gongkai sign


def test_sign_turns_a_draft_into_an_envelope(content: Path) -> None:
    record = content / "departments" / "wlj.yaml"
    loaded, _ = load_record_file(record)
    assert loaded is not None
    text = record.read_text(encoding="utf-8")
    body = text[text.index("signed:\n") + len("signed:\n") : text.index("signatures:")]
    draft = "# 草稿\n" + "".join(line[2:] for line in body.splitlines(keepends=True))
    record.write_text(draft, encoding="utf-8")
    code, lines = verify()
    assert code == 1
    assert (
        "content/departments/wlj.yaml: not signed (an unsigned draft cannot be published)"
        in lines[1]
    )
    key = TEST_KEYS / "dept-wlj.json"
    who = f"({read_key_file(key).label}, {read_key_file(key).keyid[:16]})"
    rel = "content/departments/wlj.yaml"
    assert ok("sign", rel, "--key", str(key)) == [f"{rel}: signed {who}"]
    assert ok("sign", rel, "--key", str(key)) == [f"{rel}: already signed by this key {who}"]
    signed, _ = load_record_file(record)
    assert signed is not None
    assert signed.signed == loaded.signed
    assert record.read_text(encoding="utf-8").startswith(
        "# 草稿\nsigned:\n  _type: department/v1\n"
    )
    assert verify()[0] == 0


def test_signing_an_edited_record_again_does_not_claim_success(content: Path) -> None:
    record = content / "departments" / "scjgj.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("short_name: 县市场监管局", "short_name: 县市场监督局"))
    result = run(
        "sign", "content/departments/scjgj.yaml", "--key", str(TEST_KEYS / "dept-scjgj.json")
    )
    assert result.exit_code != 0 or verify()[0] == 0, result.stdout


def test_a_corrupt_key_file_gives_a_message(content: Path) -> None:
    doc = json.loads((TEST_KEYS / "dept-scjgj.json").read_text(encoding="utf-8"))
    doc["private"]["seed"] = "zz"
    bad = content.parent / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = run("sign", "content/departments/scjgj.yaml", "--key", str(bad))
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误 / error: {bad}: ")


def test_a_key_file_that_is_not_one(content: Path) -> None:
    bad = content.parent / "notakey.json"
    bad.write_text("not json", encoding="utf-8")
    result = run("sign", "content/departments/scjgj.yaml", "--key", str(bad))
    assert result.exit_code == 1
    assert result.stderr == f"错误 / error: {bad}: not a gongkai key file (not JSON)\n"
    bad.write_text('{"format": "other"}', encoding="utf-8")
    result = run("sign", "content/departments/scjgj.yaml", "--key", str(bad))
    assert result.stderr == (
        f"错误 / error: {bad}: not a gongkai key file (format is not 'gongkai-private-key')\n"
    )
    assert os.environ.get(PASSPHRASE_ENV) is None
