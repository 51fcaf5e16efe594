"""``gongkai log …`` on the demo log and on logs that were truncated, reordered,
rewritten, forked or signed by the wrong key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.checkpoint import parse_checkpoint, sign_checkpoint
from generator.cli import main
from generator.demo_signing import sign_file
from generator.keyfile import read_key_file
from generator.logfiles import log_times, read_log, write_log
from generator.merkle import Tree, bundle, leaf_hash, verify_inclusion
from generator.models import Root
from generator.tlog import LogError, Published, decode_entry
from tests.conftest import CONTENT, FIXTURES, REPO

KEYS = FIXTURES / "test-keys"
LOG_KEY = KEYS / "log-1.json"
ORIGIN = "sjx.gongkai.example/log"
BUNDLE = "log/tile/entries/000.p/72"
PASS_LINE = "结论 / verdict: 通过 PASS — 11 pass, 0 fail, 0 not checked"


@pytest.fixture(autouse=True)
def state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test remembers checkpoints in its own directory, never ~/.local/state."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("GONGKAI_STATE_DIR", str(state))
    return state


@pytest.fixture
def here(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo content, as the working directory's content/."""
    monkeypatch.chdir(content_copy.parent)
    return content_copy


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def _raw(content: Path) -> list[bytes]:
    return read_log(content / "log").raw


def _resign(content: Path, raw: list[bytes], key: Path = LOG_KEY) -> str:
    """Rewrite the log as a dishonest operator holding ``key`` would: these entries,
    a checkpoint signed for them."""
    seed = read_key_file(key).seed
    text = sign_checkpoint(ORIGIN, len(raw), Tree([leaf_hash(r) for r in raw]).root(), [seed])
    shutil.rmtree(content / "log")
    write_log(content / "log", raw, text)
    return text


def _with_time(raw: bytes, logged_at: str) -> bytes:
    entry = decode_entry(raw)
    return (
        Published("", entry.type, entry.id, entry.version, entry.payload_sha256, entry.keyids, "")
        .entry(logged_at)
        .encode()
    )


def _new_department(content: Path) -> Path:
    """A new signed record: another department, signed with a department's TEST key."""
    text = (content / "departments" / "wlj.yaml").read_text(encoding="utf-8")
    body = text.split("signatures:")[0].replace("signed:\n", "").replace("\n  ", "\n")
    body = body.replace("id: wlj", "id: wlj2").replace(
        'published_on: "2023-01-03"', 'published_on: "2024-03-01"'
    )
    path = content / "departments" / "wlj2.yaml"
    path.write_text(body, encoding="utf-8")
    sign_file(path, [read_key_file(KEYS / "dept-wlj.json")])
    return path


def _verify() -> tuple[int, str]:
    code, out, err = run("log", "verify")
    assert err == ""
    return code, out


# ---------------------------------------------------------------------------
# The demo log


def test_the_demo_log_verifies_and_is_remembered(
    monkeypatch: pytest.MonkeyPatch, state_dir: Path
) -> None:
    monkeypatch.chdir(REPO)
    code, out = _verify()
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "全部检查 / all checks:"
    assert lines[3] == (
        "  3. [通过 pass] content/root/1.yaml (log): 日志 / log sjx.gongkai.example/log: 1 key(s), "
        "threshold 1: sjx.gongkai.example/log+722ca7ce+AQT2LX2UPGh/Pe9ji2eYonkN4wVXyiRP40OTyQihcqg3"
    )
    assert "  9. [通过 pass] records → log: 全部 72 条已签名记录都在日志中" in out
    assert "首次见到这个日志，记住当前检查点" in out
    assert lines[-2] == PASS_LINE
    remembered = json.loads((state_dir / "checkpoints.json").read_text(encoding="utf-8"))
    assert remembered["logs"][ORIGIN]["checkpoint"] == (CONTENT / "log" / "checkpoint").read_text(
        encoding="utf-8"
    )
    code, out = _verify()
    assert code == 0
    assert "两份检查点是同一棵树（72 条）/ the same tree (72 entries)" in out


