"""Search (搜索) with Pagefind: compact summary pages, indexed by the Pagefind CLI after the build.

Material's lunr search is off (``plugins: []`` in mkdocs.yml: no search plugin, no
``search/search_index.json``). Instead, after MkDocs has written the site:

1. :func:`summary_pages` writes one small HTML page per entity with a history (drawn,
   assigned or inspected) and one per draw under ``search/records/`` — a title, a few
   sentences and the filters (年度, 部门, 检查结果), never a 50-row table. Each page sends
   a reader on to the full record (the 企业查询 page, or the draw page). Each USCC stands
   in its own whitespace-delimited element, so that Pagefind indexes the full code as a
   word (a code right after ``代码：`` was not found by its full value).
2. :func:`run_pagefind` runs the ``pagefind_extended`` binary from PyPI ``pagefind[extended]``
   (it segments Chinese) on those pages only; it writes ``pagefind/`` with its default UI,
   which the ``search/`` page uses. Pagefind's Python indexing API is not used: it manages
   about ten records a second.

Every string from a record passes through :func:`~generator.site.render.esc`.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from .lookup import History, histories
from .render import Page, SiteData, esc

log = logging.getLogger("mkdocs.plugins.gongkai")

RECORDS_DIR = "search/records"


def _summary_html(title: str, target: str, body: str, filters: dict[str, set[str]]) -> str:
    tags = "".join(
        f'<span data-pagefind-filter="{esc(k)}:{esc(v)}"></span>'
        for k, values in filters.items()
        for v in sorted(values)
    )
    return (
        '<!doctype html>\n<html lang="zh"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        f'<meta http-equiv="refresh" content="0; url={esc(target)}">'
        '<meta name="robots" content="noindex">'
        f'</head><body><main data-pagefind-body><h1 data-pagefind-meta="title">{esc(title)}</h1>'
        f"{body}{tags}"
        f'<p><a href="{esc(target)}">查看完整记录</a></p></main></body></html>\n'
    )


def _entity_page(code: str, name: str | None, h: History) -> tuple[str, str]:
    title = name or f"检查对象 {code}"
    filters: dict[str, set[str]] = {"年度": set(), "部门": set(), "检查结果": set()}
    parts = [f"<p>统一社会信用代码： <span>{esc(code)}</span> </p>"]
    for t in h.tasks.values():
        filters["年度"].add(str(t["year"]))
        filters["部门"].add(t["dept"])
    tasks = "；".join(f"{t['id']} {t['title']}（{t['dept']}）" for t in h.tasks.values())
    if tasks:
        parts.append(f"<p>抽查任务：{esc(tasks)}</p>")
    if h.draws:
        draws = "；".join(
            f"{d['id']}（{d['drawn_at'][:10]}，{d['status']}）"
            + (f"，检查组 {d['team']}" if d.get("team") else "")
            for d in h.draws
        )
        parts.append(f"<p>摇号抽中：{esc(draws)}</p>")
    if h.results:
        for r in h.results:
            filters["年度"].add(r["completed_on"][:4])
            filters["部门"].add(r["dept"])
            filters["检查结果"].add(r["result"])
        results = "；".join(
            f"{r['completed_on']} {r['dept']}：{r['result']}，{r['disposal']}" for r in h.results
        )
        parts.append(f"<p>检查结果：{esc(results)}</p>")
    elif h.draws:
        filters["检查结果"].add("尚无检查结果")
    target = f"../../../lookup/?q={code}"
    return f"{RECORDS_DIR}/e/{code}.html", _summary_html(title, target, "".join(parts), filters)


def summary_pages(data: SiteData) -> Iterator[tuple[str, bytes]]:
    """The pages Pagefind indexes, as (path, bytes): entities with a history, and draws."""
    from .draws import _plan_and_task, draw_entries

    hist = histories(data)
    names: dict[str, str] = {}
    for e in draw_entries(data):
        names.update(e.names)
    for code in sorted(hist):
        h = hist[code]
        if not (h.draws or h.results or h.tasks):
            continue
        path, page = _entity_page(code, names.get(code) or h.name, h)
        yield path, page.encode("utf-8")
    for e in draw_entries(data):
        _, task = _plan_and_task(data, e.draw)
        dept = data.dept_name(e.draw.department)
        year = e.draw.drawn_at[:4]
        title = f"摇号记录 {e.draw.id}" + (f"：{task.title}" if task else "")
        body = (
            f"<p>抽查任务 <span>{esc(e.draw.task)}</span> ，{esc(dept)}，"
            f"摇号时间 {esc(e.draw.drawn_at[:16].replace('T', ' '))}，"
            f"对象池 {esc(e.bundle['in_scope'])} 户，抽中 {esc(len(e.bundle['visits']))} 户"
            f"{'（已作废）' if e.voided_by else ''}。</p>"
        )
        filters = {"年度": {year}, "部门": {dept}}
        target = "../../../" + e.url
        yield (
            f"{RECORDS_DIR}/d/{e.draw.id}.html",
            _summary_html(title, target, body, filters).encode("utf-8"),
        )


def write_summary_pages(data: SiteData, site_dir: Path) -> int:
    n = 0
    for path, blob in summary_pages(data):
        out = site_dir / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob)
        n += 1
    return n


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


def run_pagefind(site_dir: Path) -> bool:
    """Index the summary pages into ``site_dir/pagefind``. False (with a warning) when the
    pagefind package is missing; an indexing failure is an error."""
    cmd = pagefind_command()
    if cmd is None:
        log.warning(
            "搜索索引未生成：未安装 pagefind（pip install 'gongkai[site]'）/ "
            "pagefind is not installed: the search page will say so"
        )
        return False
    proc = subprocess.run(
        [
            *cmd,
            "--site",
            str(site_dir),
            "--glob",
            f"{RECORDS_DIR}/**/*.html",
            "--output-subdir",
            "pagefind",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pagefind failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return True


def search_page() -> Page:
    """The 搜索 page: Pagefind's default UI (vendored into the site by pagefind itself)."""
    body = (
        '<link rel="stylesheet" href="../pagefind/pagefind-ui.css">'
        '<div id="gk-search"><p class="gk-search-missing" hidden>'
        "搜索需要通过网站访问（http 或 https），并且需要在生成网站时安装 Pagefind。"
        '也可以使用<a href="../lookup/">企业查询</a>。</p></div>\n\n'
        "<p>可搜索企业名称、统一社会信用代码、抽查任务和摇号记录，并按年度、部门和检查结果筛选。"
        '按统一社会信用代码查看完整记录，请用<a href="../lookup/">企业查询</a>。</p>\n\n'
        '<script src="../pagefind/pagefind-ui.js"></script>'
        "<script>(function () {"
        'var box = document.getElementById("gk-search");'
        'if (typeof PagefindUI === "undefined" || location.protocol === "file:") {'
        'box.querySelector(".gk-search-missing").hidden = false; return; }'
        'new PagefindUI({ element: "#gk-search", showSubResults: false, showImages: false,'
        ' baseUrl: new URL("../", location.href).pathname, });'
        "})();</script>"
    )
    return Page("search/index.md", "搜索", body)
