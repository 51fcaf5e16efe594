"""The build is atomic: a failed build leaves the previous site untouched and no
staging directory behind; a good build replaces the site and removes the old one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from generator.errors import GongkaiError
from generator.site.build import build_site

REPO = Path(__file__).resolve().parent.parent


def test_a_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    site = tmp_path / "out" / "site"
    build_site(REPO / "mkdocs.yml", site, content)
    index = (site / "index.html").read_bytes()
    files = sorted(p.relative_to(site) for p in site.rglob("*"))

    plan = next((content / "plans").rglob("v1.yaml"))
    plan.write_text(plan.read_text(encoding="utf-8").replace("tasks:", "taskz:"), encoding="utf-8")
    with pytest.raises(GongkaiError):
        build_site(REPO / "mkdocs.yml", site, content)
    assert (site / "index.html").read_bytes() == index
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == files
    assert [p.name for p in site.parent.iterdir()] == ["site"]  # no staging directory left


def test_a_good_build_replaces_the_site_and_removes_the_old_one(tmp_path: Path) -> None:
    site = tmp_path / "out" / "site"
    site.mkdir(parents=True)
    (site / "stale.html").write_text("old", encoding="utf-8")
    build_site(REPO / "mkdocs.yml", site)
    assert (site / "index.html").is_file()
    assert not (site / "stale.html").exists()
    deadline = time.monotonic() + 30
    while len(list(site.parent.iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)  # the old site is removed by a detached process
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_the_site_is_built_as_of_a_fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from generator import clock

    monkeypatch.setenv(clock.ENV_TODAY, "2025-02-03")
    assert clock.today() == dt.date(2025, 2, 3)
    assert clock.now().isoformat() == "2025-02-03T00:00:00+08:00"
    monkeypatch.setenv(clock.ENV_TODAY, "2025-02-30")
    with pytest.raises(GongkaiError, match="GONGKAI_TODAY"):
        clock.today()
    monkeypatch.delenv(clock.ENV_TODAY)
    assert clock.today() == dt.datetime.now(clock.BEIJING).date()


def test_build_refuses_a_today_that_is_not_a_date() -> None:
    from click.testing import CliRunner

    from generator.cli import main

    result = CliRunner().invoke(main, ["build", "--today", "2026-13-01"])
    assert result.exit_code == 2
    assert "--today" in result.output
    assert "expected YYYY-MM-DD" in result.output


def test_nothing_changed_leaves_the_site_as_it_is(tmp_path: Path) -> None:
    import os

    from generator.site.build import STAMP, site_is_current

    project = tmp_path / "p"
    for name in ("content", "site_config", "schemas"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    (project / "generator").symlink_to(REPO / "generator")
    config = project / "mkdocs.yml"
    site = build_site(config)
    stamp = (site / STAMP).read_bytes()
    assert site_is_current(config, None, None)
    build_site(config)  # nothing changed: nothing done
    assert (site / STAMP).read_bytes() == stamp
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []

    record = next((project / "content" / "plans").rglob("v1.yaml"))
    os.utime(record, ns=(1, 1))  # a content file touched: built again
    assert not site_is_current(config, None, None)
    build_site(config)
    assert site_is_current(config, None, None)

    page = site / "index.html"
    page.write_text(page.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert not site_is_current(config, None, None)  # the site was changed: built again
    build_site(config)
    assert not page.read_text(encoding="utf-8").endswith(" ")
