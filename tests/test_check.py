"""``gongkai check --base REF`` in real temporary git repositories.

The base is the demo content (content/ and site_config/) committed on ``main``; each
test changes the working tree as a pull request would (records signed with the TEST
keys of tests/fixtures/test-keys, the log appended with the TEST log key) and runs the
command through click's CliRunner.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.checkpoint import sign_checkpoint
from generator.cli import main
from generator.content import load_record_file
from generator.demo_signing import sign_file, signing_keys_for, write_demo_log
from generator.keyfile import read_key_file
from generator.logfiles import read_log, write_log
from generator.merkle import Tree, leaf_hash
from generator.yamlwrite import dump_yaml
from tests.conftest import CONTENT, FIXTURES, SITE_CONFIG

KEYS = FIXTURES / "test-keys"
LOG_KEY = KEYS / "log-1.json"
ORIGIN = "sjx.gongkai.example/log"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "gongkai test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "gongkai test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
C5_RULE = "已发布（已签名）的记录文件不得修改、删除或移动"
C6_RULE = "新日志须是基准日志的延续"
C7_RULE = "每条新的已签名记录须按其当前内容和签名记入日志"
C8_RULE = "每项任务只能有一次有效摇号"


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def make_repo(where: Path, prepare: Callable[[Path], None] | None = None) -> Path:
    """A git repository holding a copy of the demo content, committed on main."""
    where.mkdir(parents=True)
    shutil.copytree(CONTENT, where / "content")
    shutil.copytree(SITE_CONFIG, where / "site_config")
    if prepare is not None:
        prepare(where / "content")
    git(where, "init", "-q", "-b", "main")
    commit_all(where, "base")
    return where


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One record cache for the module: entries are keyed by the files' bytes only."""
    return tmp_path_factory.mktemp("check-record-cache")


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("check-base") / "repo")


@pytest.fixture
def repo(
    base_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path
) -> Path:
    """A copy of the base repository (with its .git) as the working directory."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(shared_cache))
    dest = tmp_path / "repo"
    shutil.copytree(base_repo, dest, symlinks=True)
    monkeypatch.chdir(dest)
    return dest


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def check_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run("check", "--base", "main", "--json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in doc["checks"]}


def by_id(doc: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in doc["checks"] if c["id"] == cid)


def failed_only(doc: dict[str, Any], *ids: str) -> None:
    """Exactly the checks ``ids`` failed."""
    got = statuses(doc)
    assert {k for k, v in got.items() if v == "fail"} == set(ids), got
    assert doc["verdict"] == ("fail" if ids else "pass")


def sign(path: Path, *names: str) -> None:
    """Sign with these TEST keys, or (none named) as the demo signs: the record's
    department and, for a draw or a void, the notary's witness key."""
    keys = [read_key_file(KEYS / f"{n}.json") for n in names] or signing_keys_for(path, KEYS)
    sign_file(path, keys)


def write_draft(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(data), encoding="utf-8")


def signed_data(path: Path) -> tuple[dict[str, Any], str]:
    loaded, problems = load_record_file(path)
    assert loaded is not None, problems
    assert not problems
    return dict(loaded.signed), loaded.digest


def log_append() -> None:
    code, out, err = run("log", "append", "--key", str(LOG_KEY))
    assert code == 0, out + err


def resign_log(content: Path, raw: list[bytes], key: Path = LOG_KEY) -> None:
    """Rewrite the log as an operator holding ``key`` could: these entries, a checkpoint
    signed for them."""
    seed = read_key_file(key).seed
    text = sign_checkpoint(ORIGIN, len(raw), Tree([leaf_hash(r) for r in raw]).root(), [seed])
    shutil.rmtree(content / "log")
    write_log(content / "log", raw, text)


def new_version_of_item(repo: Path) -> Path:
    """SCJG-001 version 2, superseding version 1, signed by the market regulator."""
    v1 = repo / "content/checklist/scjgj/SCJG-001/v1.yaml"
    data, digest = signed_data(v1)
    data.update(
        version=2,
        supersedes=digest,
        frequency="每年2次",
        effective_from="2024-01-01",
        change_note="抽查频次由每年1次调整为每年2次。",
    )
    v2 = v1.with_name("v2.yaml")
    write_draft(v2, data)
    sign(v2, "dept-scjgj")
    return v2


# ---------------------------------------------------------------------------
# Passing