def test_no_remember_neither_reads_nor_writes_thestate_dir(
    monkeypatch: pytest.MonkeyPatch, state_dir: Path
) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run("log", "verify", "--no-remember")
    assert code == 0
    assert "verdict: 通过 PASS — 10 pass" in out
    assert not (state_dir / "checkpoints.json").exists()


def test_prove_prints_an_inclusion_proof_that_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = run("log", "prove", "content/plans/2023/SJX-2023/v1.yaml")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "记录 / record: content/plans/2023/SJX-2023/v1.yaml (plan/v1 SJX-2023 v1)"
    assert lines[2] == "进入日志 / entered the log: 2023-01-16T09:00:00+08:00"
    assert lines[3:5] == ["序号 / index: 53", "日志大小 / tree size: 72"]
    assert lines[6] == "审计路径 / audit path (7 hashes):"
    entry = lines[1].removeprefix("条目 / entry: ").encode()
    path = [bytes.fromhex(h.strip()) for h in lines[7:14]]
    cp = parse_checkpoint((CONTENT / "log" / "checkpoint").read_text(encoding="utf-8"))
    verify_inclusion(53, 72, leaf_hash(entry), path, cp.root)
    assert lines[-1].startswith("已核验")


def test_prove_refuses_a_record_that_is_not_in_the_log(here: Path) -> None:
    _new_department(here)
    code, _, err = run("log", "prove", "content/departments/wlj2.yaml")
    assert code == 1
    assert err == (
        "错误 / error: content/departments/wlj2.yaml: 记录（按其当前内容和签名）不在日志中 / the "
        "record, as it is now, is not in the log (run gongkai log verify, then gongkai log append)\n"
    )


def test_log_times_are_the_first_entries_days() -> None:
    from generator.content import load_record_file

    times = log_times(CONTENT)
    assert times is not None
    assert (times.entries, len(times.first), times.later) == (72, 72, {})
    plan, _ = load_record_file(CONTENT / "plans" / "2023" / "SJX-2023" / "v1.yaml")
    root, _ = load_record_file(CONTENT / "root" / "1.yaml")
    assert plan is not None
    assert root is not None
    assert isinstance(root.record, Root)
    keyid = plan.signatures[0]["keyid"] if plan.signatures else ""
    assert times.day(plan.digest, keyid) == "2023-01-16"
    assert times.first[root.digest][0] == "2023-01-03"
    assert log_times(CONTENT, root.record) == times


def test_log_times_kept_in_the_record_cache_are_the_same(here: Path) -> None:
    """What each bundle gives is kept by its bytes: a warm read gives the same
    times, a changed bundle is read again, a damaged cache entry is not used."""
    import sqlite3

    from generator import cache

    expected = log_times(here)
    store = cache.open_cache()
    assert store is not None
    try:
        assert log_times(here, None, store) == expected  # cold: fills the cache
        assert store.get_blobs(
            [cache.blob_key(b"log-bundle-times/1", (here / BUNDLE).read_bytes())]
        )
        assert log_times(here, None, store) == expected  # warm
        store.close()
        db = sqlite3.connect(store.path)
        with db:
            db.execute("UPDATE blobs SET value = CAST('[\"00\", []]' AS BLOB)")
        db.close()
        assert log_times(here, None, store) == expected
        raw = _raw(here)
        (here / BUNDLE).write_bytes(bundle([raw[1], raw[0], *raw[2:]]))
        with pytest.raises(LogError, match="the log's entries do not match its checkpoint"):
            log_times(here, None, store)
    finally:
        store.close()


