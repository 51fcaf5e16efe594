"""``gongkai init`` (a new jurisdiction's repository) and the commands that make its root
of trust: ``gongkai root new-key``, ``gongkai log new-key`` into the root draft, and
``gongkai keys new`` starting the key registry. The whole operator's guide runs in
tests/test_init_guide.py."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import generator.cli
from generator import init_cli, keys_cli, root_cli
from generator.canonical import record_digest
from generator.cli import main
from generator.content import load_record_file
from generator.keyfile import read_key_file
from generator.models import KeyRegistry, Root, SiteConfig
from generator.schemas import drift
from generator.yamlsafe import read_yaml_file
from tests.conftest import FIXTURES, REPO, tree_snapshot

TODAY = "2026-01-05"
ORIGIN = "mouxian.example.gov.cn/gongkai-log"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def ok(*args: str) -> list[str]:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout.splitlines()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GONGKAI_PASSPHRASE", raising=False)
    monkeypatch.setattr(keys_cli, "_today", lambda: TODAY)
    monkeypatch.setattr(root_cli, "_today", lambda: TODAY)
    return home


@pytest.fixture
def repo(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository made by ``gongkai init``, with git, as the working directory."""
    monkeypatch.chdir(tmp_path)
    ok("init", "mouxian", "--jurisdiction", "某某县")
    subprocess.run(["git", "init", "-q", "mouxian"], check=True)
    monkeypatch.chdir(tmp_path / "mouxian")
    return tmp_path / "mouxian"


def root_data(path: Path) -> tuple[dict[str, Any], list[Any] | None]:
    loaded, problems = load_record_file(path)
    assert loaded is not None, problems
    assert problems == []
    assert isinstance(loaded.record, Root)
    return loaded.signed, loaded.signatures


def test_command_modules_import_on_their_own() -> None:
    for module in ("generator.init_cli", "generator.root_cli"):
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------
# gongkai init


def test_init_writes_a_repository_ready_to_publish(tmp_path: Path, home: Path) -> None:
    target = tmp_path / "new"
    lines = ok("init", str(target), "--jurisdiction", "某某县")

    assert lines[0].startswith("已创建 / created: ")
    site, problems = read_yaml_file(str(target / "site_config" / "site.yaml"))
    assert site is not None
    assert problems == []
    settings = SiteConfig.model_validate(site.data)
    assert settings.jurisdiction == "某某县"
    assert settings.title == "某某县“双随机、一公开”监管信息公开平台"
    assert settings.demo is False
    ours, _ = read_yaml_file(str(REPO / "site_config" / "site.yaml"))
    assert ours is not None
    assert (settings.result_codes, settings.disposals) == (
        ours.data["result_codes"],
        ours.data["disposals"],
    )
    # Everything else in site_config/ is this project's, byte for byte.
    copied = tree_snapshot(target / "site_config")
    source = {
        name: data
        for name, data in tree_snapshot(REPO / "site_config").items()
        if name != "site.yaml" and not any(part.startswith(".") for part in name.split("/"))
    }
    assert {k: v for k, v in copied.items() if k not in ("site.yaml", "gongkai_hooks.py")} == source
    for rel in (".github/workflows/pull-request.yml", ".github/workflows/pages.yml"):
        assert (target / rel).read_bytes() == (REPO / rel).read_bytes()
    assert (target / "docs" / "操作指南.md").read_bytes() == (
        REPO / "docs" / "操作指南.md"
    ).read_bytes()
    assert drift(target / "schemas") == []
    assert sorted(p.name for p in (target / "content").iterdir()) == ["README.md"]


