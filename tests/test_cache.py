"""The record cache (generator/cache.py): exact, never serving what a file does not say.

Every test runs with its own empty cache directory (the autouse fixture in
conftest.py); the tests here also make sure the cache is on.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from generator import cache
from generator.content import Content, Loaded, load_content
from generator.validate import validate
from generator.verify import verify_content

from .conftest import CONTENT, SITE_CONFIG

NOW = "2026-11-22"
ITEM = Path("checklist") / "scjgj" / "SCJG-001" / "v1.yaml"


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_OFF, raising=False)


def _load(content: Path, *, use_cache: bool = True) -> Content:
    return load_content(content, content.parent / "site_config", use_cache=use_cache)


def _ordered(value: Any) -> str:
    """The data with its key order, so that equal dicts written in another order differ."""
    return json.dumps(value, ensure_ascii=False)


def _same(a: Loaded, b: Loaded) -> None:
    assert a.path == b.path
    assert _ordered(a.signed) == _ordered(b.signed)
    assert a.signed == b.signed
    assert a.signatures == b.signatures
    assert a.digest == b.digest
    assert a.prefix == b.prefix
    assert a.jcs == b.jcs
    assert a.message == b.message
    assert a.model is b.model
    assert a.record == b.record


def _stored_keys(directory: Path) -> set[bytes]:
    db = sqlite3.connect(directory / cache.DB_NAME)
    try:
        return {row[0] for row in db.execute("SELECT key FROM entries")}
    finally:
        db.close()


def test_second_load_comes_from_the_cache_and_is_the_same(content_copy: Path) -> None:
    plain = _load(content_copy, use_cache=False)
    first = _load(content_copy)
    second = _load(content_copy)
    assert not any(r.cached for r in first.records)
    assert all(r.cached for r in second.records)
    assert len(plain.records) == len(second.records) > 60
    for a, b, c in zip(plain.records, first.records, second.records, strict=True):
        _same(a, b)
        _same(a, c)
    assert plain.problems == second.problems == []
    assert verify_content(plain, NOW).as_json() == verify_content(second, NOW).as_json()
    assert validate(plain).problems == validate(second).problems == []


def test_cached_records_give_the_same_positions(content_copy: Path) -> None:
    _load(content_copy)
    plain = {r.path: r for r in _load(content_copy, use_cache=False).records}
    cached = _load(content_copy).records
    for r in cached:
        assert r.cached
        p = plain[r.path]
        for path in (("id",), ("name",), ("_type",), ("nothing-there",)):
            assert r.position(*path) == p.position(*path)
        assert r.doc.positions == p.doc.positions


def test_a_changed_byte_misses(content_copy: Path) -> None:
    _load(content_copy)
    path = content_copy / ITEM
    data = path.read_bytes()
    assert data.startswith(b"# ")
    changed = b"#!" + data[2:]  # in the comment: the record still loads and verifies
    assert cache.file_key(changed) != cache.file_key(data)
    path.write_bytes(changed)
    again = _load(content_copy)
    fresh = [r for r in again.records if not r.cached]
    assert len(fresh) == 1
    assert fresh[0].path.endswith(str(ITEM))
    assert verify_content(again, NOW).ok
    assert cache.file_key(changed) in _stored_keys(cache.cache_directory())


def test_a_changed_signed_value_is_not_served_from_the_cache(content_copy: Path) -> None:
    _load(content_copy)
    path = content_copy / ITEM
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name: 企业公示信息情况检查", "name: 企业公示信息情况检查甲"), "utf-8"
    )
    again = _load(content_copy)
    item = next(r for r in again.records if r.path.endswith(str(ITEM)))
    assert not item.cached
    assert item.signed["name"] == "企业公示信息情况检查甲"
    report = verify_content(again, NOW)
    failed = [c for c in report.checks if c.status == "fail"]
    assert [c.subject for c in failed] == [item.path]
    assert "does not verify" in failed[0].reason


def test_files_with_problems_are_never_cached_and_keep_their_positions(
    content_copy: Path,
) -> None:
    path = content_copy / ITEM
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  seq: 1\n", "  seq: 1.5\n"), encoding="utf-8")
    first = _load(content_copy)
    second = _load(content_copy)
    assert first.problems == second.problems
    assert first.problems
    assert {(p.line, p.col) for p in first.problems} == {(8, 8)}
    assert any("floating-point" in p.message for p in first.problems)
    assert cache.file_key(path.read_bytes()) not in _stored_keys(cache.cache_directory())
    assert not any(r.path.endswith(str(ITEM)) for r in second.records)


def test_path_checks_run_on_cached_records(content_copy: Path) -> None:
    """Two files with the same bytes share an entry; where each is still matters."""
    copy = content_copy / "checklist" / "scjgj" / "SCJG-999" / "v1.yaml"
    copy.parent.mkdir()
    shutil.copyfile(content_copy / ITEM, copy)
    cold = validate(_load(content_copy)).problems
    warm_content = _load(content_copy)
    assert all(r.cached for r in warm_content.records)
    warm = validate(warm_content).problems
    assert warm == cold
    messages = [str(p) for p in warm]
    assert any("SCJG-999/v1.yaml" in m and "record is in the wrong place" in m for m in messages)
    twice = [p for p in warm if "the same id and version twice" in p.message]
    assert len(twice) == 1
    assert twice[0].line > 0  # the position comes from parsing the file again


def test_positions_of_a_file_changed_after_loading_are_not_guessed(content_copy: Path) -> None:
    _load(content_copy)
    content = _load(content_copy)
    item = next(r for r in content.records if r.path.endswith(str(ITEM)))
    assert item.cached
    path = content_copy / ITEM
    path.write_text("\n\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert item.position("name") == (0, 0)
    assert item.signed["id"] == "SCJG-001"


def test_no_cache_variable(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    assert cache.open_cache() is None
    _load(content_copy)
    second = _load(content_copy)
    assert not any(r.cached for r in second.records)
    assert not (cache.cache_directory() / cache.DB_NAME).exists()
    assert verify_content(second, NOW).ok


def test_cache_directory_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "here"))
    assert cache.cache_directory() == tmp_path / "here"
    monkeypatch.delenv(cache.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_directory() == tmp_path / "xdg" / "gongkai"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_directory() == tmp_path / "home" / ".cache" / "gongkai"


def test_the_suite_does_not_write_to_the_home_cache() -> None:
    home = Path.home() / ".cache" / "gongkai"
    assert cache.cache_directory() != home


def test_keys_depend_on_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CONTENT / ITEM).read_bytes()
    before = cache.file_key(data)
    cache.fingerprint.cache_clear()
    cache._key_base.cache_clear()
    monkeypatch.setattr(cache, "CACHE_FORMAT", cache.CACHE_FORMAT + 1)
    try:
        assert cache.file_key(data) != before
    finally:
        monkeypatch.undo()
        cache.fingerprint.cache_clear()
        cache._key_base.cache_clear()
    assert cache.file_key(data) == before


def test_entries_of_other_code_are_dropped(content_copy: Path) -> None:
    _load(content_copy)
    directory = cache.cache_directory()
    db = sqlite3.connect(directory / cache.DB_NAME)
    with db:
        db.execute("UPDATE meta SET value = 'older code' WHERE name = 'fingerprint'")
    db.close()
    again = _load(content_copy)
    assert not any(r.cached for r in again.records)
    assert len(_stored_keys(directory)) == len(again.records)


def test_a_damaged_cache_file_is_replaced(content_copy: Path) -> None:
    directory = cache.cache_directory()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / cache.DB_NAME).write_bytes(b"not a database" * 100)
    first = _load(content_copy)
    assert first.problems == []
    second = _load(content_copy)
    assert all(r.cached for r in second.records)


def test_an_unusable_cache_directory_only_turns_the_cache_off(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "cache"))
    first = _load(content_copy)
    second = _load(content_copy)
    assert first.problems == second.problems == []
    assert not any(r.cached for r in second.records)


def test_an_entry_for_an_unknown_model_is_not_used(content_copy: Path) -> None:
    _load(content_copy)
    db = sqlite3.connect(cache.cache_directory() / cache.DB_NAME)
    with db:
        db.execute("UPDATE entries SET model = 'elsewhere.Model'")
    db.close()
    again = _load(content_copy)
    assert not any(r.cached for r in again.records)
    assert again.problems == []


def test_a_damaged_entry_is_reported(content_copy: Path) -> None:
    _load(content_copy)
    db = sqlite3.connect(cache.cache_directory() / cache.DB_NAME)
    with db:
        db.execute("UPDATE entries SET value = CAST('{' AS BLOB)")
    db.close()
    again = _load(content_copy)
    with pytest.raises(cache.CacheDamagedError):
        _ = again.records[0].signed


@pytest.mark.skipif(not cache.can_fork(), reason="worker processes are forked on Linux only")
def test_workers_give_the_same_records_and_report(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = content_copy / "checklist" / "scjgj" / "SCJG-002" / "v1.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("  seq: 2\n", "  seq: 2.5\n"), "utf-8")
    serial = _load(content_copy, use_cache=False)
    monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    cold = _load(content_copy)
    warm = _load(content_copy)
    uncached = _load(content_copy, use_cache=False)
    assert all(r.cached for r in warm.records)
    for other in (cold, warm, uncached):
        assert other.problems == serial.problems
        assert other.broken == serial.broken
        assert len(other.records) == len(serial.records)
        for a, b in zip(serial.records, other.records, strict=True):
            _same(a, b)
    monkeypatch.setattr(cache, "PARALLEL_MIN", 10**9)
    expected = verify_content(serial, NOW).as_json()
    monkeypatch.setattr(cache, "PARALLEL_MIN", 1)
    assert verify_content(warm, NOW).as_json() == expected
    assert verify_content(cold, NOW).as_json() == expected


def test_site_config_is_read_as_before(content_copy: Path) -> None:
    first = _load(content_copy)
    second = _load(content_copy)
    assert first.site == second.site
    assert [r.path for r in first.config_records] == [r.path for r in second.config_records]
    assert SITE_CONFIG.is_dir()