def test_log_times_without_a_log_and_with_a_broken_one(here: Path) -> None:
    from generator.content import load_record_file

    root, _ = load_record_file(here / "root" / "1.yaml")
    assert root is not None
    assert isinstance(root.record, Root)
    bundle_path = here / BUNDLE
    raw = _raw(here)
    bundle_path.write_bytes(bundle([raw[1], raw[0], *raw[2:]]))
    with pytest.raises(LogError, match="the log's entries do not match its checkpoint"):
        log_times(here)
    bundle_path.write_bytes(bundle(raw[:-1]))
    with pytest.raises(LogError, match="the bundle holds 71 entries, the checkpoint counts 72"):
        log_times(here)
    bundle_path.write_bytes(bundle(raw))
    assert log_times(here, root.record) is not None
    with pytest.raises(LogError, match="the root of trust declares no log key"):
        log_times(here, root.record.model_copy(update={"log": None}))
    _resign(here, raw, KEYS / "dept-scjgj.json")
    with pytest.raises(LogError, match="the checkpoint is not signed by a log key"):
        log_times(here, root.record)
    assert log_times(here) is not None  # without a root, the signature is not asked for
    shutil.rmtree(here / "log")
    assert log_times(here) is None


# ---------------------------------------------------------------------------
# Appending


def test_a_new_record_is_missing_until_appended(here: Path, state_dir: Path) -> None:
    assert _verify()[0] == 0
    old = (here / "log" / "checkpoint").read_text(encoding="utf-8")
    (here.parent / "old-checkpoint").write_text(old, encoding="utf-8")
    _new_department(here)
    code, out = _verify()
    assert code == 1
    assert out.splitlines()[1] == (
        "  9. records → log: 1 problem(s): content/departments/wlj2.yaml: 不在日志中 / not in the log"
    )
    code, out, err = run("log", "append", "--key", str(LOG_KEY))
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "已追加 1 条，日志共 73 条。 / Appended 1 entries; the log has 73 (content/log).",
        "检查点 / checkpoint: content/log/checkpoint",
    ]
    assert read_log(here / "log").entries[-1].id == "wlj2"
    assert sorted(
        p.relative_to(here / "log").as_posix() for p in (here / "log").rglob("*") if p.is_file()
    ) == [
        "checkpoint",
        "tile/0/000.p/72",
        "tile/0/000.p/73",
        "tile/entries/000.p/72",
        "tile/entries/000.p/73",
    ]
    code, out = _verify()
    assert code == 0, out
    assert "the newer log (73 entries) extends the older one (72 entries); 一致性证明已核验" in out
    code, out, _ = run("log", "append", "--key", str(LOG_KEY))
    assert code == 0
    assert out.startswith("全部已签名记录都已在日志中，未追加。")
    code, out, err = run("log", "consistency", "old-checkpoint")
    assert code == 0, err
    assert "一致性证明 / consistency proof (RFC 9162, 3 hashes):" in out
    assert out.splitlines()[-1].startswith("已核验 / verified: 新日志（73 条）包含旧日志（72 条）")


def test_append_refuses_a_key_that_is_not_the_log_key(here: Path) -> None:
    _new_department(here)
    code, out, err = run("log", "append", "--key", str(KEYS / "root-1.json"))
    assert code == 1
    assert out == ""
    assert err == (
        "错误 / error: 示例县根密钥一（示例）: 不是根信任声明的日志密钥 / not a log key of the root "
        "of trust (content/root/1.yaml declares 1 log key(s) for sjx.gongkai.example/log)\n"
    )


def test_a_record_changed_after_logging_is_found_and_not_appended(here: Path) -> None:
    path = here / "departments" / "wlj.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("0832-6210007", "0832-6210008"), encoding="utf-8"
    )
    code, out = _verify()
    assert code == 1
    assert (
        "content/departments/wlj.yaml: 进入日志后被改动 / changed after it entered the log" in out
    )
    before = _raw(here)
    code, _, err = run("log", "append", "--key", str(LOG_KEY))
    assert code == 1
    assert (
        "content/departments/wlj.yaml: 记录在进入日志（2023-01-03T09:00:00+08:00）后被改动" in err
    )
    assert _raw(here) == before


# ---------------------------------------------------------------------------
# Logs that misbehave


def test_a_checkpoint_signed_by_a_non_log_key_fails(here: Path) -> None:
    _resign(here, _raw(here), KEYS / "root-1.json")
    code, out = _verify()
    assert code == 1
    fail = out.splitlines()[1]
    assert fail.startswith(
        "  4. content/log/checkpoint: 检查点 / checkpoint: size 72, root 6f922ebb"
    )
    assert fail.endswith(
        "content/log/checkpoint: 检查点没有根信任日志密钥的签名 / the checkpoint is not signed by a "
        "log key of the root of trust (origin sjx.gongkai.example/log); 忽略了其他密钥的签名 / "
        "ignored signature(s) by other keys: sjx.gongkai.example/log 18047c68"
    )
    code, _, err = run("log", "append", "--key", str(LOG_KEY))
    assert code == 1
    assert "the log does not verify, so nothing is appended" in err


