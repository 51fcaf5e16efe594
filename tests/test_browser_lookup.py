# ruff: noqa: F811  (the fixtures imported from test_browser_draws are parameters here)
"""企业查询, Pagefind search and 统计分析, in a real browser.

Reuses the draw tests' session fixtures (the demo site built once, served from 127.0.0.1
on a port the system picks, Debian's Chromium through Playwright; skipped, saying why,
without them). Screenshots go to $GONGKAI_SCREENSHOT_DIR or a temporary directory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.site.search import pagefind_command
from tests.test_browser_draws import (  # noqa: F401  (fixtures)
    NO_HEADER,
    Server,
    browser,
    page,
    served,
    server,
    shots,
    site,
)

CODE = "915190310U1NEQP625"
NAME = "示例县康美物流有限公司"


def _wait(page: Any) -> None:
    page.wait_for_selector("#gk-lookup[data-state=done]")


def test_lookup_by_code_shows_the_whole_history(
    site: Path, served: Server, page: Any, shots: Path
) -> None:
    page.goto(f"{served.url}/lookup/?q={CODE}")
    _wait(page)
    card = page.locator(f"section.gk-entity[data-code='{CODE}']")
    assert card.locator("h2").inner_text() == NAME
    text = card.inner_text()
    for heading in ("抽查任务（1）", "摇号记录（1）", "检查结果（1）"):
        assert heading in text
    assert "SJX-2023-001-D1" in text
    assert "SJX-2023-001-R1" in text
    assert "信用等级" in text
    # Private registry columns (负责人, 联系电话) never reach the page.
    assert "负责人" not in text
    assert "联系电话" not in text
    # The ticket as published in the draw bundle.
    bundle = json.loads((site / "draws" / "SJX-2023-001" / "bundle.json").read_text("utf-8"))
    ticket = next(v["ticket"] for v in bundle["visits"] if v["target"] == CODE)
    assert ticket in text
    page.add_style_tag(content=NO_HEADER)
    page.screenshot(path=str(shots / "lookup-by-code.png"), full_page=True)
    # The draw link leads to the draw page.
    card.locator("a", has_text="SJX-2023-001-D1").click()
    assert page.url == f"{served.url}/draws/SJX-2023-001/"


def test_lookup_shows_why_an_entity_was_not_drawn(site: Path, served: Server, page: Any) -> None:
    """An entity left out of a draw (its reason and detail are rows of the shared phrase
    table, the draw a row of the draw table) shows each draw it was left out of."""
    manifest = json.loads((site / "lookup" / "index.json").read_text("utf-8"))
    chunk = manifest["chunk"]

    def row(table: str, i: int) -> Any:
        path = site / "lookup" / "t" / f"{table}{i // chunk}.json"
        return json.loads(path.read_text("utf-8"))[i % chunk]

    code, ent = next(
        (c, e)
        for shard in sorted((site / "lookup" / "code").glob("*.json"))
        for c, e in json.loads(shard.read_text("utf-8")).items()
        if "x" in e and "d" not in e
    )
    page.goto(f"{served.url}/lookup/?q={code}")
    _wait(page)
    card = page.locator(f"section.gk-entity[data-code='{code}']")
    text = card.inner_text()
    draws = [row("d", i)[0] for group in ent["x"] for i in group[2:]]
    assert f"未纳入摇号（{len(draws)}）" in text
    for group in ent["x"]:
        assert row("w", group[0]) in text
    for draw in draws:
        assert draw in text


def test_lookup_by_name_prefix(served: Server, page: Any, shots: Path) -> None:
    page.goto(f"{served.url}/lookup/")
    page.wait_for_selector("#gk-lookup[data-ready=true]")
    page.fill("#gk-lookup-q", "康美")
    page.click(".gk-lookup-form button")
    _wait(page)
    links = page.locator(".gk-lookup-list a").all_inner_texts()
    assert NAME in links
    assert all(n.startswith("示例县康美") for n in links)
    page.add_style_tag(content=NO_HEADER)
    page.screenshot(path=str(shots / "lookup-by-name.png"), full_page=True)
    page.click(f".gk-lookup-list a:text-is('{NAME}')")
    page.wait_for_selector(f"section.gk-entity[data-code='{CODE}']")
    # With the jurisdiction typed, and an entity with no history.
    page.fill("#gk-lookup-q", NAME)
    page.click(".gk-lookup-form button")
    page.wait_for_selector(f"section.gk-entity[data-code='{CODE}']")
    page.fill("#gk-lookup-q", "不存在的公司名称")
    page.click(".gk-lookup-form button")
    page.wait_for_selector(".gk-lookup-status.gk-none")


def test_lookup_from_file_says_fetch_is_blocked(site: Path, page: Any) -> None:
    page.goto((site / "lookup" / "index.html").as_uri())
    page.wait_for_selector(".gk-lookup-status.gk-error")
    assert "file://" in page.locator(".gk-lookup-status").inner_text()


def _search(page: Any, q: str) -> list[str]:
    page.fill("#gk-search-q", q)
    page.click(".gk-search-form button[type=submit]")
    page.wait_for_selector("#gk-search[data-state=done]")
    texts: list[str] = page.locator(".gk-search-list a").all_inner_texts()
    return texts


def test_chinese_search_finds_a_company(site: Path, served: Server, page: Any, shots: Path) -> None:
    if pagefind_command() is None:
        pytest.skip("the pagefind binary is not installed (pip install 'pagefind[extended]')")
    # Pagefind's own interfaces are not published: the page has its own.
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert not (site / "pagefind" / "pagefind-ui.js").exists()
    assert not (site / "search" / "records").exists()
    page.goto(f"{served.url}/search/")
    page.wait_for_selector("#gk-search[data-ready=true]")
    titles = _search(page, "康美物流")
    assert NAME in titles
    # Only the entities whose names hold the query, not every entity of the pages found.
    assert all("康美物流" in t for t in titles), titles
    page.add_style_tag(content=NO_HEADER)
    page.screenshot(path=str(shots / "search-name.png"), full_page=True)
    # A full code finds its entity (through the 企业查询 index).
    assert _search(page, CODE) == [NAME]
    assert _search(page, "915190310U1NEQP620") == []
    assert "未找到" in page.locator(".gk-search-status").inner_text()
    # A draw is found by its task's title.
    draws = _search(page, "SJX-2023-001-D1")
    assert any(t.startswith("摇号记录 SJX-2023-001-D1") for t in draws), draws
    # The filters are there, with their values; a filter alone lists what it picks.
    names = page.locator(".gk-search-filters select").evaluate_all(
        "s => s.map(x => [x.dataset.filter, x.options.length])"
    )
    assert {n for n, _ in names} == {"年度", "部门", "检查结果"}
    assert all(count > 1 for _, count in names), names
    page.select_option("select[data-filter='年度']", "2023")
    listed = _search(page, "")
    assert NAME in listed or page.locator(".gk-search-more").is_visible()
    assert len(listed) > 10
    page.select_option("select[data-filter='年度']", "")
    # A result leads to the company's lookup.
    _search(page, "康美物流")
    page.locator(".gk-search-list a", has_text=NAME).first.click()
    page.wait_for_selector(f"section.gk-entity[data-code='{CODE}']")


def test_search_merges_several_indexes(
    site: Path, page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site with more entities than one Pagefind index holds: the search page merges the
    indexes listed in pagefind/gongkai.json and finds entities in each."""
    if pagefind_command() is None:
        pytest.skip("the pagefind binary is not installed (pip install 'pagefind[extended]')")
    from generator.content import load_content
    from generator.site import search
    from generator.site.lookup import entity_index
    from generator.site.render import SiteData
    from generator.validate import validate
    from tests.conftest import CONTENT, SITE_CONFIG

    copy = tmp_path / "site"
    for part in ("search", "assets", "lookup"):
        shutil.copytree(site / part, copy / part)
    data = SiteData(validate(load_content(CONTENT, SITE_CONFIG)))
    monkeypatch.setattr(search, "BUNDLE_ENTITIES", 150)
    assert search.write_search_index(data, copy)
    bundles = json.loads((copy / "pagefind" / "gongkai.json").read_text("utf-8"))["bundles"]
    assert len(bundles) >= 3
    year = "2023"
    wanted = {
        code for code, (years, _, _) in search.entity_filters(entity_index(data)) if year in years
    }
    assert len(wanted) > 150
    s = Server(copy)
    try:
        page.goto(f"{s.url}/search/")
        page.wait_for_selector("#gk-search[data-ready=true]")
        assert NAME in _search(page, "康美物流")
        page.select_option("select[data-filter='年度']", year)
        _search(page, "")
        while page.locator(".gk-search-more").is_visible():
            page.click(".gk-search-more")
            page.wait_for_timeout(100)
        hrefs = page.locator(".gk-search-list li.gk-search-entity a").evaluate_all(
            "a => a.map(x => new URL(x.href).searchParams.get('q'))"
        )
        assert sorted(hrefs) == sorted(wanted)
    finally:
        s.stop()


def test_search_from_file_says_it_needs_a_server(site: Path, page: Any) -> None:
    page.goto((site / "search" / "index.html").as_uri())
    assert page.locator(".gk-search-missing").is_visible()


def test_statistics_page_shows_its_charts(served: Server, page: Any, shots: Path) -> None:
    page.goto(f"{served.url}/stats/")
    charts = page.locator("figure.gk-figure svg")
    assert charts.count() == 4
    for i in range(4):
        box = charts.nth(i).bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 50
    assert page.locator("figure.gk-figure svg rect").count() > 10
    assert (
        page.locator("script").evaluate_all("s => s.filter(x => x.closest('article')).length") == 0
    )
    for link in page.locator("a", has_text="下载 CSV").all():
        href = link.get_attribute("href")
        assert href is not None
        assert href.endswith(".csv")
    page.add_style_tag(content=NO_HEADER)
    page.screenshot(path=str(shots / "stats.png"), full_page=True)
