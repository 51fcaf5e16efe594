"""执法检查人员 pages: every assignment listed, pages bounded, and the pages written after the
build (generator/site/pages.py write_inspector_pages) the same as MkDocs would render them.

The expected assignments are read here straight from the signed draw records (members, and
reserves expanded through teams), not through the code under test.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from generator.content import load_content
from generator.site import pages
from generator.site.build import build_site
from generator.site.render import LABELS, Page, SiteData
from generator.validate import validate
from tests.conftest import CONTENT, REPO, SITE_CONFIG

ROW = re.compile(
    r'<tr><td><a href="[^"]*">([^<]+)</a>(?:（已作废）)?<br>[^<]*</td><td>([^<]+)</td>'
    r"<td>(.*?)</td></tr>"
)
CODE = re.compile(r"([0-9A-Z]{18})）?$")


@pytest.fixture(scope="module")
def data() -> SiteData:
    return SiteData(validate(load_content(CONTENT, SITE_CONFIG)))


def _expected() -> dict[str, Counter[tuple[str, str, str]]]:
    """Inspector id -> (draw id, target, role) from the signed draw records."""
    out: dict[str, Counter[tuple[str, str, str]]] = {}
    for path in sorted((CONTENT / "draws").rglob("v*.yaml")):
        doc = YAML(typ="safe", pure=True).load(path)
        if "signatures" not in doc:
            continue
        draw = doc["signed"]
        teams = {t["team"]: t["members"] for t in draw.get("teams", [])}
        for a in draw.get("assignments", []):
            for m in a["members"]:
                out.setdefault(m, Counter())[(draw["id"], a["target"], LABELS["member"])] += 1
            for res in a.get("reserves", []):
                for m in teams.get(res, [res]):
                    out.setdefault(m, Counter())[(draw["id"], a["target"], LABELS["reserve"])] += 1
    return out


def _all_pages(data: SiteData) -> dict[str, list[Page]]:
    people = pages._latest_inspectors(data)
    return {pid: pages._inspector_pages(data, p, reg) for pid, (p, reg) in people.items()}


def test_every_assignment_is_listed_once(data: SiteData) -> None:
    expected = _expected()
    assert sum(len(c) for c in expected.values()) > 1000
    found: dict[str, Counter[tuple[str, str, str]]] = {}
    for pid, ps in _all_pages(data).items():
        got = found.setdefault(pid, Counter())
        for page in ps:
            for draw, role, cell in ROW.findall(page.body):
                for target in html.unescape(cell).split("<br>"):
                    match = CODE.search(target)
                    assert match, target
                    got[(draw, match.group(1), role)] += 1
    assert {k: v for k, v in found.items() if v} == expected


def test_inspector_pages_are_bounded_and_linked(data: SiteData) -> None:
    several = 0
    for pid, ps in _all_pages(data).items():
        assert ps[0].path == f"inspectors/{pid}.md"
        for n, page in enumerate(ps[1:], 2):
            assert page.path == f"inspectors/{pid}/{n}.md"
        several += len(ps) > 1
        for n, page in enumerate(ps, 1):
            links = re.findall(r'<a href="([^"]*)"', page.body)
            assert len(links) <= pages.MORE_PAGE_ROWS + len(ps) * 2 < 200
            rows = ROW.findall(page.body)
            assert rows or len(ps) == 1
            if len(ps) > 1:
                # The pager links every other page, relative to this one.
                pager = re.findall(r'<p class="gk-pager">(.*?)</p>', page.body)
                assert len(pager) == 2
                hrefs = re.findall(r'href="([^"]*)"', pager[0])
                want = [
                    ("./" if n == 1 else "../") if m == 1 else (f"{m}/" if n == 1 else f"../{m}/")
                    for m in pages.pager_pages(n, len(ps))
                    if m is not None and m != n
                ]
                assert hrefs == want
            size = sum(len(c.encode("utf-8")) for row in rows for c in row)
            limit = pages.FIRST_PAGE_ROW_BYTES if n == 1 else pages.MORE_PAGE_ROW_BYTES
            assert size <= limit
    assert several > 10


@pytest.mark.parametrize(
    ("n", "k", "shown"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 9, [1, 2, 3, None, 9]),
        (5, 9, [1, None, 3, 4, 5, 6, 7, None, 9]),
        (4, 9, [1, 2, 3, 4, 5, 6, None, 9]),
        (9, 9, [1, None, 7, 8, 9]),
    ],
)
def test_a_pager_links_the_ends_and_the_pages_near(n: int, k: int, shown: list[int | None]) -> None:
    assert pages.pager_pages(n, k) == shown


def test_the_listing_is_paginated(data: SiteData, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "LISTING_LIMIT", 7)
    listing = [p for p in pages.inspector_pages(data) if "/INS-" not in p.path]
    people = sorted(pages._latest_inspectors(data))
    k = -(-len(people) // 7)
    assert [p.path for p in listing] == ["inspectors/index.md"] + [
        f"inspectors/_{n}.md" for n in range(2, k + 1)
    ]
    linked = []
    for n, page in enumerate(listing, 1):
        ids = re.findall(r'<a href="(?:\.\./)?([^"/]+)/">\1</a>', page.body)
        assert len(ids) <= 7
        linked += ids
        assert f"第 {n} 页，共 {k} 页" in page.body
    assert linked == people


@pytest.mark.slow
def test_pages_written_after_the_build_equal_what_mkdocs_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build the demo twice: as published (MkDocs renders one inspector, the rest are
    written from it) and with MkDocs rendering every inspector. Every inspector page is
    the same byte for byte, and an inspector's own page stays under 20 KB."""
    fast = build_site(REPO / "mkdocs.yml", tmp_path / "fast")
    shell: list[Any] = []
    original = pages._shell_inspector

    def spy(*args: Any) -> Any:
        shell.append(original(*args))
        return None

    monkeypatch.setattr(pages, "_shell_inspector", spy)
    slow = build_site(REPO / "mkdocs.yml", tmp_path / "slow")
    assert shell
    assert shell[0] is not None
    files = sorted(p.relative_to(slow) for p in (slow / "inspectors").rglob("index.html"))
    assert sorted(p.relative_to(fast) for p in (fast / "inspectors").rglob("index.html")) == files
    assert len(files) > 60
    for path in files:
        assert (fast / path).read_bytes() == (slow / path).read_bytes(), path
        if len(path.parts) == 3:  # inspectors/<id>/index.html
            assert (fast / path).stat().st_size <= 20_000, path
    # The pages MkDocs rendered carry the shell markers; the pages written do not differ.
    assert pages.SHELL_START in (fast / "inspectors" / shell[0] / "index.html").read_text("utf-8")
