"""Building the site atomically: into a temporary directory, swapped in only on success."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from generator.errors import GongkaiError
from generator.site.reuse import ENV_PREVIOUS


class BuildError(GongkaiError):
    """MkDocs could not build the site."""


STAMP = ".gongkai-build.json"
"""In the built site: what it was built from (:func:`input_stamp`) and what it holds
(:func:`output_stamp`), for telling that nothing changed since."""


def build_site(
    config_file: Path,
    site_dir: Path | None = None,
    content_dir: Path | None = None,
    force: bool = False,
) -> Path:
    """Build the site described by ``config_file`` into ``site_dir``.

    The build goes to a fresh directory next to ``site_dir``; only when it
    succeeds is the old site replaced, so a failed build leaves it untouched.
    The old site is moved aside and removed in the background.

    When nothing the build reads has changed since the site was built (the files of
    the project, the content and the configuration, gongkai's code and its libraries'
    versions, the day it is built as of), and nothing in the site was changed either,
    the site is left as it is (unless ``force``); :func:`up_to_date` says so.
    Returns the site directory.
    """
    config_file = config_file.resolve()
    target = (site_dir or config_file.parent / "site").resolve()
    stamp = input_stamp(config_file, target, content_dir)
    if not force and up_to_date(target, stamp):
        return target
    return _build(config_file, target, content_dir, stamp)


def site_is_current(config_file: Path, site_dir: Path | None, content_dir: Path | None) -> bool:
    """Whether :func:`build_site` would leave the site as it is (nothing changed)."""
    config_file = config_file.resolve()
    target = (site_dir or config_file.parent / "site").resolve()
    return up_to_date(target, input_stamp(config_file, target, content_dir))


def up_to_date(target: Path, stamp: str) -> bool:
    """Whether the site at ``target`` was built from inputs with this stamp and is
    as that build left it."""
    import json

    try:
        held = json.loads((target / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(held, dict)
        and held.get("inputs") == stamp
        and held.get("outputs") == output_stamp(target)
    )


def input_stamp(config_file: Path, target: Path, content_dir: Path | None) -> str:
    """SHA-256 of everything a build reads: the path, size and modification time of
    every file of the project (the folder of ``config_file``, without the site, git's
    folder and caches), of the content and configuration folders wherever they are, the
    code's fingerprint (generator/cache.py), the versions of MkDocs, Material and
    Pagefind, the environment variables the build reads and the day (generator/clock.py)."""
    import hashlib

    from generator import clock
    from generator.cache import fingerprint
    from generator.site.reuse import versions

    h = hashlib.sha256(b"gongkai build stamp 1\0")
    h.update(fingerprint())
    h.update(versions("mkdocs", "mkdocs-material", "pagefind", "markdown", "pymdown-extensions"))
    h.update(f"today {clock.today().isoformat()}\0target {target}\0".encode())
    roots = [config_file.parent]
    for name in ("GONGKAI_CONTENT", "GONGKAI_SITE_CONFIG"):
        value = os.environ.get(name)
        h.update(f"{name}={value}\0".encode())
        if value:
            roots.append(Path(value))
    if content_dir is not None:
        h.update(f"content {content_dir.resolve()}\0".encode())
        roots.append(content_dir)
    skip = {target, target.parent / (target.name + ".previous")}
    for root in roots:
        _stat_tree(h, root.resolve(), skip)
    return h.hexdigest()


def output_stamp(site: Path) -> str:
    """SHA-256 of the path, size and modification time of every file of the site
    (without the stamp itself)."""
    import hashlib

    h = hashlib.sha256(b"gongkai site files 1\0")
    _stat_tree(h, site, set(), leave=STAMP)
    return h.hexdigest()


_SKIPPED = (".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis")


def _stat_tree(h: Any, root: Path, skip: set[Path], leave: str | None = None) -> None:
    if not root.exists():
        h.update(f"missing {root}\0".encode())
        return
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIPPED
            and not d.startswith((".site-build-", ".site-old-"))
            and not d.startswith(f".{root.name}-old-")
            and here / d not in skip
        )
        for name in sorted(files):
            if name == leave and here == root:
                continue
            st = os.lstat(here / name)
            rel = (here / name).relative_to(root).as_posix()
            h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())


def _build(config_file: Path, target: Path, content_dir: Path | None, stamp: str) -> Path:
    import json

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-build-", dir=target.parent))
    old_env = os.environ.get("GONGKAI_CONTENT")
    if content_dir is not None:
        os.environ["GONGKAI_CONTENT"] = str(content_dir.resolve())
    # Unchanged record pages are taken from the previous site (generator/site/reuse.py).
    old_previous = os.environ.pop(ENV_PREVIOUS, None)
    if target.is_dir():
        os.environ[ENV_PREVIOUS] = str(target)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        config = load_config(str(config_file), site_dir=str(staging))
        build(config)
    except MkDocsException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"MkDocs could not build the site: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        os.environ.pop(ENV_PREVIOUS, None)
        if old_previous is not None:
            os.environ[ENV_PREVIOUS] = old_previous
        if content_dir is not None:
            if old_env is None:
                os.environ.pop("GONGKAI_CONTENT", None)
            else:
                os.environ["GONGKAI_CONTENT"] = old_env
    (staging / STAMP).write_text(
        json.dumps({"inputs": stamp, "outputs": output_stamp(staging)}), encoding="utf-8"
    )
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        target.rename(old / target.name)
    staging.rename(target)
    if old is not None:
        remove_later(old)
    return target


def remove_later(path: Path) -> None:
    """Remove a directory tree in a detached process, so that the command can finish
    now: a province's previous site has half a million files, and removing them took
    longer than some whole builds. If that process cannot start, remove it here."""
    import subprocess
    import sys

    try:
        _REMOVERS.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                    str(path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


_REMOVERS: list[object] = []
"""The detached removers started by this process (kept: they outlive the command)."""