def test_a_correct_new_version_appended_to_the_log_passes(repo: Path) -> None:
    v2 = new_version_of_item(repo)
    log_append()
    code, doc = check_json()
    assert code == 0
    failed_only(doc)
    assert set(statuses(doc).values()) == {"pass"}
    assert list(statuses(doc)) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"]
    assert doc["base"]["ref"] == "main"
    assert doc["base"]["commit"] == git(repo, "rev-parse", "main").strip()
    assert "新日志（73 条）包含旧日志（72 条）的全部条目且顺序不变" in by_id(doc, "C6")["reason"]
    assert "content/checklist/scjgj/SCJG-001/v2.yaml" in by_id(doc, "C7")["reason"]
    # The demo's own late results are the base's, not this change's.
    assert "项逾期，不属本次修改" in by_id(doc, "C4")["reason"]
    assert v2.is_file()
    # The Markdown summary: the verdict first, then the table.
    code, out, _ = run("check", "--base", "main")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "## gongkai check：拉取请求检查 / pull-request check"
    assert (
        lines[2] == "**结论 / verdict: ✅ 通过：全部 8 项检查通过。 / PASS: all 8 checks passed.**"
    )
    assert "| C5 | 已发布记录未被改动 / nothing published was changed | ✅ 通过 pass |" in out
    assert "| C4 | 公开时限 / publication deadlines | ✅ 通过 pass |" in out
    assert "###" not in out  # no details: nothing failed or went unchecked


def test_the_checkout_index_and_branches_are_left_alone(repo: Path) -> None:
    new_version_of_item(repo)
    log_append()

    def state() -> tuple[set[str], str, str, str]:
        return (
            set(git(repo, "status", "--porcelain").splitlines()),
            git(repo, "branch", "-a"),
            git(repo, "stash", "list"),
            git(repo, "rev-parse", "HEAD"),
        )

    before = state()
    index = (repo / ".git" / "index").read_bytes()
    code, _, _ = run("check", "--base", "main", "--markdown", "check.md")
    assert code == 0
    assert (repo / ".git" / "index").read_bytes() == index
    after = state()
    assert after[0] == before[0] | {"?? check.md"}
    assert after[1:] == before[1:]


def test_markdown_file_and_stdout(repo: Path) -> None:
    code, out, _ = run("check", "--base", "main", "--markdown", "check.md")
    assert code == 0
    assert out.splitlines() == [
        "结论 / verdict: ✅ 通过：全部 8 项检查通过。 / PASS: all 8 checks passed.",
        "摘要已写入 / summary written to check.md",
    ]
    text = (repo / "check.md").read_text(encoding="utf-8")
    assert text.startswith("## gongkai check")
    assert "| C8 | 每项任务一次有效摇号 / one live draw per task | ✅ 通过 pass |" in text


def test_a_co_signature_added_later_is_not_a_change(repo: Path) -> None:
    """A witness may co-sign a published draw later: the record is the same, its file
    gains a signature and the log a further entry."""
    draw = repo / "content/draws/2023/SJX-2023-002-D1/v1.yaml"
    sign(draw, "witness-media")
    code, doc = check_json("--today", "2023-08-29")
    failed_only(doc, "C7")  # not yet in the log with its new signature
    assert "签名与日志中的不同" in by_id(doc, "C7")["findings"][0]["message"]
    log_append()
    code, doc = check_json("--today", "2023-08-29")
    assert code == 0
    failed_only(doc)
    assert "1 条记录只增加了签名" in by_id(doc, "C5")["reason"]
    assert "content/draws/2023/SJX-2023-002-D1/v1.yaml" in by_id(doc, "C5")["reason"]


# ---------------------------------------------------------------------------
# C5: nothing published is modified, deleted or moved


def test_an_edited_published_record_fails(repo: Path) -> None:
    """A department rewrites its published record and signs it again: every signature
    verifies, but the file is not the one that was published."""
    path = repo / "content/departments/wlj.yaml"
    data, _ = signed_data(path)
    data["name"] = data["name"] + "（改）"
    write_draft(path, data)
    sign(path, "dept-wlj")
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C5", "C7")
    (finding,) = by_id(doc, "C5")["findings"]
    assert finding["path"] == "content/departments/wlj.yaml"
    assert "已发布的记录被改动" in finding["message"]
    assert by_id(doc, "C5")["rule"].startswith(C5_RULE)
    # The log still holds what was published: the changed record is not in it.
    assert "进入日志后被改动" in by_id(doc, "C7")["findings"][0]["message"]
    code, out, _ = run("check", "--base", "main")
    assert code == 1
    assert "**结论 / verdict: ❌ 未通过：2 项检查失败（C5, C7），不应合并。" in out
    assert f"规则 / rule: {C5_RULE}" in out
    assert "1. `content/departments/wlj.yaml`: 已发布的记录被改动" in out