def test_a_checkpoint_changed_after_signing_fails(here: Path) -> None:
    cp = here / "log" / "checkpoint"
    cp.write_text(cp.read_text(encoding="utf-8").replace("\n72\n", "\n71\n"), encoding="utf-8")
    code, out = _verify()
    assert code == 1
    assert (
        "a log key's signature does not verify: signature line 1 by log key 722ca7ce does not verify"
        in out
    )


def test_a_truncated_log_fails(here: Path) -> None:
    (here / BUNDLE).write_bytes(bundle(_raw(here)[:71]))
    code, out = _verify()
    assert code == 1
    assert out.splitlines()[1] == (
        "  5. content/log/tile/entries/: 1 problem(s): content/log/tile/entries/000.p/72: 条目包有 71 "
        "条，检查点要求 72 条 / the bundle holds 71 entries, the checkpoint counts 72"
    )
    assert "[未核验 not checked] Merkle tree: 条目不全 / the entries could not all be read" in out


def test_a_bundle_cut_in_the_middle_of_an_entry_fails(here: Path) -> None:
    data = (here / BUNDLE).read_bytes()
    (here / BUNDLE).write_bytes(data[:-10])
    code, out = _verify()
    assert code == 1
    assert "条目包被截断 / bundle cut short: entry 71 is cut short" in out


def test_a_reordered_log_fails(here: Path) -> None:
    raw = _raw(here)
    (here / BUNDLE).write_bytes(bundle([raw[1], raw[0], *raw[2:]]))
    code, out = _verify()
    assert code == 1
    failed = out.split("\n\n")[0]
    assert "  6. Merkle tree: 条目算出的根哈希 / the entries hash to" in failed
    assert "entries were changed, removed, added or reordered" in failed
    assert (
        "  7. content/log/tile/: 1 problem(s): content/log/tile/0/000.p/72: 哈希瓦片与条目算出的树不符"
        in failed
    )


def test_a_missing_hash_tile_and_a_stray_file_fail(here: Path) -> None:
    (here / "log" / "tile" / "0" / "000.p" / "72").unlink()
    (here / "log" / "notes.txt").write_text("hello", encoding="utf-8")
    (here / "log" / "tile" / "0" / "001").write_bytes(b"\x00" * 32)
    code, out = _verify()
    assert code == 1
    assert (
        "  7. content/log/tile/: 3 problem(s): content/log/tile/0/000.p/72: 哈希瓦片缺失 / hash tile "
        "missing; content/log/notes.txt: 不属于日志的文件 / not a file of the log; "
        "content/log/tile/0/001: 超出检查点范围的瓦片 / a tile beyond the checkpoint's tree"
    ) in out


def test_a_shrunk_log_fails_against_the_remembered_checkpoint(here: Path, state_dir: Path) -> None:
    assert _verify()[0] == 0
    remembered = (state_dir / "checkpoints.json").read_bytes()
    shrunk = _resign(here, _raw(here)[:71])
    code, out = _verify()
    assert code == 1
    assert (
        "日志变短了：旧检查点 72 条，新检查点 71 条 / the log shrank: the older checkpoint has 72 "
        "entries, the newer 71"
    ) in out
    evidence = out.split("日志被改写的证据", 1)[1]
    assert (CONTENT / "log" / "checkpoint").read_text(encoding="utf-8").rstrip("\n") in evidence
    assert shrunk.rstrip("\n") in evidence
    assert "records → log: 1 problem(s)" in out
    assert (state_dir / "checkpoints.json").read_bytes() == remembered


