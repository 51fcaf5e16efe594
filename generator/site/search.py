"""Search (搜索) with Pagefind: summary pages indexed by the Pagefind CLI after the build.

Material's lunr search is off (``plugins: []`` in mkdocs.yml: no search plugin, no
``search/search_index.json``). Instead, after MkDocs has written the site:

1. :func:`summary_bundles` makes the pages Pagefind indexes, in a temporary directory
   outside the site (they are never published):

   * entities with a history (drawn, assigned or inspected), up to :data:`GROUP_MAX` on
     one page, each its own ``<h2 id="<code>">name</h2>`` — a Pagefind sub-result. The
     entities on a page share their filters (年度, 部门, 检查结果) exactly, so that a filter
     picks whole pages. Only the names are indexed: a query that is a 统一社会信用代码 is
     answered from the 企业查询 index instead (``lookup/``), which the search page reads;
   * one page per draw (title, task, department, time, pool), with the draw page's URL as
     Pagefind's ``url`` metadata.

2. :func:`write_search_index` runs the ``pagefind_extended`` binary from PyPI
   ``pagefind[extended]`` (it segments Chinese) over them, writing ``pagefind/``. Pagefind
   holds the whole index in memory, so at most :data:`BUNDLE_ENTITIES` entities go into one
   index: the draws and the first entities into ``pagefind/``, the rest into
   ``pagefind/b1/``, ``pagefind/b2/`` …, listed in ``pagefind/gongkai.json``; the search
   page merges them (Pagefind's ``mergeIndex``). Pagefind's Python indexing API is not
   used: it manages about ten records a second.

The search page (``assets/js/gongkai-search.js``) lists one line per entity (its name, its
code and a link to its 企业查询 record) and per draw. Every string from a record passes
through :func:`~generator.site.render.esc`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import GongkaiError
from .lookup import EntityIndex, entity_index
from .render import Page, SiteData, esc
from .reuse import ENV_PREVIOUS, link_or_copy, versions

log = logging.getLogger("mkdocs.plugins.gongkai")

GROUP_MAX = 100
"""At most this many entities on one summary page."""
BUNDLE_ENTITIES = 100_000
"""At most about this many entities in one Pagefind index (Pagefind's memory grows with it)."""
PAGEFIND_RUNS = 2
"""Pagefind runs at once (each mostly on one core, up to about 400 MB)."""
NO_RESULT = "尚无检查结果"
FILTERS = ("年度", "部门", "检查结果")
MANIFEST = "pagefind/gongkai.json"
MANIFEST_FORMAT = "gongkai-search/1"
UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-highlight.js",
)
"""Pagefind's prebuilt interfaces: the search page has its own, so they are not published."""

Filters = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass
class Bundle:
    """The summary pages of one Pagefind index, as (path, HTML) pairs."""

    output: str
    """Where the index goes, relative to the site."""
    pages: list[tuple[str, str]]
    entities: int


def entity_filters(index: EntityIndex) -> Iterator[tuple[str, Filters]]:
    """Every entity with a history and its filter values (年度, 部门, 检查结果)."""
    tasks = index.tables["t"].rows
    notices = index.tables["s"].rows
    for code, ent in index.entities.items():
        if not ent.has_history:
            continue
        years = {str(tasks[t][2]) for t in ent.tasks}
        depts = {tasks[t][4] for t in ent.tasks}
        results = set()
        for r in ent.results:
            years.add(r[1][:4])
            depts.add(notices[r[0]][2])
            results.add(index.codes[r[2]])
        if not results and ent.draws:
            results.add(NO_RESULT)
        yield code, (tuple(sorted(years)), tuple(sorted(depts)), tuple(sorted(results)))


def _page(title: str, body: str, filters: Filters, meta: dict[str, str]) -> str:
    tags = "".join(
        f'<span data-pagefind-filter="{esc(name)}:{esc(v)}"></span>'
        for name, values in zip(FILTERS, filters, strict=True)
        for v in values
    )
    metas = "".join(
        f'<span data-pagefind-meta="{esc(k)}:{esc(v)}"></span>' for k, v in meta.items()
    )
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{esc(title)}'
        f"</title></head><body><main data-pagefind-body>{body}{tags}{metas}</main></body>"
        "</html>\n"
    )


