"""Building the site atomically: into a temporary directory, swapped in only on success."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from generator.errors import GongkaiError
from generator.site.reuse import ENV_PREVIOUS


class BuildError(GongkaiError):
    """MkDocs could not build the site."""


def build_site(
    config_file: Path, site_dir: Path | None = None, content_dir: Path | None = None
) -> Path:
    """Build the site described by ``config_file`` into ``site_dir``.

    The build goes to a fresh directory next to ``site_dir``; only when it
    succeeds is the old site replaced, so a failed build leaves it untouched.
    The old site is moved aside and removed in the background.
    Returns the site directory.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config_file = config_file.resolve()
    target = (site_dir or config_file.parent / "site").resolve()
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