def test_a_reordered_and_resigned_log_is_a_split_view(here: Path, state_dir: Path) -> None:
    assert _verify()[0] == 0
    raw = _raw(here)
    forked = _resign(here, [raw[1], raw[0], *raw[2:]])
    code, out = _verify()
    assert code == 1
    assert (
        "同样 72 条却有两个不同的根哈希：分叉视图 / two different roots for the same size 72: a split view"
    ) in out
    evidence = out.split("分叉视图的证据：", 1)[1].splitlines()
    assert evidence[0].startswith("两份检查点都由日志密钥有效签名，条目数相同，根哈希不同。")
    blocks = "\n".join(evidence)
    assert "--- 记住的检查点 / remembered checkpoint (seen " in blocks
    assert "--- 当前检查点 / current checkpoint (content/log/checkpoint)" in blocks
    assert (CONTENT / "log" / "checkpoint").read_text(encoding="utf-8").rstrip("\n") in blocks
    assert forked.rstrip("\n") in blocks


def test_a_rewritten_log_does_not_extend_the_remembered_one(here: Path, state_dir: Path) -> None:
    assert _verify()[0] == 0
    raw = _raw(here)
    new_department = _new_department(here)
    assert new_department.exists()
    rewritten = [_with_time(raw[0], "2021-12-31T09:00:00+08:00"), *raw[1:]]
    _resign(here, rewritten)
    code, out, _ = run("log", "append", "--key", str(LOG_KEY))
    assert code == 0
    code, out = _verify()
    assert code == 1
    assert "the newer log does not extend the older one" in out
    assert "新日志前若干条的根哈希 / root of the newer log at the older size: " in out
    code, out, _ = run("log", "consistency", str(REPO / "content" / "log" / "checkpoint"))
    assert code == 1
    assert out.splitlines()[2].startswith("日志被改写的证据：")
    assert "--- 旧 / older: " in out
    assert "--- 新 / newer: content/log/checkpoint" in out


def test_consistency_refuses_a_checkpoint_of_another_key(here: Path) -> None:
    other = here.parent / "other-checkpoint"
    seed = read_key_file(KEYS / "root-2.json").seed
    other.write_text(sign_checkpoint(ORIGIN, 3, bytes(32), [seed]), encoding="utf-8")
    code, out, err = run("log", "consistency", "other-checkpoint")
    assert code == 1
    assert out == ""
    assert err.startswith(
        "错误 / error: other-checkpoint: 检查点没有根信任日志密钥的签名 / the checkpoint is not "
        "signed by a log key of the root of trust"
    )


def test_consistency_cannot_decide_without_the_newer_tree(here: Path) -> None:
    seed = read_key_file(LOG_KEY).seed
    (here.parent / "old").write_text(
        sign_checkpoint(ORIGIN, 3, bytes(32), [seed]), encoding="utf-8"
    )
    (here.parent / "new").write_text(
        sign_checkpoint(ORIGIN, 90, bytes(32), [seed]), encoding="utf-8"
    )
    code, _, err = run("log", "consistency", "old", "new")
    assert code == 1
    assert err.startswith(
        "错误 / error: 无法判断 / cannot decide: 本地日志不含新检查点的树（90 条）"
    )


def test_an_unreadable_checkpoint_or_state_names_the_file(here: Path, state_dir: Path) -> None:
    (state_dir / "checkpoints.json").write_text("{", encoding="utf-8")
    code, _, err = run("log", "verify")
    assert code == 1
    assert err.startswith(
        f"错误 / error: {state_dir / 'checkpoints.json'}: 本机记住的检查点文件已损坏"
    )
    (here / "log" / "checkpoint").write_text("not a checkpoint\n", encoding="utf-8")
    code, _, err = run("log", "verify", "--no-remember")
    assert code == 1
    assert err == (
        "错误 / error: content/log/checkpoint: 不是检查点 / not a checkpoint: no blank line "
        "between the note text and its signatures\n"
    )


def test_verify_without_a_log_says_so(here: Path) -> None:
    shutil.rmtree(here / "log")
    code, out = _verify()
    assert code == 1
    assert "content/log/checkpoint: 没有日志（运行 gongkai log append）/ no log yet" in out


# ---------------------------------------------------------------------------
# The files of the log (C2SP tlog-tiles)