def test_init_mkdocs_names_the_site_and_loads_the_installed_hooks(
    tmp_path: Path, home: Path
) -> None:
    target = tmp_path / "new"
    ok("init", str(target), "--jurisdiction", "某某县", "--title", "某某县: 抽查公开 # 平台")
    text = (target / "mkdocs.yml").read_text(encoding="utf-8")
    ours = (REPO / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    theirs = text.splitlines()
    changed = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert [b for _, b in changed] == [
        'site_name: "某某县: 抽查公开 # 平台"',
        "  - site_config/gongkai_hooks.py  # the hooks of the installed gongkai",
    ]
    from mkdocs.config import load_config

    config = load_config(str(target / "mkdocs.yml"))
    assert config.site_name == "某某县: 抽查公开 # 平台"
    from generator.site import hooks as project_hooks

    assert list(config["hooks"]) == ["site_config/gongkai_hooks.py"]
    loaded = config["hooks"]["site_config/gongkai_hooks.py"]  # the shim, loaded by MkDocs
    assert loaded.on_config is project_hooks.on_config
    assert loaded.on_files is project_hooks.on_files
    assert loaded.on_post_build is project_hooks.on_post_build


def test_init_pins_gongkai_for_the_workflows(tmp_path: Path, home: Path) -> None:
    ok("init", str(tmp_path / "a"), "--jurisdiction", "某某县")
    ok(
        "init",
        str(tmp_path / "b"),
        "--jurisdiction",
        "某某县",
        "--gongkai-source",
        "git+https://example.org/gongkai.git@0123abc",
    )
    by_name = tomllib.loads((tmp_path / "a" / "pyproject.toml").read_text(encoding="utf-8"))
    assert by_name["project"]["dependencies"] == [f"gongkai=={generator.__version__}"]
    assert by_name["project"]["optional-dependencies"]["site"] == [
        f"gongkai[site]=={generator.__version__}"
    ]
    assert by_name["tool"]["setuptools"]["packages"] == []
    pinned = tomllib.loads((tmp_path / "b" / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned["project"]["optional-dependencies"]["site"] == [
        "gongkai[site] @ git+https://example.org/gongkai.git@0123abc"
    ]


def test_init_gitignore_keeps_the_site_and_private_keys_out(tmp_path: Path, home: Path) -> None:
    target = tmp_path / "new"
    ok("init", str(target), "--jurisdiction", "某某县")
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    names = [
        "site/index.html",
        "0123456789abcdef.json",
        "root-0123456789abcdef.json",
        "log-0123456789abcdef.json",
        "gongkai-keys/scjgj.json",
        "secrets/draw.secret",
        "MX-2026-001-D1.openings.json",
        "check.md",
    ]
    ignored = subprocess.run(
        ["git", "-C", str(target), "check-ignore", "--no-index", *names],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == names
    kept = subprocess.run(
        ["git", "-C", str(target), "check-ignore", "--no-index", "content/root/1.yaml"],
        capture_output=True,
        check=False,
    )
    assert kept.returncode == 1  # not ignored


def test_a_new_repository_validates(repo: Path) -> None:
    assert ok("validate")[0] == "验证通过。 / Validation passed."


@pytest.mark.parametrize("existing", ["file", "dir"])
def test_init_refuses_a_directory_that_is_not_empty(
    tmp_path: Path, home: Path, existing: str
) -> None:
    target = tmp_path / "full"
    target.mkdir()
    if existing == "file":
        (target / "notes.txt").write_text("keep me", encoding="utf-8")
    else:
        (target / ".git").mkdir()
    before = tree_snapshot(tmp_path)

    result = run("init", str(target), "--jurisdiction", "某某县")

    assert result.exit_code == 1
    assert "目录不是空的，未写入任何文件 / the directory is not empty; nothing was written" in (
        result.stderr
    )
    assert str(target) in result.stderr or "full" in result.stderr
    assert "Traceback" not in result.output
    assert tree_snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["full", "home"])


def test_init_refuses_a_file_and_a_missing_parent(tmp_path: Path, home: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = run("init", str(tmp_path / "a-file"), "--jurisdiction", "某某县")
    assert result.exit_code == 1
    assert "不是目录" in result.stderr
    result = run("init", str(tmp_path / "no" / "such" / "dir"), "--jurisdiction", "某某县")
    assert result.exit_code == 1
    assert "上级目录不存在" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "home"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--jurisdiction", " ", "must not be blank"),
        ("--title", "", "must not be blank"),
        ("--title", "长" * 201, "String should have at most 200 characters"),
    ],
    ids=["blank-jurisdiction", "empty-title", "long-title"],
)
def test_init_refuses_a_blank_or_overlong_name(
    tmp_path: Path, home: Path, option: str, value: str, message: str
) -> None:
    args = {"--jurisdiction": "某某县", option: value}
    result = run("init", str(tmp_path / "x"), *[x for kv in args.items() for x in kv])
    assert result.exit_code == 2
    assert f"Invalid value for {option}: " in result.stderr
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_init_leaves_nothing_when_writing_fails(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(directory: Path) -> list[str]:
        raise OSError(28, "No space left on device", str(directory))

    monkeypatch.setattr(init_cli, "write_schemas", broken)
    result = run("init", str(tmp_path / "x"), "--jurisdiction", "某某县")
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


# ---------------------------------------------------------------------------
# The root of trust, key by key


def new_root_key(n: int, *extra: str) -> list[str]:
    return ok(
        "root",
        "new-key",
        "--label",
        f"某某县根密钥{n}",
        "--holder",
        f"保管单位{n}",
        "--out",
        str(Path.home() / "gongkai-keys" / f"root-{n}.json"),
        *extra,
    )


def test_root_new_key_makes_the_draft_key_by_key(repo: Path, home: Path) -> None:
    new_root_key(1)
    data, signatures = root_data(repo / "content" / "root" / "1.yaml")
    assert signatures is None
    assert data["name"] == "某某县“双随机、一公开”根信任"
    assert (data["published_on"], data["expires"]) == (TODAY, "2031-01-05")
    first = read_key_file(home / "gongkai-keys" / "root-1.json")
    assert (data["threshold"], data["key_registry"]) == (1, {"keys": [first.keyid], "threshold": 1})
    lines = new_root_key(2)
    assert lines[2] == (
        "公钥已写入 / public key added to: content/root/1.yaml (2 把根密钥 root keys, 门槛 threshold 2)"
    )
    new_root_key(3)
    data, _ = root_data(repo / "content" / "root" / "1.yaml")
    keys = [read_key_file(home / "gongkai-keys" / f"root-{n}.json") for n in (1, 2, 3)]
    assert data["keys"] == [
        {"public": k.public, "label": f"某某县根密钥{n}", "holder": f"保管单位{n}"}
        for n, k in enumerate(keys, start=1)
    ]
    assert data["threshold"] == 2  # a majority of three
    assert data["key_registry"] == {"keys": [k.keyid for k in keys], "threshold": 2}
    assert "log" not in data
    mode = (home / "gongkai-keys" / "root-1.json").stat().st_mode & 0o777
    assert mode == 0o600


def test_log_new_key_joins_the_root_draft(repo: Path, home: Path) -> None:
    new_root_key(1)
    lines = ok(
        "log", "new-key", "--origin", ORIGIN, "--label", "日志密钥", "--out", str(home / "log.json")
    )
    assert (
        lines[-1]
        == f"已写入根信任草稿 / added to the root draft: content/root/1.yaml (log: {ORIGIN})"
    )
    data, _ = root_data(repo / "content" / "root" / "1.yaml")
    assert data["log"] == {
        "origin": ORIGIN,
        "keys": [read_key_file(home / "log.json").public],
        "threshold": 1,
    }
    before = tree_snapshot(repo / "content")
    result = run(
        "log",
        "new-key",
        "--origin",
        "other.example/log",
        "--label",
        "X",
        "--out",
        str(home / "x.json"),
    )
    assert result.exit_code == 1
    assert "the root draft names another log (got --origin other.example/log" in result.stderr
    assert not (home / "x.json").exists()
    assert tree_snapshot(repo / "content") == before


def test_root_new_key_refuses_a_threshold_above_the_keys(repo: Path, home: Path) -> None:
    result = run(
        "root", "new-key", "--label", "根密钥", "--holder", "办公室", "--threshold", "2",
        "--out", str(home / "gongkai-keys" / "root.json"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "错误 / error: 根信任草稿无效 / the root of trust would not be valid: threshold: "
        "more signatures required than there are keys (got 2, expected at most 1)"
    )
    assert not (home / "gongkai-keys" / "root.json").exists()
    assert not (repo / "content" / "root").exists()


def test_root_new_key_refuses_a_private_key_inside_the_repository(repo: Path) -> None:
    out = repo / "keys" / "root.json"
    result = run("root", "new-key", "--label", "根密钥", "--holder", "办公室", "--out", str(out))
    assert result.exit_code == 1
    assert "private keys must not be written inside the repository" in result.stderr
    assert not out.exists()
    assert not (repo / "content" / "root").exists()


def test_root_new_key_without_a_jurisdiction_asks_for_a_name(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    result = run(
        "root", "new-key", "--label", "根密钥", "--holder", "办公室", "--out", str(home / "r.json")
    )
    assert result.exit_code == 1
    assert "give the root's name with --name" in result.stderr
    assert not (home / "r.json").exists()
    ok(
        "root",
        "new-key",
        "--label",
        "根密钥",
        "--holder",
        "办公室",
        "--name",
        "某某县根信任",
        "--out",
        str(home / "r.json"),
    )
    data, _ = root_data(tmp_path / "content" / "root" / "1.yaml")
    assert data["name"] == "某某县根信任"


def test_keys_new_starts_the_key_registry(repo: Path, home: Path) -> None:
    ok(
        "keys", "new", "--department", "scjgj", "--label", "某某县市场监督管理局发布密钥",
        "--valid-from", "2026-01-01", "--out", str(home / "scjgj.json"),
    )  # fmt: skip
    loaded, problems = load_record_file(repo / "content" / "keys" / "v1.yaml")
    assert loaded is not None, problems
    assert isinstance(loaded.record, KeyRegistry)
    assert loaded.signatures is None
    assert loaded.signed["name"] == "某某县签名密钥登记册"
    assert (loaded.signed["version"], loaded.signed["supersedes"]) == (1, None)
    assert [k["keyid"] for k in loaded.signed["keys"]] == [read_key_file(home / "scjgj.json").keyid]


def test_root_new_key_after_a_signed_root_drafts_the_next_version(
    content_copy: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A root key added to the demo's signed root: version 2 supersedes version 1, and
    signed by a threshold of both versions' keys it is trusted."""
    monkeypatch.chdir(content_copy.parent)
    before, _ = root_data(content_copy / "root" / "1.yaml")
    new_root_key(4)
    data, signatures = root_data(content_copy / "root" / "2.yaml")
    assert signatures is None
    assert (data["version"], data["supersedes"]) == (2, record_digest(before))
    assert data["keys"][:3] == before["keys"]
    assert (data["threshold"], data["log"]) == (3, before["log"])  # a majority of four
    test_keys = FIXTURES / "test-keys"
    ok(
        "sign", "content/root/2.yaml",
        "--key", str(test_keys / "root-1.json"), "--key", str(test_keys / "root-2.json"),
        "--key", str(home / "gongkai-keys" / "root-4.json"),
    )  # fmt: skip
    result = run("verify", "--at", "2026-01-05")
    assert (
        "content/root/2.yaml: root version 2: signed by 3 of the root's own keys (threshold 3)"
        in result.stdout
    )


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (
            '{"url": "https://git.example.org/gongkai.git", "vcs_info": {"vcs": "git", '
            '"requested_revision": "v0.1.0", "commit_id": "7921be1537eac1e97bc40179a57f0349c2aabfad"}}',
            "git+https://git.example.org/gongkai.git@7921be1537eac1e97bc40179a57f0349c2aabfad",
        ),
        ('{"url": "file:///work/gongkai", "dir_info": {"editable": true}}', None),
        (None, None),
    ],
    ids=["git-commit", "local-editable", "from-an-index"],
)
def test_init_pins_the_source_pip_recorded(
    monkeypatch: pytest.MonkeyPatch, direct_url: str | None, expected: str | None
) -> None:
    """PEP 610: pip records where it installed gongkai from; a git commit over https is
    something CI can install again, a local directory is not."""

    class Installed:
        def read_text(self, name: str) -> str | None:
            assert name == "direct_url.json"
            return direct_url

    monkeypatch.setattr(importlib.metadata, "distribution", lambda _: Installed())
    assert init_cli.installed_source() == expected