def test_an_edited_comment_in_a_published_file_fails(repo: Path) -> None:
    path = repo / "content/departments/wlj.yaml"
    path.write_text("# edited\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C5")
    assert "签名内容未变，但文件字节不同" in by_id(doc, "C5")["findings"][0]["message"]


def test_a_deleted_record_fails(repo: Path) -> None:
    (repo / "content/results/2023/SJX-2023-006-R2/v1.yaml").unlink()
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C5")
    (finding,) = by_id(doc, "C5")["findings"]
    assert finding["path"] == "content/results/2023/SJX-2023-006-R2/v1.yaml"
    assert finding["message"].startswith("已发布的记录被删除 / the published record was deleted")


def test_a_moved_record_is_named_with_where_it_went(repo: Path) -> None:
    old = repo / "content/results/2023/SJX-2023-006-R2/v1.yaml"
    new = repo / "content/results/2024/SJX-2023-006-R2/v1.yaml"
    new.parent.mkdir(parents=True)
    old.rename(new)
    code, doc = check_json()
    assert code == 1
    assert statuses(doc)["C5"] == "fail"
    (finding,) = by_id(doc, "C5")["findings"]
    assert finding["path"] == "content/results/2023/SJX-2023-006-R2/v1.yaml"
    assert "被移动到 content/results/2024/SJX-2023-006-R2/v1.yaml（内容相同）" in finding["message"]


def test_the_data_of_a_signed_registry_is_published_too(repo: Path) -> None:
    csv = repo / "content/registries/targets/sjx-targets/v1.csv"
    csv.write_bytes(csv.read_bytes() + b"\n")
    code, doc = check_json()
    assert code == 1
    assert statuses(doc)["C5"] == "fail"
    (finding,) = by_id(doc, "C5")["findings"]
    assert finding["path"] == "content/registries/targets/sjx-targets/v1.csv"
    assert (
        "已签名清单 content/registries/targets/sjx-targets/v1.yaml 的数据文件被改动"
        in (finding["message"])
    )


def test_an_unsigned_draft_is_not_published(repo: Path) -> None:
    """A draft committed on main is not published: changing it is no C5 failure (C2
    still refuses to merge an unsigned draft)."""
    draft = repo / "content/checklist/scjgj/SCJG-001/v2.yaml"
    data, digest = signed_data(repo / "content/checklist/scjgj/SCJG-001/v1.yaml")
    data.update(version=2, supersedes=digest, effective_from="2024-01-01", change_note="草稿。")
    write_draft(draft, data)
    commit_all(repo, "a draft")
    data["change_note"] = "草稿，已修改。"
    write_draft(draft, data)
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C2")
    assert by_id(doc, "C2")["findings"] == [
        {
            "path": "content/checklist/scjgj/SCJG-001/v2.yaml",
            "line": 0,
            "col": 0,
            "field": "",
            "column": "",
            "message": "not signed (an unsigned draft cannot be published)",
        }
    ]
    assert "1 个有变化，其中 0 个已发布" in by_id(doc, "C5")["reason"]


# ---------------------------------------------------------------------------
# C6: the log only grew; C7: every new record is in it


def test_a_truncated_log_fails(repo: Path) -> None:
    content = repo / "content"
    resign_log(content, read_log(content / "log").raw[:-1])
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C6")
    c6 = by_id(doc, "C6")
    assert "日志变短了：旧检查点 72 条，新检查点 71 条" in c6["reason"]
    assert c6["findings"][0]["path"] == "content/log/checkpoint"
    assert any(
        line.startswith("--- 基准 / base: main:content/log/checkpoint") for line in c6["evidence"]
    )
    code, out, _ = run("check", "--base", "main")
    assert f"规则 / rule: {C6_RULE}" in out
    assert "```text\n日志被改写的证据" in out


def test_a_reordered_log_fails(repo: Path) -> None:
    content = repo / "content"
    raw = read_log(content / "log").raw
    resign_log(content, [raw[1], raw[0], *raw[2:]])
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C6")
    assert "分叉视图" in by_id(doc, "C6")["reason"]


