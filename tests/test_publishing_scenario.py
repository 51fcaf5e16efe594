"""The publishing scenario, end to end, in a real temporary git repository.

A department publishes its annual plan (main), draws a task on a pull-request branch
(``gongkai draw``, ``gongkai sign``, ``gongkai log append``, ``gongkai check --base
main`` passes, merge), publishes the results (one notice late), and then tries to delete
the draw and draw again on a rewritten branch with the log rebuilt from scratch. The
check refuses the rewrite, naming the deleted draw and the rule; a journalist who kept
the checkpoint of the published draw gets a failed consistency check with the evidence;
the built site marks the late result as late.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.content import load_record_file
from generator.demo_signing import write_demo_log
from generator.yamlwrite import dump_yaml
from tests.conftest import CONTENT, FIXTURES, REPO, SITE_CONFIG

KEYS = FIXTURES / "test-keys"
ROUND_1000 = REPO / "tests" / "vectors" / "drand" / "quicknet-1000.json"
TASK = "SJX-2023-001"
DRAW = "content/draws/2023/SJX-2023-001-D1/v1.yaml"
R1 = "content/results/2023/SJX-2023-001-R1/v1.yaml"
R2 = "content/results/2023/SJX-2023-001-R2/v1.yaml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "示例县市场监督管理局",
    "GIT_AUTHOR_EMAIL": "scjgj@example.invalid",
    "GIT_COMMITTER_NAME": "示例县市场监督管理局",
    "GIT_COMMITTER_EMAIL": "scjgj@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def gongkai(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    return result.exit_code, output


def ok(*args: str) -> str:
    code, output = gongkai(*args)
    assert code == 0, output
    return output


def check(today: str) -> tuple[int, dict[str, Any], str]:
    """``gongkai check --base main`` as JSON and as the Markdown summary."""
    code, out = gongkai("check", "--base", "main", "--json", "--today", today)
    doc = json.loads(out)
    again, markdown = gongkai("check", "--base", "main", "--today", today)
    assert again == code
    return code, doc, markdown


def by_id(doc: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in doc["checks"] if c["id"] == cid)


def key(name: str) -> str:
    return str(KEYS / f"{name}.json")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: the plan published — the demo content before any draw or result, with its log."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GONGKAI_STATE_DIR", str(tmp_path / "state"))
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(CONTENT, repo / "content", ignore=shutil.ignore_patterns("draws", "results"))
    shutil.copytree(SITE_CONFIG, repo / "site_config")
    write_demo_log(repo / "content", KEYS)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "2023 年度抽查计划 / the 2023 plan published")
    monkeypatch.chdir(repo)
    return repo


def test_publish_draw_results_and_a_refused_rewrite(repo: Path, tmp_path: Path) -> None:
    # 1. The draw, on a pull-request branch: drawn, signed, logged, checked, merged.
    git(repo, "switch", "-q", "-c", "draw-001")
    ok("draw", TASK, "--beacon", str(ROUND_1000), "--drawn-at", "2023-08-28T09:00:00+08:00")
    ok("sign", DRAW, "--key", key("dept-scjgj"), "--key", key("witness-notary"))
    ok("log", "append", "--key", key("log-1"))
    code, doc, markdown = check("2023-08-28")
    assert code == 0, markdown
    assert doc["summary"] == {"pass": 8, "fail": 0, "not checked": 0}
    assert by_id(doc, "C3")["reason"].startswith(
        f"重跑了 1 次新摇号，结果完全一致 / re-ran 1 new draw(s), identical: SJX-2023-001-D1 ({DRAW})"
    )
    assert f"all 1 new signed record(s) are in the log: {DRAW}" in by_id(doc, "C7")["reason"]
    assert "**结论 / verdict: ✅ 通过：全部 8 项检查通过。" in markdown
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "摇号 SJX-2023-001 / draw")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "合并摇号 / merge the draw", "draw-001")
    # A journalist keeps the checkpoint that shows the draw.
    journalist = tmp_path / "journalist-checkpoint"
    shutil.copy(repo / "content/log/checkpoint", journalist)

    # 2. The results: one notice on time, one late (two entries inspected on
    # 2023-10-12 and published on 2023-11-22, 29 working days later).
    git(repo, "switch", "-q", "-c", "results-001")
    loaded, problems = load_record_file(CONTENT.parent / R1)
    assert loaded is not None, problems
    on_time = dict(loaded.signed)
    on_time["entries"] = [on_time["entries"][i] for i in (2, 3, 4, 5, 11)]
    (repo / R1).parent.mkdir(parents=True)
    (repo / R1).write_text(dump_yaml(on_time), encoding="utf-8")
    ok("sign", R1, "--key", key("dept-scjgj"))
    (repo / R2).parent.mkdir(parents=True)
    shutil.copy(CONTENT.parent / R2, repo / R2)
    ok("log", "append", "--key", key("log-1"))
    code, doc, markdown = check("2023-11-22")
    # The lateness is on record before the merge: C4 names the notice and the rule.
    assert code == 1
    assert [c["id"] for c in doc["checks"] if c["status"] == "fail"] == ["C4"]
    late = by_id(doc, "C4")["findings"]
    assert {f["path"] for f in late} == {R2}
    assert all(f["message"].startswith("[R1] 逾期 9 个工作日公示") for f in late)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "检查结果公告 / results (R2 published late)")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "合并检查结果 / merge the results", "results-001")

    # The site built from main marks the late notice as late, and only it.
    site = tmp_path / "site"
    ok("build", "-f", str(REPO / "mkdocs.yml"), "-d", str(site), "--content", "content")
    late_page = (site / "results" / "SJX-2023-001-R2" / "index.html").read_text(encoding="utf-8")
    on_time_page = (site / "results" / "SJX-2023-001-R1" / "index.html").read_text(encoding="utf-8")
    assert late_page.count('<span class="gk-late">逾期 9 个工作日</span>') == 2
    assert "本公告中逾期公示 2 户" in late_page
    assert '<span class="gk-late">' not in on_time_page
    assert "本公告中逾期公示 0 户" in on_time_page

    # 3. The rewrite: the draw deleted and drawn again, the log rebuilt from scratch.
    published_draw = (repo / DRAW).read_bytes()
    git(repo, "switch", "-q", "-c", "rewrite")
    git(repo, "rm", "-q", DRAW, R1, R2)
    shutil.rmtree(repo / "content/log")
    ok("draw", TASK, "--beacon", str(ROUND_1000), "--drawn-at", "2023-08-29T09:00:00+08:00")
    ok("sign", DRAW, "--key", key("dept-scjgj"), "--key", key("witness-notary"))
    ok("log", "append", "--key", key("log-1"))
    assert (repo / DRAW).read_bytes() != published_draw
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "重新摇号 / draw again")

    code, doc, markdown = check("2023-08-29")
    assert code == 1
    # C2 too: the rebuilt log dates every record today, after the old market-regulation
    # key expired (2025-12-31), and key validity is judged by log time.
    assert {c["id"] for c in doc["checks"] if c["status"] == "fail"} == {"C2", "C5", "C6"}
    c5 = by_id(doc, "C5")
    findings = {f["path"]: f["message"] for f in c5["findings"]}
    assert set(findings) == {DRAW, R1, R2}
    assert (
        "the published record was rewritten or replaced by another (deleted and redone)"
        in (findings[DRAW])
    )
    assert findings[R1].startswith("已发布的记录被删除 / the published record was deleted")
    assert "规则 / rule: 已发布（已签名）的记录文件不得修改、删除或移动" in markdown
    assert f"`{DRAW}`: 已发布的记录被改动" in markdown
    assert "日志被改写的证据" in markdown or "分叉视图的证据" in markdown

    # 4. The journalist's checkpoint against the rewritten log: refused, with evidence.
    code, output = gongkai("log", "consistency", str(journalist), "content/log/checkpoint")
    assert code == 1
    assert "分叉视图的证据" in output  # the same number of entries, another root
    for line in journalist.read_text(encoding="utf-8").splitlines():
        assert line in output
    for line in (repo / "content/log/checkpoint").read_text(encoding="utf-8").splitlines():
        assert line in output
