"""``verify_tree`` (what ``gongkai verify`` runs) gives what ``load_content`` and
``verify_content`` give, whatever the cache holds and however the work is shared.

It reads each file once, checks cached records' signatures from what the cache
keeps for that, against the registry of ``content/root/`` and ``content/keys/``,
and uses those checks only if it is the registry the whole content trusts.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from generator import cache, verify
from generator.content import (
    Content,
    _unit_files,
    _walk_units,
    _yaml_files_under,
    load_content,
)
from generator.models import KeyRegistry, Root
from generator.trust import KeyIndex
from generator.verify import verify_content, verify_tree

from .test_cache import _same

NOW = "2026-11-22"
ITEM = Path("checklist") / "scjgj" / "SCJG-001" / "v1.yaml"
OTHER = Path("checklist") / "scjgj" / "SCJG-002" / "v1.yaml"


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_OFF, raising=False)


def _expected(content: Path) -> tuple[Content, str]:
    """The plain answer: every file parsed, one process, no cache."""
    plain = load_content(content, content.parent / "site_config", use_cache=False)
    return plain, verify_content(plain, NOW).as_json()


def _tree(content: Path) -> tuple[Content, str]:
    loaded, report = verify_tree(content, content.parent / "site_config", NOW)
    return loaded, report.as_json()


def _same_content(a: Content, b: Content) -> None:
    assert a.problems == b.problems
    assert a.broken == b.broken
    assert a.files_seen == b.files_seen
    assert len(a.records) == len(b.records)
    for x, y in zip(a.records, b.records, strict=True):
        _same(x, y)


def _mixed(content: Path) -> None:
    """A changed record, a file with a problem, an unsigned draft and a second
    key registry outside ``content/keys/``."""
    item = content / ITEM
    item.write_text(
        item.read_text(encoding="utf-8").replace("name: 企业公示信息情况检查", "name: 改过的名称"),
        "utf-8",
    )
    other = content / OTHER
    other.write_text(
        other.read_text(encoding="utf-8").replace("  seq: 2\n", "  seq: 2.5\n"), "utf-8"
    )
    draft = content / "checklist" / "scjgj" / "SCJG-900" / "v1.yaml"
    draft.parent.mkdir()
    lines = (content / "checklist" / "scjgj" / "SCJG-003" / "v1.yaml").read_text("utf-8")
    body = lines.split("signed:\n", 1)[1].split("signatures:", 1)[0]
    draft.write_text(
        "".join(line[2:] + "\n" for line in body.splitlines()).replace("SCJG-003", "SCJG-900"),
        "utf-8",
    )
    (content / "elsewhere").mkdir()
    shutil.copyfile(content / "keys" / "v1.yaml", content / "elsewhere" / "keys.yaml")


@pytest.mark.parametrize("mixed", [False, True], ids=["demo", "mixed"])
@pytest.mark.parametrize("forked", [False, True], ids=["one-process", "workers"])
def test_every_way_gives_the_same_content_and_report(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, mixed: bool, forked: bool
) -> None:
    if forked and not cache.can_fork():
        pytest.skip("worker processes are forked on Linux only")
    if mixed:
        _mixed(content_copy)
    plain, expected = _expected(content_copy)
    if mixed:
        assert '"status": "fail"' in expected
        assert plain.problems
    if forked:
        monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    monkeypatch.setenv(cache.ENV_OFF, "1")
    uncached = _tree(content_copy)
    monkeypatch.delenv(cache.ENV_OFF)
    cold = _tree(content_copy)
    warm = _tree(content_copy)
    # in one process, the files parsed are kept as parsed; the root and the key
    # registry, read first, come from the cache by then
    if not forked:
        assert {r.model for r in cold[0].records if r.cached} == {Root, KeyRegistry}
    assert all(r.cached for r in warm[0].records)
    for loaded, report in (uncached, cold, warm):
        assert report == expected
        _same_content(plain, loaded)


@pytest.mark.parametrize("forked", [False, True], ids=["one-process", "workers"])
def test_checks_against_another_registry_are_not_used(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    """Records are checked against the registry of ``content/keys/`` as they are
    read; if the content trusts another, every record is checked again (in
    workers too, from records whose entries are fetched when first needed)."""
    if forked and not cache.can_fork():
        pytest.skip("worker processes are forked on Linux only")
    _, expected = _expected(content_copy)
    _tree(content_copy)  # fills the cache
    if forked:
        monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    first = verify._first_trust

    def narrowed(*args: object) -> tuple[Root | None, KeyIndex | None]:
        root, index = first(*args)  # type: ignore[arg-type]
        assert index is not None
        data = index.registry.model_dump(by_alias=True)
        for entry in data["keys"]:
            entry["kinds"] = entry["kinds"][:1]
        return root, KeyIndex(KeyRegistry.model_validate(data))

    monkeypatch.setattr(verify, "_first_trust", narrowed)
    _, report = _tree(content_copy)
    assert report == expected


@pytest.mark.parametrize("forked", [False, True], ids=["one-process", "workers"])
def test_checks_judged_by_another_roots_log_are_not_used(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    """Records are judged by the log as the root of ``content/root/`` vouches for
    it while they are read; if the content trusts another root, every record is
    judged again, with the log that root vouches for."""
    if forked and not cache.can_fork():
        pytest.skip("worker processes are forked on Linux only")
    _, expected = _expected(content_copy)
    assert "entered the log on" in expected
    if forked:
        monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    first = verify._first_trust

    def without_log(*args: object) -> tuple[Root | None, KeyIndex | None]:
        root, index = first(*args)  # type: ignore[arg-type]
        assert root is not None
        return root.model_copy(update={"log": None}), index

    monkeypatch.setattr(verify, "_first_trust", without_log)
    _, report = _tree(content_copy)
    assert report == expected


def test_a_registry_outside_content_keys_is_found(content_copy: Path) -> None:
    (content_copy / "elsewhere").mkdir()
    (content_copy / "keys" / "v1.yaml").rename(content_copy / "elsewhere" / "keys.yaml")
    (content_copy / "keys").rmdir()
    _, expected = _expected(content_copy)
    assert '"verdict": "pass"' in expected
    assert _tree(content_copy)[1] == expected
    assert _tree(content_copy)[1] == expected


@pytest.mark.parametrize("forked", [False, True], ids=["one-process", "workers"])
def test_damaged_facts_are_reported(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    if forked and not cache.can_fork():
        pytest.skip("worker processes are forked on Linux only")
    if forked:
        monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    _tree(content_copy)
    db = sqlite3.connect(cache.cache_directory() / cache.DB_NAME)
    with db:
        db.execute("UPDATE entries SET sigs = '[' WHERE sigs IS NOT NULL")
    db.close()
    with pytest.raises(cache.CacheDamagedError):
        _tree(content_copy)


def test_records_fetch_their_entries_from_the_file_when_the_cache_lost_them(
    content_copy: Path,
) -> None:
    _tree(content_copy)
    warm, _ = _tree(content_copy)
    db = sqlite3.connect(cache.cache_directory() / cache.DB_NAME)
    with db:
        db.execute("DELETE FROM entries")
    db.close()
    item = next(r for r in warm.records if r.path.endswith(str(ITEM)))
    assert item.cached
    assert item.signed["id"] == "SCJG-001"
    other = next(r for r in warm.records if r.path.endswith(str(OTHER)))
    path = content_copy / OTHER
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(cache.CacheDamagedError, match="changed while it was read"):
        _ = other.signed


def test_the_walk_shared_in_pieces_lists_what_the_walk_lists(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", root)
    (root / "a").mkdir()
    (root / "a.yaml").write_text("x", "utf-8")
    (root / "a" / "b.yaml").write_text("x", "utf-8")
    (root / "a-b").mkdir()
    (root / "a-b" / "c.yaml").write_text("x", "utf-8")
    (root / "dir.yaml").mkdir()
    (root / "dir.yaml" / "inside.yaml").write_text("x", "utf-8")
    (root / "deep" / "er" / "est").mkdir(parents=True)
    (root / "deep" / "er" / "est" / "v1.yaml").write_text("x", "utf-8")
    (root / "deep" / "er" / "v1.yaml").write_text("x", "utf-8")
    (root / "notes.txt").write_text("x", "utf-8")
    if hasattr(os, "symlink"):
        os.symlink(root / "a.yaml", root / "link.yaml")
        os.symlink(root / "deep", root / "linked-dir")
    expected = _yaml_files_under(root)
    assert len(expected) > 70
    for enough in (1, 2, 3, 5, 8, 40, 4096):
        assert _unit_files(_walk_units(root, enough)) == expected


def test_large_files_are_read_whole_and_oversized_ones_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytes(range(256)) * 400  # 102,400 bytes: more than the first read
    path = tmp_path / "big.yaml"
    path.write_bytes(data)
    assert cache._read_small(str(path)) == data
    (tmp_path / "empty.yaml").write_bytes(b"")
    assert cache._read_small(str(tmp_path / "empty.yaml")) == b""
    monkeypatch.setattr(cache, "MAX_YAML_BYTES", len(data) - 1)
    assert cache._read_small(str(path)) is None