def _draw_pages(data: SiteData) -> Iterator[tuple[str, str]]:
    from .draws import _plan_and_task, draw_entries

    for e in draw_entries(data):
        _, task = _plan_and_task(data, e.draw)
        dept = data.dept_name(e.draw.department)
        title = f"摇号记录 {e.draw.id}" + (f"：{task.title}" if task else "")
        body = (
            f'<h1 data-pagefind-meta="title">{esc(title)}</h1>'
            f"<p>抽查任务 <span>{esc(e.draw.task)}</span> ，{esc(dept)}，"
            f"摇号时间 {esc(e.draw.drawn_at[:16].replace('T', ' '))}，"
            f"对象池 {esc(e.bundle['in_scope'])} 户，抽中 {esc(len(e.bundle['visits']))} 户"
            f"{'（已作废）' if e.voided_by else ''}。</p>"
        )
        filters: Filters = ((e.draw.drawn_at[:4],), (dept,), ())
        yield (
            f"d/{e.draw.id}.html",
            _page(title, body, filters, {"kind": "d", "url": e.url}),
        )


def _entity_names(data: SiteData, index: EntityIndex) -> dict[str, str]:
    """Entity names from the registries the draws read, else from the result notices."""
    from .draws import draw_entries

    names: dict[str, str] = {}
    seen: set[int] = set()
    for e in draw_entries(data):
        if id(e.names) not in seen:  # one dict per registry, shared by its draws
            seen.add(id(e.names))
            names.update(e.names)
    for code, ent in index.entities.items():
        if ent.name and code not in names:
            names[code] = ent.name
    return names


def summary_bundles(
    data: SiteData, group_max: int | None = None, bundle_entities: int | None = None
) -> list[Bundle]:
    """The pages Pagefind indexes, split into indexes of about ``bundle_entities``
    (default :data:`BUNDLE_ENTITIES`) entities: entities with a history, at most
    ``group_max`` (default :data:`GROUP_MAX`) with the same filter values on a page, and
    the draws."""
    group_max = group_max or GROUP_MAX
    bundle_entities = bundle_entities or BUNDLE_ENTITIES
    index = entity_index(data)
    names = _entity_names(data, index)
    groups: dict[Filters, list[str]] = defaultdict(list)
    for code, filters in entity_filters(index):
        groups[filters].append(code)
    bundles = [Bundle("pagefind", list(_draw_pages(data)), 0)]
    n = 0
    for filters in sorted(groups):
        codes = sorted(groups[filters])
        for start in range(0, len(codes), group_max):
            chunk = codes[start : start + group_max]
            if bundles[-1].entities + len(chunk) > bundle_entities and bundles[-1].entities:
                bundles.append(Bundle(f"pagefind/b{len(bundles)}", [], 0))
            body = "".join(
                f'<h2 id="{esc(code)}">{esc(names.get(code) or f"检查对象 {code}")}</h2>'
                for code in chunk
            )
            bundles[-1].pages.append(
                (f"e/{n}.html", _page("检查对象", body, filters, {"kind": "e"}))
            )
            bundles[-1].entities += len(chunk)
            n += 1
    return bundles


def pagefind_command() -> list[str] | None:
    """How to run Pagefind (the extended binary from PyPI), or None if it is not installed."""
    try:
        from pagefind.service import _must_get_executable  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        binary = _must_get_executable()
    except Exception:
        return None
    del binary
    return [sys.executable, "-m", "pagefind"]


