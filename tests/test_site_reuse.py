"""Unchanged record pages are taken from the previous build (generator/site/reuse.py):
the site is the same as a fresh build's, pages in the navigation are always rendered,
and a change to what every page depends on (here the theme overrides) renders all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from generator.site.build import build_site
from generator.site.reuse import MANIFEST

REPO = Path(__file__).resolve().parent.parent
MARK = "<!-- from the previous build -->"


def _project(tmp: Path) -> Path:
    for name in ("content", "site_config", "schemas"):
        shutil.copytree(REPO / name, tmp / name)
    shutil.copy2(REPO / "mkdocs.yml", tmp / "mkdocs.yml")
    (tmp / "generator").symlink_to(REPO / "generator")
    return tmp


def _mark(site: Path, page: str) -> None:
    path = site / page
    path.write_text(path.read_text(encoding="utf-8") + MARK, encoding="utf-8")


def _html(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in site.rglob("*.html")
        if "pagefind" not in p.parts
    }


def test_unchanged_record_pages_come_from_the_previous_build(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    site = project / "site"
    build_site(project / "mkdocs.yml", site, force=True)
    keys = json.loads((site / MANIFEST).read_text(encoding="utf-8"))["pages"]
    record = next(k for k in keys if k.startswith("draws/"))
    assert "index.html" not in keys  # the home page is in the navigation: not in the manifest
    _mark(site, record)
    _mark(site, "index.html")

    entry = site / "pagefind" / "pagefind-entry.json"
    assert (site / "pagefind" / ".gongkai-key").is_file()
    entry.write_bytes(entry.read_bytes() + b" ")  # marks the previous build's search index

    build_site(project / "mkdocs.yml", site, force=True)
    assert (site / record).read_text(encoding="utf-8").endswith(MARK)  # reused
    assert not (site / "index.html").read_text(encoding="utf-8").endswith(MARK)  # rendered
    assert entry.read_bytes().endswith(b" ")  # the same pages indexed: the index is reused
    entry.write_bytes(entry.read_bytes().removesuffix(b" "))

    fresh = tmp_path / "fresh"
    build_site(project / "mkdocs.yml", fresh)
    assert json.loads((fresh / MANIFEST).read_text(encoding="utf-8"))["pages"] == keys
    reused, rendered = _html(site), _html(fresh)
    reused[record] = reused[record].removesuffix(MARK.encode())
    assert reused == rendered  # the same site as a build from nothing

    overrides = project / "site_config" / "overrides" / "main.html"
    overrides.write_text(
        overrides.read_text(encoding="utf-8") + "\n{# changed #}\n", encoding="utf-8"
    )
    _mark(site, record)
    build_site(project / "mkdocs.yml", site, force=True)
    assert not (site / record).read_text(encoding="utf-8").endswith(MARK)  # rendered again


def test_the_sitemap_lists_every_page_when_the_site_has_a_url(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\nsite_url: https://example.org/sjx/\n",
        encoding="utf-8",
    )
    site = build_site(config)
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    pages = {
        p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if not p.parts[len(site.parts)].startswith(("pagefind", "assets"))
    }
    pages = {"" if p == "./" else p for p in pages}
    listed = {
        line.strip().removeprefix("<loc>https://example.org/sjx/").removesuffix("</loc>")
        for line in sitemap.splitlines()
        if "<loc>" in line
    }
    assert pages <= listed  # every page, those MkDocs did not render included
    assert any(p.startswith("inspectors/INS-") for p in listed)


def test_a_reused_search_index_leaves_out_only_the_indexes_nested_in_it(tmp_path: Path) -> None:
    from generator.site.search import MANIFEST as SEARCH_MANIFEST
    from generator.site.search import _link_index

    previous, site = tmp_path / "old", tmp_path / "new"
    for rel in (
        "pagefind/pagefind-entry.json",
        "pagefind/fragment/a.pf_fragment",
        "pagefind/b1/pagefind-entry.json",
        "pagefind/b1/fragment/b.pf_fragment",
        "pagefind/b2/pagefind-entry.json",
        SEARCH_MANIFEST,
    ):
        (previous / rel).parent.mkdir(parents=True, exist_ok=True)
        (previous / rel).write_text(rel, encoding="utf-8")
    outputs = {"pagefind", "pagefind/b1", "pagefind/b2"}
    _link_index(previous, site, "pagefind/b1", outputs)
    _link_index(previous, site, "pagefind", outputs)
    got = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert got == [
        "pagefind/b1/fragment/b.pf_fragment",
        "pagefind/b1/pagefind-entry.json",
        "pagefind/fragment/a.pf_fragment",
        "pagefind/pagefind-entry.json",
    ]  # b2 is made again elsewhere; the search manifest is written by the build