def test_a_reordered_log_under_the_old_checkpoint_fails(repo: Path) -> None:
    """Entries swapped in the bundle, the checkpoint left as it was."""
    content = repo / "content"
    log = read_log(content / "log")
    write_log(content / "log", [log.raw[1], log.raw[0], *log.raw[2:]], log.checkpoint_text)
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C2", "C6")  # without log times, the old key expired in 2025: C2 too
    assert "与检查点不符" in by_id(doc, "C6")["reason"]


def test_a_checkpoint_signed_by_a_non_log_key_fails(repo: Path) -> None:
    new_version_of_item(repo)
    log_append()
    content = repo / "content"
    resign_log(content, read_log(content / "log").raw, KEYS / "root-1.json")
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C2", "C6")  # without log times, the old key expired in 2025: C2 too
    (finding,) = by_id(doc, "C6")["findings"]
    assert finding["path"] == "content/log/checkpoint"
    assert "检查点没有根信任日志密钥的签名" in finding["message"]


def test_a_deleted_log_fails(repo: Path) -> None:
    shutil.rmtree(repo / "content" / "log")
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C2", "C6")  # without log times, the old key expired in 2025: C2 too
    assert by_id(doc, "C6")["reason"] == "透明日志被删除 / the transparency log was deleted"


def test_a_new_record_missing_from_the_log_fails(repo: Path) -> None:
    v2 = new_version_of_item(repo)
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C7")
    (finding,) = by_id(doc, "C7")["findings"]
    assert finding["path"] == "content/checklist/scjgj/SCJG-001/v2.yaml"
    assert finding["message"] == "不在日志中 / not in the log"
    assert by_id(doc, "C7")["rule"].startswith(C7_RULE)
    assert v2.is_file()


# ---------------------------------------------------------------------------
# C4: the time limits of what the change adds


def test_a_late_result_fails(undrawn: Path) -> None:
    """Task 006 drawn, then its first results published: two entries more than 20
    working days after the inspection (R1; the National Day holiday is not counted)."""
    shutil.copytree(
        CONTENT / "draws/2023/SJX-2023-006-D1", undrawn / "content/draws/2023/SJX-2023-006-D1"
    )
    commit_all(undrawn, "draw 006")
    result = "content/results/2023/SJX-2023-006-R1/v1.yaml"
    shutil.copytree(CONTENT / "results/2023/SJX-2023-006-R1", undrawn / Path(result).parent)
    log_append()
    code, doc = check_json("--today", "2023-10-31")
    assert code == 1
    failed_only(doc, "C4")
    c4 = by_id(doc, "C4")
    assert [f["path"] for f in c4["findings"]] == [result] * 2
    assert [f["field"] for f in c4["findings"]] == [f"entries[{i}].completed_on" for i in (2, 4)]
    assert c4["findings"][0]["message"].startswith(
        "[R1] 逾期 8 个工作日公示：检查完成于 2023-09-17，应于 2023-10-19 前公示"
    )
    assert all(f["message"].startswith("[R1] 逾期") for f in c4["findings"]), c4["findings"]
    assert "R1 检查结果自检查完成之日起 20 个工作日内公示" in c4["rule"]
    code, out, _ = run("check", "--base", "main", "--today", "2023-10-31")
    assert f"1. `{result}:" in out


def test_results_still_owed_after_the_window_fail(undrawn: Path) -> None:
    """A draw published when its task's results are already overdue (R4)."""
    target = undrawn / DRAW_006
    target.parent.mkdir(parents=True)
    shutil.copy(CONTENT.parent / DRAW_006, target)
    log_append()
    code, doc = check_json("--today", "2024-06-03")
    assert code == 1
    failed_only(doc, "C4")
    (finding,) = by_id(doc, "C4")["findings"]
    assert finding["path"] == DRAW_006
    assert finding["message"].startswith("[R4]")


def _late_plan(repo: Path, adjustments: list[dict[str, str]]) -> Path:
    v1 = repo / "content/plans/2023/SJX-2023/v1.yaml"
    data, digest = signed_data(v1)
    data.update(version=2, supersedes=digest, published_on="2023-03-01", adjustments=adjustments)
    v2 = v1.with_name("v2.yaml")
    write_draft(v2, data)
    sign(v2)
    log_append()
    return v2


def test_a_plan_after_31_january_without_an_adjustment_fails(repo: Path) -> None:
    _late_plan(repo, [])
    code, doc = check_json("--today", "2023-03-01")
    assert code == 1
    failed_only(doc, "C4")
    (finding,) = by_id(doc, "C4")["findings"]
    assert finding["path"] == "content/plans/2023/SJX-2023/v2.yaml"
    assert finding["field"] == "published_on"
    assert finding["message"].startswith("[R2] 逾期 21 个工作日发布")