def write_search_index(data: SiteData, site_dir: Path) -> bool:
    """Index the summary pages into ``site_dir/pagefind`` (and ``pagefind/b1/`` … when
    there are more entities than one index holds). False (with a warning) when the
    pagefind package is missing; an indexing failure is an error."""
    cmd = pagefind_command()
    if cmd is None:
        log.warning(
            "搜索索引未生成：未安装 pagefind（pip install 'gongkai[site]'）/ "
            "pagefind is not installed: the search page will say so"
        )
        return False
    bundles = summary_bundles(data)
    keys = [_bundle_key(b) for b in bundles]
    nested = {b.output for b in bundles}
    where = os.environ.get(ENV_PREVIOUS)
    previous = Path(where) if where else None
    reused = [i for i, b in enumerate(bundles) if _reusable(previous, b.output, keys[i])]
    todo = [i for i in range(len(bundles)) if i not in reused]
    with tempfile.TemporaryDirectory(prefix="gongkai-search-") as tmp:
        work = Path(tmp)
        with ThreadPoolExecutor(max_workers=max(1, min(PAGEFIND_RUNS, len(todo)))) as pool:
            done = list(pool.map(lambda i: _index(cmd, bundles[i], work / str(i)), todo))
        for i, output in zip(todo, done, strict=True):
            target = site_dir / bundles[i].output
            if target.exists():  # a previous build's, left by a dirty rebuild
                shutil.rmtree(target)
            shutil.move(output, target)
            (target / KEY_FILE).write_text(keys[i], encoding="utf-8")
    for i in reused:
        assert previous is not None
        _link_index(previous, site_dir, bundles[i].output, nested)
    manifest = {
        "format": MANIFEST_FORMAT,
        "bundles": [b.output.removeprefix("pagefind/") + "/" for b in bundles[1:]],
        "entities": sum(b.entities for b in bundles),
    }
    (site_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return True


KEY_FILE = ".gongkai-key"
"""In each index folder: the SHA-256 of Pagefind's version and the pages it indexed."""


def _bundle_key(bundle: Bundle) -> str:
    h = hashlib.sha256(b"gongkai pagefind bundle 1\0")
    h.update(versions("pagefind"))
    h.update(bundle.output.encode() + b"\0")
    for path, html in bundle.pages:
        h.update(path.encode() + b"\0" + html.encode() + b"\0")
    return h.hexdigest()


def _reusable(previous: Path | None, output: str, key: str) -> bool:
    """Whether the previous build indexed the same pages (Pagefind makes the same index
    of the same pages, so it can be taken as it is)."""
    if previous is None:
        return False
    try:
        return (previous / output / KEY_FILE).read_text(encoding="utf-8") == key
    except OSError:
        return False


def _link_index(previous: Path, site_dir: Path, output: str, outputs: set[str]) -> None:
    """Hard-link (or copy) the previous build's index ``output`` into the site, without
    the other indexes nested in its folder and the search manifest."""
    others = {o for o in outputs if o.startswith(output + "/")}  # indexes nested in this one
    for path in sorted((previous / output).rglob("*")):
        rel = path.relative_to(previous).as_posix()
        if rel == MANIFEST or any(rel == o or rel.startswith(o + "/") for o in others):
            continue
        if not path.is_dir():
            link_or_copy(path, site_dir / rel)


def _index(cmd: list[str], bundle: Bundle, work: Path) -> Path:
    """Write one bundle's pages under ``work`` and index them; returns the index's folder."""
    pages, output = work / "pages", work / "index"
    for path, html in bundle.pages:
        out = pages / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    proc = subprocess.run(
        [*cmd, "--site", str(pages), "--output-path", str(output), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GongkaiError(
            f"搜索索引生成失败 / pagefind failed ({proc.returncode}): {proc.stderr or proc.stdout}"
        )
    for name in UNUSED:
        (output / name).unlink(missing_ok=True)
    shutil.rmtree(pages)
    return output


def search_page() -> Page:
    """The 搜索 page: a form, filled in by assets/js/gongkai-search.js from Pagefind's
    index (vendored into the site by Pagefind itself) and the 企业查询 index."""
    options = "".join(
        f'<label>{esc(name)} <select data-filter="{esc(name)}">'
        f'<option value="">{esc("全部")}</option></select></label> '
        for name in FILTERS
    )
    body = (
        '<div id="gk-search" data-root="../">'
        '<form class="gk-search-form" role="search">'
        '<label for="gk-search-q">关键词</label> '
        '<input id="gk-search-q" name="q" type="search" autocomplete="off" '
        'placeholder="企业名称、统一社会信用代码、任务名称或摇号记录编号">'
        ' <button type="submit">搜索</button>'
        f'<div class="gk-search-filters">{options}</div></form>'
        '<p class="gk-search-status" aria-live="polite"></p>'
        '<ul class="gk-search-list"></ul>'
        '<p><button type="button" class="gk-search-more" hidden>显示更多</button></p>'
        '<p class="gk-search-missing" hidden>'
        "搜索需要通过网站访问（http 或 https），并且需要在生成网站时安装 Pagefind。"
        '也可以使用<a href="../lookup/">企业查询</a>。</p></div>\n\n'
        "<p>可搜索企业名称、统一社会信用代码、抽查任务和摇号记录，并按年度、部门和检查结果筛选"
        "（不输入关键词时，列出符合筛选条件的全部记录）。"
        '按统一社会信用代码查看完整记录，请用<a href="../lookup/">企业查询</a>。</p>\n\n'
        '<script src="../assets/js/gongkai-lookup.js"></script>'
        '<script src="../assets/js/gongkai-search.js"></script>'
    )
    return Page("search/index.md", "搜索", body)