def _entries(n: int) -> list[bytes]:
    return [
        Published("", "plan/v1", f"P-{i}", 1, "a" * 64, (), "")
        .entry("2024-01-01T09:00:00+08:00")
        .encode()
        for i in range(n)
    ]


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def _write(directory: Path, raw: list[bytes]) -> None:
    seed = read_key_file(LOG_KEY).seed
    text = sign_checkpoint(ORIGIN, len(raw), Tree([leaf_hash(r) for r in raw]).root(), [seed])
    write_log(directory, raw, text)


def test_tiles_round_trip_as_the_log_grows(tmp_path: Path) -> None:
    directory = tmp_path / "log"
    raw = _entries(300)
    for size in (5, 7):
        _write(directory, raw[:size])
        log = read_log(directory)
        assert (log.raw, log.root_matches, log.tile_problems, log.entry_problems) == (
            raw[:size],
            True,
            [],
            [],
        )
    assert _files(directory) == [
        "checkpoint",
        "tile/0/000.p/5",
        "tile/0/000.p/7",
        "tile/entries/000.p/5",
        "tile/entries/000.p/7",
    ]
    _write(directory, raw)
    assert _files(directory) == [
        "checkpoint",
        "tile/0/000",
        "tile/0/001.p/44",
        "tile/1/000.p/1",
        "tile/entries/000",
        "tile/entries/001.p/44",
    ]
    log = read_log(directory)
    assert (log.raw, log.root_matches, log.tile_problems) == (raw, True, [])
    assert (directory / "tile/1/000.p/1").read_bytes() == Tree(
        [leaf_hash(r) for r in raw[:256]]
    ).root()


def test_an_earlier_partial_tile_must_agree_with_the_tree(tmp_path: Path) -> None:
    directory = tmp_path / "log"
    raw = _entries(9)
    _write(directory, raw[:5])
    _write(directory, raw)
    (directory / "tile/0/000.p/5").write_bytes(b"\x00" * 160)
    (directory / "tile/entries/000.p/5").write_bytes(bundle(raw[1:6]))
    assert [f.message for f in read_log(directory).tile_problems] == [
        "较早的部分瓦片与当前的树不符 / an earlier partial tile disagrees with the tree"
    ] * 2


def test_new_key_writes_a_private_key_and_prints_the_root_block(tmp_path: Path) -> None:
    out = tmp_path / "keys" / "log.json"
    code, text, err = run(
        "log", "new-key", "--origin", "example.gov.cn/log", "--label", "日志密钥", "--out", str(out)
    )
    assert code == 0, err
    key = read_key_file(out)
    assert out.stat().st_mode & 0o777 == 0o600
    lines = text.splitlines()
    assert lines[1].startswith("签名笔记密钥 / signed-note verifier key: example.gov.cn/log+")
    assert lines[3:] == [
        "  log:",
        "    origin: example.gov.cn/log",
        "    keys:",
        f'      - "{key.public}"',
        "    threshold: 1",
    ]
    from generator.models import LogRole

    LogRole.model_validate({"origin": "example.gov.cn/log", "keys": [key.public], "threshold": 1})
    code, _, err = run(
        "log", "new-key", "--origin", "示例县/日志", "--label", "x", "--out", str(tmp_path / "k")
    )
    assert code == 2
    assert "printable ASCII without spaces or '+'" in err


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ({"origin": "a b", "keys": ["a" * 64], "threshold": 1}, "origin"),
        ({"origin": "a+b", "keys": ["a" * 64], "threshold": 1}, "origin"),
        ({"origin": "a/b", "keys": ["a" * 64, "a" * 64], "threshold": 1}, "listed twice"),
        ({"origin": "a/b", "keys": ["a" * 64], "threshold": 2}, "more signatures required"),
        ({"origin": "a/b", "keys": [], "threshold": 1}, "keys"),
    ],
)
def test_the_roots_log_role_is_checked(role: dict[str, object], message: str) -> None:
    from pydantic import ValidationError

    from generator.models import LogRole

    with pytest.raises(ValidationError, match=message):
        LogRole.model_validate(role)
