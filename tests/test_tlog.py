"""The log's entries: their form, what to append, and what they say about the records."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.canonical import canonical_json
from generator.checkpoint import Checkpoint
from generator.merkle import Tree
from generator.tlog import (
    Entry,
    EntryError,
    LogError,
    Published,
    _decode_entry,
    _fast_fields,
    compare,
    decode_entry,
    entries_unmatched,
    entry_times,
    plan_append,
    records_missing,
    time_order,
)

K1, K2 = "1" * 64, "2" * 64
T1, T2, T3 = "2023-01-03T09:00:00+08:00", "2023-02-01T09:00:00+08:00", "2023-03-01T09:00:00+08:00"


def _rec(rid: str, date: str, digest: str = "a" * 64, keyids: tuple[str, ...] = (K1,)) -> Published:
    return Published(f"content/x/{rid}.yaml", "plan/v1", rid, 1, digest, keyids, date)


def test_an_entry_is_canonical_json_of_the_record_and_its_signers() -> None:
    entry = _rec("SJX-2023", "2023-01-16").entry(T1)
    assert entry.encode() == (
        b'{"id":"SJX-2023","keyids":["'
        + K1.encode()
        + b'"],"logged_at":"2023-01-03T09:00:00+08:00",'
        b'"payload_sha256":"'
        + b"a"
        * 64
        + b'","payload_type":"application/vnd.gongkai.plan.v1+json",'
        b'"type":"plan/v1","version":1}'
    )
    assert decode_entry(entry.encode()) == entry


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff", "not UTF-8 JSON"),
        (b"[]", "expected exactly the keys"),
        (b'{"id":"x"}', "expected exactly the keys"),
    ],
)
def test_malformed_entries_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_entry(raw)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", "Plan", "type: not a record type"),
        ("id", "", "id: not a record id"),
        ("version", 0, "version: not a positive integer"),
        ("version", True, "version: not a positive integer"),
        ("payload_type", "application/json", "payload_type: does not match the type"),
        ("payload_sha256", "A" * 64, "payload_sha256: not 64 lower-case hex digits"),
        ("keyids", [K2, K1], "keyids: not a sorted list"),
        ("keyids", [K1, K1], "keyids: not a sorted list"),
        ("logged_at", "2023-01-03", "logged_at: not a time"),
    ],
)
def test_entries_with_a_wrong_field_are_refused(field: str, value: object, message: str) -> None:
    from generator.canonical import canonical_json

    data = _rec("SJX-2023", "2023-01-16").entry(T1).as_dict()
    data[field] = value
    with pytest.raises(ValueError, match=message):
        decode_entry(canonical_json(data))


def test_an_entry_not_in_canonical_form_is_refused() -> None:
    raw = _rec("SJX-2023", "2023-01-16").entry(T1).encode().replace(b",", b", ", 1)
    with pytest.raises(ValueError, match="not in RFC 8785 canonical form"):
        decode_entry(raw)


def test_a_first_import_is_in_date_then_path_order() -> None:
    records = [_rec("B", "2023-02-01"), _rec("C", "2023-01-01"), _rec("A", "2023-02-01")]
    new = plan_append([], records, lambda r: f"{r.date}T09:00:00+08:00")
    assert [e.id for e in new] == ["C", "A", "B"]
    assert [e.logged_at for e in new] == [
        "2023-01-01T09:00:00+08:00",
        "2023-02-01T09:00:00+08:00",
        "2023-02-01T09:00:00+08:00",
    ]


def test_only_records_not_in_the_log_as_they_are_now_are_appended() -> None:
    logged = plan_append([], [_rec("A", "2023-01-01"), _rec("B", "2023-01-02")], T1)
    now = [
        _rec("A", "2023-01-01"),
        _rec("B", "2023-01-02", keyids=(K1, K2)),
        _rec("C", "2023-01-03"),
    ]
    new = plan_append(logged, now, T2)
    assert [(e.id, e.keyids) for e in new] == [("B", (K1, K2)), ("C", (K1,))]
    assert plan_append(logged + new, now, T3) == []


def test_entry_times_give_each_record_and_each_signature_its_first_day() -> None:
    a, b, c = "a" * 64, "b" * 64, "c" * 64
    logged = plan_append([], [_rec("A", "2023-01-01", a), _rec("B", "2023-01-02", b)], T1)
    now = [_rec("A", "2023-01-01", a), _rec("B", "2023-01-02", b, (K1, K2))]
    grown = plan_append(logged, now, T2)
    # 17:00 on 28 February in UTC is 01:00 on 1 March in China
    late = _rec("C", "2023-01-03", c).entry("2023-02-28T17:00:00+00:00")
    unsigned = _rec("D", "2023-01-04", "d" * 64, ()).entry(T3)
    times = entry_times([e.encode() for e in [*logged, *grown, late, unsigned]])
    assert times.entries == 5
    assert times.first == {
        a: ("2023-01-03", frozenset({K1})),
        b: ("2023-01-03", frozenset({K1})),
        c: ("2023-03-01", frozenset({K1})),
        "d" * 64: ("2023-03-01", frozenset()),
    }
    assert times.later == {(b, K2): "2023-02-01"}
    assert times.day(b, K1) == "2023-01-03"
    assert times.day(b, K2) == "2023-02-01"  # the witness co-signed later
    assert times.day(a, K2) is None  # a signature the log never saw
    assert times.day("d" * 64, K1) is None  # nor this one
    assert times.day("e" * 64, K1) is None  # a record the log never saw


def test_entry_times_name_the_entry_that_is_not_one() -> None:
    good = _rec("A", "2023-01-01").entry(T1).encode()
    with pytest.raises(EntryError, match="entry 1: expected exactly the keys") as caught:
        entry_times([good, b'{"id":"x"}'])
    assert caught.value.index == 1


def test_a_record_changed_after_it_was_logged_is_refused() -> None:
    logged = plan_append([], [_rec("A", "2023-01-01")], T1)
    with pytest.raises(
        LogError,
        match=r"content/x/A.yaml: .*the record was changed after it entered the log at 2023-01-03T09:00:00\+08:00",
    ):
        plan_append(logged, [_rec("A", "2023-01-01", digest="b" * 64)], T2)


def test_signatures_removed_after_logging_are_refused() -> None:
    logged = plan_append([], [_rec("A", "2023-01-01", keyids=(K1, K2))], T1)
    with pytest.raises(LogError, match="signatures recorded in the log were removed"):
        plan_append(logged, [_rec("A", "2023-01-01", keyids=(K1,))], T2)


def test_log_time_never_goes_back() -> None:
    logged = plan_append([], [_rec("A", "2023-01-01")], T2)
    with pytest.raises(LogError, match="log time cannot go back"):
        plan_append(logged, [_rec("B", "2023-01-01")], T1)
    with pytest.raises(LogError, match="not a log time"):
        plan_append(logged, [_rec("B", "2023-01-01")], "yesterday")


def test_two_files_of_one_record_are_refused() -> None:
    twin = Published("content/y/A.yaml", "plan/v1", "A", 1, "a" * 64, (K1,), "2023-01-01")
    with pytest.raises(LogError, match=r"the same record as content/x/A\.yaml"):
        plan_append([], [_rec("A", "2023-01-01"), twin], T1)


def test_findings_between_entries_and_records() -> None:
    a, b = _rec("A", "2023-01-01"), _rec("B", "2023-01-02")
    entries = plan_append([], [a, b], T1)
    assert records_missing(entries, [a, b]) == []
    assert entries_unmatched(entries, [a, b]) == []
    c = _rec("C", "2023-01-03")
    assert [(f.subject, f.message) for f in records_missing(entries, [a, b, c])] == [
        ("content/x/C.yaml", "不在日志中 / not in the log")
    ]
    changed = _rec("A", "2023-01-01", digest="b" * 64)
    assert "changed after it entered the log" in records_missing(entries, [changed, b])[0].message
    cosigned = _rec("B", "2023-01-02", keyids=(K1, K2))
    assert "its signatures differ" in records_missing(entries, [a, cosigned])[0].message
    gone = entries_unmatched(entries, [a])
    assert [(f.subject, f.message) for f in gone] == [
        ("entry 1 (plan/v1 B v1)", "content/ 中没有这条记录 / no such signed record in content/")
    ]
    rewritten = [*entries, _rec("A", "2023-01-01", digest="b" * 64).entry(T2)]
    assert (
        "says other content than the record's first entry 0"
        in entries_unmatched(rewritten, [changed, b])[0].message
    )
    repeated = [*entries, a.entry(T2)]
    assert "repeats the record" in entries_unmatched(repeated, [a, b])[0].message


def test_entries_out_of_time_order_are_found() -> None:
    entries = [_rec("A", "x").entry(T2), _rec("B", "x").entry(T1)]
    assert [f.subject for f in time_order(entries)] == ["entry 1 (plan/v1 B v1)"]


def _cp(tree: Tree, size: int, origin: str = "o") -> Checkpoint:
    return Checkpoint(origin, size, tree.root(size))


def _tree(n: int, salt: str = "") -> Tree:
    return Tree([_rec(f"{salt}{i}", "d").entry(T1).leaf for i in range(n)])


def test_compare_proves_an_extension() -> None:
    tree = _tree(7)
    verdict = compare(_cp(tree, 3), _cp(tree, 7), tree)
    assert verdict.ok is True
    assert len(verdict.proof) == 4  # leaves 2 and 3, MTH(D[0:2]), MTH(D[4:7])
    assert compare(_cp(tree, 7), _cp(tree, 7), tree).ok is True


def test_compare_finds_a_shrunk_log_a_split_view_and_a_rewrite() -> None:
    tree, other = _tree(7), _tree(7, salt="x")
    shrunk = compare(_cp(tree, 7), _cp(tree, 5), tree)
    assert (shrunk.ok, shrunk.split_view) == (False, False)
    assert "the log shrank" in shrunk.reason
    split = compare(_cp(tree, 7), _cp(other, 7), other)
    assert (split.ok, split.split_view) == (False, True)
    rewritten = compare(_cp(tree, 3), _cp(other, 7), other)
    assert rewritten.ok is False
    assert rewritten.old_root_in_new == other.root(3)
    assert "does not extend" in rewritten.reason


def test_compare_cannot_decide_without_the_newer_tree_or_across_logs() -> None:
    tree = _tree(7)
    assert compare(_cp(tree, 3), _cp(tree, 7), None).ok is None
    assert compare(_cp(tree, 3), _cp(tree, 7), _tree(6)).ok is None
    assert compare(_cp(tree, 3), _cp(tree, 7, origin="p"), tree).ok is None


def test_an_entry_knows_its_record() -> None:
    entry = Entry("plan/v1", "A", 2, "application/vnd.gongkai.plan.v1+json", "a" * 64, (), T1)
    assert entry.key == ("plan/v1", "A", 2)


# ---------------------------------------------------------------------------
# Reading canonical entries without decoding JSON gives what decoding them gives

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(['"', "\\", "\b", "\t", "\n", "\f", "\r", "\x00", "\x1f", "\x7f", "/"]),
    max_size=12,
)
_HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
_ENTRY = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["plan/v1", "draw/v2", "checklist-item/v1", "Plan/v1", "x/v0"]),
        "id": _TEXT,
        "version": st.sampled_from([0, 1, 2, 2**53 - 1, 2**53, 10**16]),
        "payload_type": st.sampled_from(
            ["application/vnd.gongkai.plan.v1+json", "application/vnd.gongkai.draw.v2+json", ""]
        ),
        "payload_sha256": _HEX | st.sampled_from(["A" * 64, "a" * 63]),
        "keyids": st.lists(_HEX, max_size=3) | st.just([K2, K1]) | st.just([K1, K1]),
        "logged_at": st.sampled_from(
            [T1, "2023-02-28T23:30:00-01:00", "2023-13-01T09:00:00+08:00", "2023-01-03", T3]
        ),
    }
)


def _outcome(decode: Callable[[bytes], Entry], raw: bytes) -> Entry | str:
    try:
        return decode(raw)
    except ValueError as exc:
        return f"ValueError: {exc}"


@settings(max_examples=400, deadline=None)
@given(_ENTRY, st.integers(0, 400), st.sampled_from([b"", b" ", b"\\", b'"', b"\x01", b"\xff"]))
def test_the_fast_reading_agrees_with_decoding(
    data: dict[str, object], at: int, inserted: bytes
) -> None:
    """Canonical entries (and the same bytes with one byte inserted) decode to
    the same entry, or fail with the same message, either way."""
    try:
        raw = canonical_json(data)
    except ValueError:  # an integer JCS cannot write: no entry has it
        return
    for candidate in (raw, raw[:at] + inserted + raw[at:]):
        assert _outcome(decode_entry, candidate) == _outcome(_decode_entry, candidate)


def test_the_fast_reading_is_taken_for_a_canonical_entry() -> None:
    entry = _rec("SJX-2023", "2023-01-16").entry(T1)
    assert _fast_fields(entry.encode()) == (
        entry.type,
        entry.id,
        entry.version,
        entry.payload_type,
        entry.payload_sha256,
        entry.keyids,
        entry.logged_at,
    )
    escaped = Published("", "plan/v1", 'a"\\\n\x01b', 1, "a" * 64, (), "").entry(T1).encode()
    assert _fast_fields(escaped) is not None
    assert decode_entry(escaped).id == 'a"\\\n\x01b'


@pytest.mark.parametrize(
    "version", [b"9007199254740991", b"9007199254740992", b"10000000000000000"]
)
def test_the_fast_reading_agrees_on_versions_beyond_what_jcs_writes(version: bytes) -> None:
    raw = (
        _rec("A", "2023-01-01")
        .entry(T1)
        .encode()
        .replace(b'"version":1}', b'"version":' + version + b"}")
    )
    assert _outcome(decode_entry, raw) == _outcome(_decode_entry, raw)
