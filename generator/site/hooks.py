"""MkDocs hooks: everything the build needs from MkDocs and Material lives here.

Pages are generated from the records at build time (``File.generated``);
no generated Markdown is ever written into the repository. Record pages are
kept out of the navigation, which lists only the section index pages.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel

from generator import clock
from generator.content import load_content
from generator.errors import InputError, Problem
from generator.site import lookup, opendata, pages, search, stats
from generator.site.render import Page, SiteData, data_files, render_pages
from generator.site.reuse import Reuse, page_key, rewrite_sitemap
from generator.site.reuse import fingerprint as reuse_fingerprint

_STATE: dict[str, Any] = {}


def _content_dirs(config: MkDocsConfig) -> tuple[Path, Path]:
    base = Path(config.config_file_path).parent
    extra = config.extra.get("gongkai", {})
    content = Path(os.environ.get("GONGKAI_CONTENT", base / extra.get("content", "content")))
    site_config = Path(
        os.environ.get("GONGKAI_SITE_CONFIG", base / extra.get("site_config", "site_config"))
    )
    return content, site_config


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    from generator.validate import validate

    content_dir, config_dir = _content_dirs(config)
    from generator.verify import verify_content

    content = load_content(content_dir, config_dir)
    report = validate(content)
    if report.errors:
        raise InputError(report.errors)
    verified = verify_content(content, clock.today().isoformat())
    if not verified.ok:
        raise InputError(
            Problem(c.subject, 0, 0, "", f"signature check failed: {c.reason}")
            for c in verified.checks
            if c.status == "fail"
        )
    _STATE["data"] = SiteData(report)
    _STATE["stash"] = {}
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    data: SiteData = _STATE["data"]
    demo = bool(data.site and data.site.demo)
    schemas = Path(config.config_file_path).parent / "schemas"
    stash: dict[str, list[str]] = _STATE.setdefault("stash", {})
    made: list[tuple[str, str, File]] = []  # (title, markdown, file)
    for page in [*render_pages(data), *_feature_pages(data, schemas)]:
        existing = files.get_file_from_path(page.path)
        if existing is not None:
            files.remove(existing)
        inclusion = (
            InclusionLevel.INCLUDED if page.path.endswith("index.md") else InclusionLevel.NOT_IN_NAV
        )
        markdown = stash_html(page.path, page.markdown(demo), stash)
        made.append(
            (
                page.title,
                markdown,
                File.generated(config, page.path, content=markdown, inclusion=inclusion),
            )
        )
    # Record pages whose key is unchanged since the previous build are taken from it
    # (generator/site/reuse.py); pages in the navigation are always rendered.
    nav = [(f.src_uri, title) for title, _, f in made if f.inclusion is InclusionLevel.INCLUDED]
    nav += [
        (f.src_uri, hashlib.sha256(Path(f.abs_src_path).read_bytes()).hexdigest())
        for f in files.documentation_pages()
        if f.abs_src_path
    ]
    reuse = Reuse.from_environment()
    _STATE["reuse"] = reuse
    base = reuse_fingerprint(config, nav)
    urls = [f.url for f in files.documentation_pages()]
    for _title, markdown, f in made:
        urls.append(f.url)
        if f.inclusion is not InclusionLevel.INCLUDED:
            key = page_key(base, f.src_uri, markdown, stash.get(f.src_uri, []))
            if reuse.take(f.dest_uri, key):
                stash.pop(f.src_uri, None)
                continue
        files.append(f)
    _STATE["urls"] = urls
    for path, blob in [*data_files(data), *stats.stats_files(data)]:
        files.append(
            File.generated(config, path, content=blob, inclusion=InclusionLevel.NOT_IN_NAV)
        )
    return files


_BLOCK_TAGS = (
    "table",
    "dl",
    "div",
    "details",
    "section",
    "ol",
    "ul",
    "pre",
    "figure",
    "svg",
    "form",
    "p",
)
_BLOCK_LINE = re.compile(r"<(" + "|".join(_BLOCK_TAGS) + r")[\s>].*</\1>\Z", re.DOTALL)
STASH_MIN = 200
"""HTML lines shorter than this stay in the Markdown (stashing them gains nothing)."""


def stash_html(path: str, markdown: str, stash: dict[str, list[str]]) -> str:
    """The page's Markdown with each long raw-HTML block line replaced by a placeholder
    comment; the lines go into ``stash[path]`` and come back in ``on_page_content``.

    Python-Markdown passes a raw HTML block through unchanged, but parses it with
    Python's HTML parser first: for record pages with long tables that was most of
    the build's time. A line is stashed only when Markdown would take it as one whole
    raw block: it stands alone between blank lines, starts with a block-level tag and
    ends with that tag's closing tag."""
    lines = markdown.split("\n")
    chunks: list[str] = []
    for i, line in enumerate(lines):
        if (
            len(line) >= STASH_MIN
            and (i == 0 or not lines[i - 1].strip())
            and (i + 1 == len(lines) or not lines[i + 1].strip())
            and _BLOCK_LINE.match(line)
        ):
            lines[i] = f"<!--gk-stash:{len(chunks)}-->"
            chunks.append(line)
    if chunks:
        stash[path] = chunks
    return "\n".join(lines)


def on_page_content(html: str, page: Any, config: MkDocsConfig, files: Files) -> str:  # noqa: ARG001
    """Put back the HTML lines :func:`stash_html` took out of the page's Markdown."""
    chunks = _STATE.get("stash", {}).pop(page.file.src_uri, None)
    if not chunks:
        return html
    return _PLACEHOLDER.sub(lambda m: chunks[int(m.group(1))], html)


_PLACEHOLDER = re.compile(r"<!--gk-stash:(\d+)-->")


def _feature_pages(data: SiteData, schemas: Path) -> list[Page]:
    """企业查询, 搜索, 统计分析 and 开放数据 (generator/site/lookup.py, search.py, stats.py,
    opendata.py)."""
    return [
        lookup.lookup_page(),
        search.search_page(),
        *stats.stats_pages(data),
        opendata.open_data_page(data),
        opendata.dictionary_page(schemas),
    ]


def on_post_build(config: MkDocsConfig) -> None:
    """The Atom feed of the latest notices (feed.xml), files too many for MkDocs to carry
    (the 企业查询 shards, the pages of all inspectors but one) and the Pagefind index,
    written straight into the built site."""
    data: SiteData = _STATE["data"]
    site_dir = Path(config.site_dir)
    reuse: Reuse = _STATE["reuse"]
    reuse.link(site_dir)
    base_url = (data.site.base_url if data.site else None) or config.site_url or None
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    (site_dir / "feed.xml").write_bytes(pages.feed_xml(data, base_url))
    for path, blob in lookup.lookup_files(data):
        out = site_dir / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob)
    search.write_search_index(data, site_dir)
    pages.write_inspector_pages(data, site_dir)
    if config.site_url:
        # MkDocs lists only the pages it rendered: not the reused ones, nor the inspector
        # pages written above.
        from mkdocs.utils import get_build_date

        inspectors = [
            p.parent.relative_to(site_dir).as_posix() + "/"
            for p in (site_dir / "inspectors").rglob("index.html")
        ]
        rewrite_sitemap(site_dir, config.site_url, [*_STATE["urls"], *inspectors], get_build_date())
    # The transparency log, byte for byte at a stable URL (log/checkpoint, log/tile/…).
    log_dir = data.report.content.root / "log"
    if log_dir.is_dir():
        shutil.copytree(log_dir, site_dir / "log", dirs_exist_ok=True)