def test_a_plan_after_31_january_with_a_recorded_adjustment_passes(repo: Path) -> None:
    adjustment = {
        "date": "2023-02-20",
        "reason": "机构改革后重新分工，经县政府同意延期公布。",
        "approval": "示政办函〔2023〕5号",
    }
    _late_plan(repo, [adjustment])
    code, doc = check_json("--today", "2023-03-01")
    assert code == 0, by_id(doc, "C4")
    assert statuses(doc)["C4"] == "pass"


def test_a_missing_calendar_year_fails(repo: Path) -> None:
    (repo / "site_config/calendar/2023.yaml").unlink()
    code, doc = check_json()
    assert code == 1
    failed_only(doc, "C4")
    c4 = by_id(doc, "C4")
    assert c4["reason"].startswith("缺少 2023 年的工作日历，无法计算时限")
    (finding,) = c4["findings"]
    assert finding["path"] == "site_config/calendar/2023.yaml"
    assert "no working-day calendar for 2023" in finding["message"]


def test_results_without_a_start_date_are_not_checked_for_r3(undrawn: Path) -> None:
    """An entry without started_on cannot be checked against R3: not checked, never a pass."""
    shutil.copytree(
        CONTENT / "draws/2023/SJX-2023-006-D1", undrawn / "content/draws/2023/SJX-2023-006-D1"
    )
    commit_all(undrawn, "draw 006")
    v1 = CONTENT / "results/2023/SJX-2023-006-R1/v1.yaml"
    data, _ = signed_data(v1)
    data["entries"] = [e for i, e in enumerate(data["entries"]) if i not in (2, 4)]
    result = undrawn / "content/results/2023/SJX-2023-006-R1/v1.yaml"
    write_draft(result, data)
    sign(result)
    log_append()
    code, doc = check_json("--today", "2023-10-31")
    assert code == 0
    failed_only(doc)
    c4 = by_id(doc, "C4")
    assert c4["status"] == "not checked"
    assert (
        "无逾期，但 5 项无法核查 / no deadline missed, but 5 could not be checked (R3)"
        in c4["reason"]
    )
    (finding,) = c4["findings"]
    assert finding["path"] == "content/results/2023/SJX-2023-006-R1/v1.yaml"
    assert "（本文件共 5 项 / 5 in this file）" in finding["message"]
    assert doc["summary"] == {"pass": 7, "fail": 0, "not checked": 1}


# ---------------------------------------------------------------------------
# C3 and C8: draws


def _without_task_006(content: Path) -> None:
    """The demo before task SJX-2023-006 was drawn: no draw, no results, its log."""
    shutil.rmtree(content / "draws/2023/SJX-2023-006-D1")
    for n in (1, 2):
        shutil.rmtree(content / f"results/2023/SJX-2023-006-R{n}")
    write_demo_log(content, KEYS)


@pytest.fixture(scope="module")
def undrawn_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("check-undrawn") / "repo", _without_task_006)


@pytest.fixture
def undrawn(
    undrawn_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path
) -> Path:
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(shared_cache))
    dest = tmp_path / "repo"
    shutil.copytree(undrawn_repo, dest, symlinks=True)
    monkeypatch.chdir(dest)
    return dest


DRAW_006 = "content/draws/2023/SJX-2023-006-D1/v1.yaml"


def test_a_new_draw_is_re_run(undrawn: Path) -> None:
    target = undrawn / DRAW_006
    target.parent.mkdir(parents=True)
    shutil.copy(CONTENT / "draws/2023/SJX-2023-006-D1/v1.yaml", target)
    log_append()
    code, doc = check_json("--today", "2023-08-28")
    assert code == 0
    failed_only(doc)
    assert statuses(doc)["C4"] == "pass"
    assert by_id(doc, "C3")["reason"].startswith(
        "重跑了 1 次新摇号，结果完全一致 / re-ran 1 new draw(s), identical: SJX-2023-006-D1 "
        f"({DRAW_006})"
    )


