# ruff: noqa: F811  (the fixtures imported from test_browser_draws are parameters here)
"""The public notices in a real browser: 首页, 抽查事项清单, 年度计划 and 抽查任务公告,
检查结果公告, 执法人员, the Atom feed, hostile record strings and printing on A4.

Reuses the draw tests' session fixtures (the demo site built once, served from 127.0.0.1
on a port the system picks and stopped at the end, Debian's Chromium through Playwright;
skipped, saying why, without them). Screenshots of each page type go to
$GONGKAI_SCREENSHOT_DIR or a temporary directory. The tests without a browser (feed,
page files) run everywhere. Working days are tested in tests/test_workdays.py.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from generator.site.build import build_site
from tests.conftest import CONTENT, REPO
from tests.test_browser_draws import (  # noqa: F401  (fixtures)
    Server,
    browser,
    page,
    served,
    server,
    shots,
    site,
)

ATOM = "{http://www.w3.org/2005/Atom}"
TASK_TITLE = "示例县市场监督管理局2023年度第001号抽查任务公告"
RESULT_TITLE = "示例县市场监督管理局2023年度第001号抽查任务检查结果公告（SJX-2023-001-R1）"


def _shot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"site-{name}.png"), full_page=True)


# ---------------------------------------------------------------------------
# Without a browser


def test_the_feed_is_valid_atom(site: Path) -> None:
    root = ET.parse(site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for child in ("title", "id", "updated", "author"):
        assert root.find(f"{ATOM}{child}") is not None, child
    entries = root.findall(f"{ATOM}entry")
    kinds = {e.find(f"{ATOM}category").get("term") for e in entries}  # type: ignore[union-attr]
    assert kinds == {"抽查任务公告", "摇号记录", "检查结果公告"}
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids)) == 6 + 6 + 12
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)
    for e in entries:
        dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "")
        href = e.find(f"{ATOM}link").get("href")  # type: ignore[union-attr]
        assert (site / str(href) / "index.html").is_file(), href
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert RESULT_TITLE in titles
    assert TASK_TITLE in titles


def test_record_pages_stay_out_of_the_navigation(site: Path) -> None:
    home = (site / "index.html").read_text("utf-8")
    nav = home[home.index('<nav class="md-nav md-nav--primary') :]
    nav = nav[: nav.index("</nav>")]
    for section in ("tasks/SJX-", "results/SJX-", "inspectors/INS-", "checklist/SCJG-"):
        assert section not in nav
    for listing in ("checklist", "plans", "results", "inspectors"):
        links = (site / listing / "index.html").read_text("utf-8").count("<a href=")
        assert links < 200 + 150, listing  # the listing itself, plus the theme's links
    assert 'rel="alternate" type="application/atom+xml"' in home


# ---------------------------------------------------------------------------
# Navigation across the page types


def test_navigation_across_the_page_types(served: Server, page: Any, shots: Path) -> None:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.goto(f"{served.url}/")
    assert page.locator("h1").inner_text() == "示例县“双随机、一公开”监管信息公开平台"
    headings = page.locator("article h2").all_inner_texts()
    assert headings == [
        "最新公告",
        "2023年度抽查任务",
        "2023年度摇号记录",
        "2023年度检查结果公告",
        "逾期事项",
    ]
    assert page.locator("ul.gk-latest li").count() == 10
    overdue = page.locator("article table").last.locator("tbody tr")
    assert overdue.count() == 20  # the first 20; each result notice marks all of its own
    assert re.search(r"另有 \d+ 项逾期", page.locator("article").inner_text())
    _shot(page, shots, "home")

    # 抽查事项清单 -> an item with two versions and their diff.
    page.click(".md-tabs >> text=抽查事项清单")
    page.wait_for_url(f"{served.url}/checklist/")
    assert "示例县市场监督管理局" in page.locator("article h2").all_inner_texts()
    page.click("text=食品销售者监督检查")
    page.wait_for_url(f"{served.url}/checklist/SCJG-003/")
    fields = page.locator("dl.gk-fields dt").all_inner_texts()
    for label in ("序号", "抽查依据", "抽查主体", "抽查对象", "抽查内容", "抽查方式"):
        assert label in fields
    for label in ("抽查比例", "抽查频次", "联合抽查部门", "公开方式"):
        assert label in fields
    assert page.locator("table.gk-diff tr.gk-del").count() > 0
    assert page.locator("table.gk-diff tr.gk-ins").count() > 0
    diff = page.locator("table.gk-diff").inner_text()
    assert "抽查比例：0.10–不设上限" in diff
    assert "抽查比例：0.15–不设上限" in diff
    _shot(page, shots, "checklist-item")

    # 年度计划 -> 抽查任务公告 with its commitments and the beacon round.
    page.click(".md-tabs >> text=年度抽查计划")
    page.wait_for_url(f"{served.url}/plans/")
    page.click("article >> text=示例县2023年度")
    page.wait_for_url(f"{served.url}/plans/SJX-2023/")
    _shot(page, shots, "plan")
    page.click(f"text={TASK_TITLE}")
    page.wait_for_url(f"{served.url}/tasks/SJX-2023-001/")
    assert page.locator("h1").inner_text() == TASK_TITLE
    text = page.locator("article").inner_text()
    assert "名录库快照 SHA-256" in text
    assert "信用等级：A\t0.03（3%）" in text
    assert "2023-08-23 23:59:24（北京时间）" in text
    assert page.locator(".gk-countdown").inner_text() == "已产生"
    _shot(page, shots, "task")

    # -> 检查结果公告 with the platforms' fields.
    page.click("article >> text=SJX-2023-001-R1")
    page.wait_for_url(f"{served.url}/results/SJX-2023-001-R1/")
    assert page.locator("h1").inner_text() == RESULT_TITLE
    dts = page.locator("dl.gk-fields dt").all_inner_texts()
    for label in ("抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型"):
        assert label in dts
    assert "检查机关" in dts
    heads = page.locator("table.gk-results thead th").all_inner_texts()
    assert heads[1:6] == [
        "市场主体名称",
        "统一社会信用代码",
        "检查完成日期",
        "检查结果",
        "后续处置",
    ]
    text = page.locator("article").inner_text()
    assert "依法不予公开（商业秘密；依据：《中华人民共和国反不正当竞争法》第九条" in text
    assert "逾期 8 个工作日" in text  # completed 2023-09-17, due 10-19 (国庆), published 10-31
    assert "B 未按规定公示应当公示的信息" in text
    _shot(page, shots, "result")

    # 执法人员 -> one inspector and the draws that assigned them.
    page.click(".md-tabs >> text=执法检查人员")
    page.wait_for_url(f"{served.url}/inspectors/")
    heads = page.locator("article table thead th").all_inner_texts()
    assert heads[:3] == ["编号", "姓名", "职务"]
    assert not {"性别", "出生日期", "手机号码"} & set(heads)
    page.click("article >> text=INS-0007")
    page.wait_for_url(f"{served.url}/inspectors/INS-0007/")
    assert page.locator("table.gk-compact tbody tr").count() > 0
    fields = page.locator("dl.gk-fields dt").all_inner_texts()
    assert fields[:3] == ["编号", "姓名", "职务"]
    assert not {"性别", "出生日期", "手机号码"} & set(fields)
    _shot(page, shots, "inspector")
    page.click("article table >> text=SJX-2023-001-D1 >> nth=0")
    page.wait_for_url(f"{served.url}/draws/SJX-2023-001/")
    assert messages == []


def test_the_countdown_runs_until_the_round_arrives(served: Server, page: Any) -> None:
    page.goto(f"{served.url}/tasks/SJX-2023-004/")
    texts = page.evaluate(
        """() => {
            const add = (ms) => {
                const s = document.createElement('span');
                s.className = 'gk-countdown';
                s.dataset.at = new Date(Date.now() + ms).toISOString();
                s.dataset.arrived = '已产生';
                s.dataset.left = '距产生还有';
                document.body.appendChild(s);
                return s;
            };
            const future = add((2 * 86400 + 3 * 3600) * 1000 + 5000), past = add(-1000);
            window.gongkaiCountdown.refresh();
            return [future.textContent, past.textContent];
        }"""
    )
    assert re.fullmatch(r"距产生还有 2 天 03:00:0[0-9]", texts[0]), texts[0]
    assert texts[1] == "已产生"


# ---------------------------------------------------------------------------
# Print


@pytest.mark.parametrize(
    ("path", "name"),
    [("tasks/SJX-2023-001/", "task"), ("results/SJX-2023-001-R1/", "result")],
)
def test_notices_print_on_a4(
    served: Server, page: Any, shots: Path, path: str, name: str, tmp_path: Path
) -> None:
    page.goto(f"{served.url}/{path}")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.md-header', '.md-tabs', '.md-footer', '.md-sidebar--primary']
            .map(s => document.querySelector(s))
            .filter(Boolean)
            .map(el => getComputedStyle(el).display)"""
    )
    assert hidden
    assert set(hidden) == {"none"}
    rows = page.evaluate(
        "() => [...document.querySelectorAll('article tr')].map(tr => getComputedStyle(tr).breakInside)"
    )
    assert rows
    assert set(rows) == {"avoid"}
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(shots / f"site-print-{name}.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    sizes = set(re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf))
    assert sizes, "no page in the PDF"
    for w, h in sizes:
        assert abs(float(w) - 595.3) < 2, (w, h)
        assert abs(float(h) - 841.9) < 2, (w, h)
    (shots / f"site-print-{name}.pdf").write_bytes(pdf)


# ---------------------------------------------------------------------------
# Hostile record strings

SCRIPT = "<script>window.__gkPwned = 1; alert(1)</script>"
IMG = '<img src=x onerror="window.__gkPwned = 2; alert(2)">'
MD_LINK = "[点我](javascript:alert(3))"
JS_URL = "javascript:alert(4)"


@pytest.fixture(scope="module")
def hostile_dept_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built from a copy whose 市场监管局 has markup, a Markdown link and a
    javascript: URL in its name, short name and address, signed again with its TEST key."""
    from generator.keyfile import read_key_file
    from generator.keys_cli import sign_path

    base = tmp_path_factory.mktemp("hostile-dept")
    content = base / "content"
    shutil.copytree(CONTENT, content)
    dept = content / "departments" / "scjgj.yaml"
    text = dept.read_text("utf-8")
    text = text.replace("name: 示例县市场监督管理局", f"name: '示例县{SCRIPT}{MD_LINK}局'")
    text = text.replace("short_name: 县市场监管局", f"short_name: '{IMG}'")
    text = text.replace("address: 示例县城关镇政务中心1号楼", f"address: '{JS_URL} {MD_LINK}'")
    dept.write_text(text, "utf-8")
    key = read_key_file(REPO / "tests" / "fixtures" / "test-keys" / "dept-scjgj.json")
    assert sign_path(dept, key).startswith("re-signed")
    return build_site(REPO / "mkdocs.yml", base / "site", content)


def test_hostile_department_strings_are_shown_not_run(
    hostile_dept_site: Path, page: Any, shots: Path
) -> None:
    dialogs: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    name = f"示例县{SCRIPT}{MD_LINK}局"
    for path in (
        "index.html",
        "tasks/SJX-2023-001/index.html",
        "results/SJX-2023-001-R1/index.html",
        "plans/SJX-2023/index.html",
        "checklist/index.html",
        "departments/index.html",
        "inspectors/INS-0007/index.html",
    ):
        page.goto((hostile_dept_site / path).as_uri())
        assert page.evaluate("window.__gkPwned") is None, path
        assert page.locator("a[href^='javascript:' i]").count() == 0, path
        assert name in page.locator("article").inner_text(), path
    page.goto((hostile_dept_site / "tasks" / "SJX-2023-001" / "index.html").as_uri())
    assert page.locator("h1").inner_text() == f"{name}2023年度第001号抽查任务公告"
    _shot(page, shots, "hostile-task")
    page.goto((hostile_dept_site / "departments" / "index.html").as_uri())
    text = page.locator("article").inner_text()
    assert IMG in text
    assert f"{JS_URL} {MD_LINK}" in text
    assert dialogs == []
    feed = ET.parse(hostile_dept_site / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert f"{name}2023年度第001号抽查任务公告" in titles
