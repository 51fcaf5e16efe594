"""Reusing the unchanged record pages of the previous build (the hash manifest).

A record page's HTML is a function of its Markdown (with the HTML lines
:func:`~generator.site.hooks.stash_html` set aside), the theme and its overrides,
MkDocs' configuration and the navigation (the same on every page: record pages are
not in it). :func:`page_keys` hashes exactly these into one key per page. The build
writes the keys of every generated page into the site as :data:`MANIFEST`; the next
build asks :class:`Reuse` which pages have the key they had, takes them out of
MkDocs' files so that MkDocs does not render them again, and :meth:`Reuse.link`
hard-links (or copies) their HTML from the previous site into the new one.

Pages in the navigation (the section index pages, the home page) are always rendered:
they are few, and the home page changes every day. A build without a previous site,
with another gongkai, MkDocs or Material, or with any change to the configuration,
the theme overrides or the navigation renders everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = ".gongkai-pages.json"
"""The manifest's file name in the site: ``{"format": 1, "pages": {dest: key}}``."""

ENV_PREVIOUS = "GONGKAI_PREVIOUS_SITE"
"""The previous site's directory, set by :func:`generator.site.build.build_site`."""


def fingerprint(config: Any, nav: Iterable[tuple[str, str]]) -> bytes:
    """What every page's HTML depends on besides its own Markdown: gongkai's code,
    MkDocs' and Material's versions, the configuration file, the theme overrides,
    ``extra``, and the navigation as (path, title) pairs."""
    from ..cache import fingerprint as code_fingerprint

    h = hashlib.sha256(b"gongkai page manifest 1\0")
    h.update(code_fingerprint())
    h.update(versions("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2"))
    h.update(Path(config.config_file_path).read_bytes())
    custom_dir = config.theme.custom_dir
    if custom_dir:
        custom = Path(custom_dir)
        for path in sorted(custom.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(custom).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    h.update(json.dumps(config.extra, sort_keys=True, default=str).encode() + b"\0")
    for where, title in sorted(nav):
        h.update(f"{where}\0{title}\0".encode())
    return h.digest()


def versions(*dists: str) -> bytes:
    """The installed versions of ``dists`` ("-" for one not installed), for a hash."""
    out = b""
    for dist in dists:
        try:
            out += f"{dist} {metadata.version(dist)}\0".encode()
        except metadata.PackageNotFoundError:
            out += f"{dist} -\0".encode()
    return out


def link_or_copy(src: Path, out: Path) -> None:
    """Put ``src`` at ``out`` as a hard link (a copy on another file system, or where
    there are no hard links): how a build takes files from the previous one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, out)
    except OSError:
        shutil.copy2(src, out)


def page_key(base: bytes, path: str, markdown: str, chunks: list[str]) -> str:
    """The key of one page: the fingerprint, its path, its Markdown and its HTML lines."""
    h = hashlib.sha256(base)
    h.update(path.encode() + b"\0")
    h.update(markdown.encode() + b"\0")
    for chunk in chunks:
        h.update(chunk.encode() + b"\0")
    return h.hexdigest()


@dataclass
class Reuse:
    """The previous build's keys and the pages this build takes from it."""

    previous: Path | None
    old: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """dest path -> key, of every generated record page of this build."""
    reused: list[str] = field(default_factory=list)

    @classmethod
    def from_environment(cls) -> Reuse:
        where = os.environ.get(ENV_PREVIOUS)
        previous = Path(where) if where else None
        old: dict[str, str] = {}
        if previous is not None:
            try:
                doc = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
                if doc.get("format") == 1 and isinstance(doc.get("pages"), dict):
                    old = {str(k): str(v) for k, v in doc["pages"].items()}
            except (OSError, ValueError):
                old = {}
        return cls(previous, old)

    def take(self, dest: str, key: str) -> bool:
        """Record the page's key; True when the previous site has it with this key."""
        self.keys[dest] = key
        if self.previous is None or self.old.get(dest) != key:
            return False
        if not (self.previous / dest).is_file():
            return False
        self.reused.append(dest)
        return True

    def link(self, site_dir: Path) -> None:
        """Put the reused pages into the new site, and write the manifest."""
        assert self.previous is not None or not self.reused
        for dest in self.reused:
            assert self.previous is not None
            link_or_copy(self.previous / dest, site_dir / dest)
        doc = {"format": 1, "pages": dict(sorted(self.keys.items()))}
        (site_dir / MANIFEST).write_text(
            json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )


def rewrite_sitemap(site_dir: Path, site_url: str | None, urls: Iterable[str], date: str) -> None:
    """MkDocs lists only the pages it rendered in sitemap.xml; the sitemap is written
    again with every page (only when the site has a URL: without one MkDocs' sitemap is
    empty)."""
    if not site_url:
        return
    import gzip
    from xml.sax.saxutils import escape

    base = site_url if site_url.endswith("/") else site_url + "/"
    body = "".join(
        f"    <url>\n         <loc>{escape(base + u)}</loc>\n         <lastmod>{date}</lastmod>\n    </url>\n"
        for u in sorted({"" if u == "./" else u for u in urls})
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>"
    )
    (site_dir / "sitemap.xml").write_text(text, encoding="utf-8")
    with gzip.open(site_dir / "sitemap.xml.gz", "wb") as fh:
        fh.write(text.encode("utf-8"))
