"""Shared fixtures: the repository's demo content and copies of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Sites built by the tests (and by the commands they run) are built as of a fixed day, so
# that what depends on the day (overdue items, countdowns, the working-day calendar's
# years) does not change with the date the tests run on (generator/clock.py).
os.environ.setdefault("GONGKAI_TODAY", "2026-12-02")

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SITE_CONFIG = REPO / "site_config"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _record_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test gets its own empty record cache, never ``~/.cache/gongkai``
    (outside ``tmp_path``, so that trees compared byte for byte stay the same)."""
    monkeypatch.setenv("GONGKAI_CACHE_DIR", str(tmp_path_factory.mktemp("record-cache")))


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo content, with site_config beside it."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    shutil.copytree(SITE_CONFIG, tmp_path / "site_config")
    return dest


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes, to prove nothing was written."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
