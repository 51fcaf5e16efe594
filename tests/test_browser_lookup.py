# ruff: noqa: F811  (the fixtures imported from test_browser_draws are parameters here)
"""企业查询, Pagefind search and 统计分析, in a real browser.

Reuses the draw tests' session fixtures (the demo site built once, served from 127.0.0.1
on a port the system picks, Debian's Chromium through Playwright; skipped, saying why,
without them). Screenshots go to $GONGKAI_SCREENSHOT_DIR or a temporary directory.
"""

from __future__ import annotations

import json
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


def test_chinese_search_finds_a_company(served: Server, page: Any, shots: Path) -> None:
    if pagefind_command() is None:
        pytest.skip("the pagefind binary is not installed (pip install 'pagefind[extended]')")
    page.goto(f"{served.url}/search/")
    page.wait_for_selector(".pagefind-ui__search-input")
    page.fill(".pagefind-ui__search-input", "康美物流")
    page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
    titles = page.locator(".pagefind-ui__result-link").all_inner_texts()
    assert NAME in titles
    page.add_style_tag(content=NO_HEADER)
    page.screenshot(path=str(shots / "search-name.png"), full_page=True)
    # The full code is a word of its own.
    page.fill(".pagefind-ui__search-input", CODE)
    page.wait_for_function(
        "name => [...document.querySelectorAll('.pagefind-ui__result-link')]"
        ".some(a => a.textContent === name)",
        arg=NAME,
        timeout=15_000,
    )
    # The filters are there.
    filters = page.locator(".pagefind-ui__filter-name").all_inner_texts()
    assert {"年度", "部门", "检查结果"} <= {f.strip() for f in filters}
    # A result leads to the company's lookup.
    page.locator(".pagefind-ui__result-link", has_text=NAME).first.click()
    page.wait_for_selector(f"section.gk-entity[data-code='{CODE}']")


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
