"""The command line: exact output and exit codes on the demo content."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.conftest import REPO, tree_snapshot


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_passes_on_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    before = tree_snapshot(REPO / "content")
    code, out, err = run("validate")
    assert code == 0, err
    assert out.splitlines()[0] == "验证通过。 / Validation passed."
    assert "       8  部门 departments" in out
    assert "      41  抽查事项版本 checklist item versions" in out
    assert "    5000  名录库中的检查对象 registry rows" in out
    assert tree_snapshot(REPO / "content") == before


def test_validate_reports_and_exits_1(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(content_copy.parent)
    dept = content_copy / "departments" / "wlj.yaml"
    dept.write_text(
        dept.read_text(encoding="utf-8").replace("jurisdiction: 示例县", "jurisdiction: 1.5"),
        encoding="utf-8",
    )
    code, out, err = run("validate")
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "content/departments/wlj.yaml:9:17: signed.jurisdiction: floating-point numbers are not allowed "
        '(got 1.5, expected a quoted decimal such as "1.5")',
        "验证未通过：1 个错误，涉及 1 个文件。 / Validation failed: 1 error(s) in 1 file(s).",
    ]


def test_missing_content_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("validate", "--content", "nowhere")
    assert code == 1
    assert err.splitlines()[0] == "nowhere: content directory not found"
    assert "Traceback" not in err


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_has_help_in_chinese_and_english(command: tuple[str, ...]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out), f"{' '.join(command)} has no Chinese help"
    assert any(ch.isascii() and ch.isalpha() for ch in out.split("Options:")[0].split("\n", 2)[-1])


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_documented(command: tuple[str, ...]) -> None:
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"gongkai {' '.join(command)}" in doc, (
        f"docs/cli.md does not document `gongkai {' '.join(command)}`"
    )