def test_a_new_draw_that_does_not_re_run_fails(undrawn: Path) -> None:
    data, _ = signed_data(CONTENT / "draws/2023/SJX-2023-006-D1/v1.yaml")
    first, second = data["visits"][0], data["visits"][1]
    data["visits"] = [second, first, *data["visits"][2:]]
    target = undrawn / DRAW_006
    write_draft(target, data)
    sign(target)
    log_append()
    code, doc = check_json("--today", "2023-08-28")
    assert code == 1
    failed_only(doc, "C3")
    (finding,) = by_id(doc, "C3")["findings"]
    assert finding["path"] == DRAW_006
    assert finding["message"] == (
        "重跑结果与记录不符 / the re-run differs from the published record in: visits"
    )


def test_a_second_draw_for_a_task_without_a_void_fails(repo: Path) -> None:
    data, _ = signed_data(repo / "content/draws/2023/SJX-2023-001-D1/v1.yaml")
    data["id"] = "SJX-2023-001-D2"
    data["drawn_at"] = "2023-08-29T09:00:00+08:00"
    second = repo / "content/draws/2023/SJX-2023-001-D2/v1.yaml"
    write_draft(second, data)
    sign(second, "dept-scjgj", "witness-notary")
    log_append()
    code, doc = check_json()
    assert code == 1
    # validate reports the rule too (C1); the draw is then not re-run (C3).
    failed_only(doc, "C1", "C8")
    assert statuses(doc)["C3"] == "not checked"
    (finding,) = by_id(doc, "C8")["findings"]
    assert finding["path"] == "content/draws/2023/SJX-2023-001-D2/v1.yaml"
    assert finding["field"] == "task"
    assert "a second draw for task SJX-2023-001 without a void of the first" in finding["message"]
    assert by_id(doc, "C8")["rule"].startswith(C8_RULE)


def test_an_unsigned_void_does_not_allow_a_second_draw(repo: Path) -> None:
    """validate counts a draft void (it is well formed); a published check needs it signed."""
    first, _ = signed_data(repo / "content/draws/2023/SJX-2023-001-D1/v1.yaml")
    data = dict(first, id="SJX-2023-001-D2", drawn_at="2023-08-29T09:00:00+08:00")
    second = repo / "content/draws/2023/SJX-2023-001-D2/v1.yaml"
    write_draft(second, data)
    sign(second, "dept-scjgj", "witness-notary")
    void = {
        "_type": "void/v1",
        "id": "SJX-2023-001-D1-V",
        "version": 1,
        "supersedes": None,
        "draw": "SJX-2023-001-D1@1",
        "department": "scjgj",
        "voided_on": "2023-08-29",
        "reason": "摇号现场设备故障，经见证人确认作废。",
    }
    write_draft(repo / "content/voids/2023/SJX-2023-001-D1-V/v1.yaml", void)
    _, doc = check_json()
    assert statuses(doc)["C8"] == "fail", by_id(doc, "C1")
    assert by_id(doc, "C8")["findings"][0]["path"] == "content/draws/2023/SJX-2023-001-D2/v1.yaml"
    sign(repo / "content/voids/2023/SJX-2023-001-D1-V/v1.yaml", "dept-scjgj", "witness-notary")
    _, doc = check_json()
    assert statuses(doc)["C8"] == "pass", by_id(doc, "C8")


# ---------------------------------------------------------------------------
# Unusable input: exit 2, nothing written


def test_a_ref_that_is_not_a_revision_exits_2(repo: Path) -> None:
    for ref in ("no-such-branch", "--help", ""):
        code, out, err = run("check", "--base", ref, "--markdown", "check.md")
        assert code == 2, (ref, out, err)
        assert out == ""
        assert "--base" in err
        assert "不是" in err
        assert not (repo / "check.md").exists()


def test_outside_a_git_repository_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path
) -> None:
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = tmp_path / "plain"
    shutil.copytree(SITE_CONFIG, plain / "site_config")
    (plain / "content").mkdir()
    monkeypatch.chdir(plain)
    code, out, err = run("check", "--base", "main", "--markdown", "check.md")
    assert code == 2
    assert out == ""
    assert err.startswith("错误 / error: content: 不在 git 仓库中 / not inside a git repository")
    assert not (plain / "check.md").exists()


def test_a_base_whose_files_git_cannot_read_exits_2(repo: Path) -> None:
    """As in a clone that lacks the base's objects: the base's checkpoint blob is gone."""
    oid = git(repo, "rev-parse", "main:content/log/checkpoint").strip()
    (repo / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    code, out, err = run("check", "--base", "main", "--markdown", "check.md")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "错误 / error: git cat-file: content/log/checkpoint: 基准中缺少此文件 / missing at the base"
    )
    assert not (repo / "check.md").exists()
