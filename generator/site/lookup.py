"""企业查询: every registry entity's whole history, as a sharded static JSON index.

A province has a million entities, so there is no page per entity. Instead:

* ``lookup/index.json`` — the manifest: how many code shards, the registries' public column
  labels (with the values of each enum and bool column), the result codes' labels, the shared
  tables' sizes, the name-shard table;
* ``lookup/code/<hex>.json`` — entities by 统一社会信用代码, in ``2**k`` shards chosen by the
  FNV-1a 32-bit hash of the code (the code's own prefix is the same for a whole county:
  ``9151903…``), each shard about :data:`CODE_SHARD_TARGET` entities;
* ``lookup/t/<table><n>.json`` — the shared tables, :data:`TABLE_CHUNK` rows a file: what
  many entities share (a task's title, a draw's time, a result notice's department, an
  inspector's name, a repeated phrase) is written once and an entity refers to it by its
  row number;
* ``lookup/name/<hex>.json`` — ``[name, code]`` pairs for prefix search, sharded by the
  leading characters of the name with the site's jurisdiction (``示例县``) stripped, a shard
  split further by one more character while it holds more than :data:`NAME_SHARD_MAX`.

An entity in a code shard (format ``gongkai-lookup/2``) is an object with short keys, each
left out when empty::

    n  name
    r  [[registry, value, …], …]     one per registry holding it (an index into the
                                      manifest's ``registries``); the value of an enum or bool
                                      column is its index in that column's ``values``
    t  [task, …]                     rows of table t: [id, title, year, plan, department,
                                      kind, window]
    d  [[draw, order, [person, …], ticket or position, team, stratum], …]
                                      draw: a row of table d, [id, task, department,
                                      drawn_at, status, url]; stratum: a row of table w;
                                      trailing nulls left out
    x  [[reason, detail, draw, draw, …], …]   not drawn: reason and detail are rows of w
    s  [[notice, completed_on, code, disposal, [item, …], [person, …], [redaction, …]], …]
                                      notice: a row of table s, [id, task, department,
                                      published_on]; code: a result code (labels in the
                                      manifest); disposal, items and redactions are rows
                                      of w; trailing empty lists left out

Tables p (inspectors' names) and w (phrases) are lists of strings.
``assets/js/gongkai-lookup.js`` on the ``lookup/`` page loads only the shard and the table
chunks it needs. Everything comes from the public view of the records: registry rows
through :func:`~generator.publish.public_rows` (private columns never read), results
through :func:`~generator.publish.public_data`, draws from their published bundles. A
registry whose name column is private contributes no names.

The index is made in one pass over the records (:func:`entity_index`, once per build: the
search summaries use it too); nothing is done per entity that reads other records.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from ..models import InspectorRegistry, Plan, Result, TargetRegistry
from ..publish import public_data, public_rows
from .render import Page, SiteData, esc

FORMAT = "gongkai-lookup/2"
CODE_SHARD_TARGET = 256
"""Entities per code shard, on average."""
NAME_SHARD_MAX = 2000
"""A name shard with more entries than this is split by one more character."""
NAME_PREFIX_MAX = 4
"""Name shards are split at most to this many leading characters."""
TABLE_CHUNK = 256
"""Rows per shared-table file."""
TABLES = ("t", "d", "s", "p", "w")
STATUS_VALID = "有效"
STATUS_VOID = "已作废"


def fnv1a32(text: str) -> int:
    """FNV-1a, 32 bits, over the UTF-8 bytes (the same function is in gongkai-lookup.js)."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def shard_count(entities: int) -> int:
    """The number of code shards: a power of two, about CODE_SHARD_TARGET entities each."""
    n = 1
    while n * CODE_SHARD_TARGET < entities:
        n *= 2
    return n


def code_shard(code: str, shards: int) -> str:
    """The code shard's file stem: the hash's low bits as fixed-width hex."""
    width = max(1, (shards.bit_length() - 1 + 3) // 4)
    return format(fnv1a32(code) & (shards - 1), f"0{width}x")


def name_key(name: str, strip: list[str]) -> str:
    """What names are sorted and searched by: the jurisdiction prefix removed, no spaces."""
    key = "".join(name.split())
    for prefix in strip:
        if prefix and key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def name_shard_stem(prefix: str) -> str:
    return "-".join(format(ord(ch), "x") for ch in prefix)


class Table:
    """Rows numbered in the order they are first added; a key finds a row again."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self._index: dict[Hashable, int] = {}

    def add(self, key: Hashable, row: Any) -> int:
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.rows)
            self.rows.append(row)
        return i

    def word(self, text: str) -> int:
        """The row of a string in a table of strings."""
        return self.add(text, text)

    def get(self, key: Hashable) -> int | None:
        return self._index.get(key)


class Entity:
    """What the records say about one entity (public view only), as table rows. A province
    has about a million of these, so each holds only what it has (no empty containers)."""

    __slots__ = ("_draws", "_excluded", "_results", "_tasks", "name")

    def __init__(self) -> None:
        self._tasks: set[int] | None = None
        self._draws: list[list[Any]] | None = None
        self._excluded: list[int] | None = None
        """Pairs of ints: an index into EntityIndex.exclusions, a draw."""
        self._results: list[list[Any]] | None = None
        self.name: str | None = None
        """A name published in a result notice (used when no registry gives one)."""

    @property
    def tasks(self) -> Collection[int]:
        return self._tasks or ()

    @property
    def draws(self) -> Sequence[list[Any]]:
        return self._draws or ()

    @property
    def results(self) -> Sequence[list[Any]]:
        return self._results or ()

    @property
    def has_history(self) -> bool:
        return bool(self._tasks or self._draws or self._results)

    def add_task(self, task: int) -> None:
        if self._tasks is None:
            self._tasks = set()
        self._tasks.add(task)

    def add_draw(self, row: list[Any]) -> None:
        if self._draws is None:
            self._draws = []
        self._draws.append(row)

    def add_excluded(self, reason: int, draw: int) -> None:
        if self._excluded is None:
            self._excluded = []
        self._excluded += (reason, draw)

    def add_result(self, row: list[Any]) -> None:
        if self._results is None:
            self._results = []
        self._results.append(row)

    def as_json(self, exclusions: list[tuple[int, int]]) -> dict[str, Any]:
        """The entity's history in the code shard (``exclusions``: (reason, detail) rows of
        table w, by the indices the entity holds)."""
        out: dict[str, Any] = {}
        if self._tasks:
            out["t"] = sorted(self._tasks)
        if self._draws:
            out["d"] = self._draws
        if self._excluded:
            groups: dict[int, list[int]] = {}
            pairs = self._excluded
            for i in range(0, len(pairs), 2):
                groups.setdefault(pairs[i], []).append(pairs[i + 1])
            out["x"] = [[*exclusions[k], *draws] for k, draws in groups.items()]
        if self._results:
            out["s"] = sorted(self._results, key=lambda r: (r[1], r[0]))
        return out


@dataclass
class EntityIndex:
    """Every entity named by a plan, a draw or a result, and the shared tables."""

    entities: dict[str, Entity]
    tables: dict[str, Table]
    codes: dict[str, str]
    """Result code -> label, for the codes the results use."""
    exclusions: list[tuple[int, int]]
    """(reason, detail) of the exclusions, as rows of table w."""


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] in (None, []):
        row.pop()
    return row


_INDEXES: WeakKeyDictionary[SiteData, EntityIndex] = WeakKeyDictionary()


def entity_index(data: SiteData) -> EntityIndex:
    """The entities' histories, made once per build in one pass over plans, draws and
    results."""
    cached = _INDEXES.get(data)
    if cached is not None:
        return cached
    from .draws import EXCLUSION_LABELS, draw_entries

    tables = {name: Table() for name in TABLES}
    t_tab, d_tab, s_tab, p_tab, w_tab = (tables[k] for k in TABLES)
    entities: dict[str, Entity] = defaultdict(Entity)
    codes: dict[str, str] = {}
    x_tab = Table()

    people: dict[str, str] = {}
    for r in data.inspector_registries:
        reg = r.record
        if isinstance(reg, InspectorRegistry):
            for p in reg.inspectors:
                people[p.id] = p.name

    def person(pid: str) -> int:
        return p_tab.word(people.get(pid, pid))

    for r in data.plans:
        plan = r.record
        if not isinstance(plan, Plan):
            continue
        for t in plan.tasks:
            ti = t_tab.add(
                t.id,
                [
                    t.id,
                    t.title,
                    plan.year,
                    plan.id,
                    data.dept_name(t.lead),
                    t.kind,
                    f"{t.window.start} 至 {t.window.end}",
                ],
            )
            for code in t.assigned_targets:
                entities[code].add_task(ti)

    def touch(code: str, task_id: str) -> Entity:
        ent = entities[code]
        ti = t_tab.get(task_id)
        if ti is not None:
            ent.add_task(ti)
        return ent

    for e in draw_entries(data):
        b = e.bundle
        draw = e.draw
        di = d_tab.add(
            (draw.id, e.url),
            [
                draw.id,
                draw.task,
                data.dept_name(draw.department),
                draw.drawn_at,
                STATUS_VOID if e.voided_by else STATUS_VALID,
                e.url,
            ],
        )
        teams = {t["team"]: t["members"] for t in b.get("teams", [])}
        assigned = {a["target"]: a for a in b.get("assignments", [])}
        stratum_of: dict[str, int] = {}
        for s in b.get("strata", []):
            match = s.get("match", {})
            if not match or not s.get("selected"):
                continue
            label = w_tab.word("，".join(f"{k}={v}" for k, v in match.items()))
            for pick in s["selected"]:
                stratum_of[pick["target"]] = label
        for i, pick in enumerate(b["visits"], 1):
            a = assigned.get(pick["target"], {})
            team = a.get("team")
            members = a.get("members") or teams.get(team or "", [])
            ticket = pick.get("ticket") or pick.get("position")
            touch(pick["target"], draw.task).add_draw(
                _trim(
                    [
                        di,
                        i,
                        [person(m) for m in members],
                        ticket,
                        team or None,
                        stratum_of.get(pick["target"]),
                    ]
                )
            )
        for x in b.get("excluded", []):
            key = (
                w_tab.word(EXCLUSION_LABELS.get(x["reason"], x["reason"])),
                w_tab.word(x.get("detail", "")),
            )
            entities[x["target"]].add_excluded(x_tab.add(key, key), di)

    for r in data.results:
        res = r.record
        if not isinstance(res, Result):
            continue
        doc = public_data(res, r.signed)
        si = s_tab.add(res.id, [res.id, res.task, data.dept_name(res.department), res.published_on])
        for entry in doc["entries"]:
            ent = touch(entry["target"], res.task)
            if entry.get("target_name"):
                ent.name = ent.name or entry["target_name"]
            code = entry["result"]
            if code not in codes:
                codes[code] = data.code_label(code)
            items = []
            for it in entry.get("items", []):
                if it["result"] not in codes:
                    codes[it["result"]] = data.code_label(it["result"])
                text = f"{it['item']}：{codes[it['result']]}" + (
                    f"（{it['note']}）" if it.get("note") else ""
                )
                items.append(w_tab.word(text))
            redacted = {x["field"]: x for x in entry.get("redactions", [])}
            ent.add_result(
                _trim(
                    [
                        si,
                        entry["completed_on"],
                        code,
                        w_tab.word("、".join(entry["disposal"])),
                        items,
                        [person(p) for p in entry.get("inspectors", [])],
                        [w_tab.word(f"{x['reason']}（{x['ground']}）") for x in redacted.values()],
                    ]
                )
            )
    index = EntityIndex(dict(entities), tables, codes, x_tab.rows)
    _INDEXES[data] = index
    return index


def _registry_rows(
    data: SiteData,
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, str]]:
    """The registries' manifest entries, each entity's name, and each entity's registry
    rows as JSON text (enum and bool values written as indices into the column's values)."""
    registries: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    rows: dict[str, str] = {}
    for ri, r in enumerate(data.registries):
        reg = r.record
        assert isinstance(reg, TargetRegistry)
        public = [c for c in reg.columns if c.visibility == "public"]
        name_public = any(c.name == reg.name_column for c in public)
        extra = [c for c in public if c.name not in (reg.id_column, reg.name_column)]
        coded: list[dict[str, int] | None] = []
        for c in extra:
            values = c.values if c.type == "enum" else (["是", "否"] if c.type == "bool" else None)
            coded.append({v: i for i, v in enumerate(values)} if values else None)
        registries.append(
            {
                "ref": reg.ref,
                "name": reg.name,
                "columns": [c.label for c in extra],
                "values": [list(m) if m is not None else None for m in coded],
            }
        )
        cols = [(c.name, m) for c, m in zip(extra, coded, strict=True)]
        for row in public_rows(reg, str(Path(r.path).parent / reg.file)):
            code = row[reg.id_column]
            if name_public and code not in names and row[reg.name_column]:
                names[code] = row[reg.name_column]
            cells: list[Any] = [ri]
            for name, m in cols:
                cell = row[name]
                cells.append(m.get(cell, cell) if m is not None else cell)
            text = _json_text(cells)
            rows[code] = f"{rows[code]},{text}" if code in rows else text
    return registries, names, rows


def lookup_files(data: SiteData) -> Iterator[tuple[str, bytes]]:
    """The manifest, every code shard, every shared-table chunk and every name shard,
    as (path, bytes)."""
    index = entity_index(data)
    strip = [data.site.jurisdiction] if data.site else []
    registries, names, rows = _registry_rows(data)
    for code, ent in index.entities.items():
        if code not in names and ent.name:
            names[code] = ent.name

    codes = set(rows) | set(index.entities)
    n = shard_count(len(codes))
    by_shard: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        by_shard[code_shard(code, n)].append(code)
    for stem in sorted(by_shard):  # one shard's JSON in memory at a time
        members = []
        for code in sorted(by_shard.pop(stem)):
            parts = []
            if code in names:
                parts.append(f'"n":{_json_text(names[code])}')
            if code in rows:
                parts.append(f'"r":[{rows.pop(code)}]')
            hist = index.entities.get(code)
            if hist is not None and (doc := hist.as_json(index.exclusions)):
                parts.append(_json_text(doc)[1:-1])
            members.append(f"{_json_text(code)}:{{{','.join(parts)}}}")
        yield f"lookup/code/{stem}.json", ("{" + ",".join(members) + "}").encode("utf-8")

    for key, table in index.tables.items():
        for start in range(0, len(table.rows), TABLE_CHUNK):
            yield (
                f"lookup/t/{key}{start // TABLE_CHUNK}.json",
                _json(table.rows[start : start + TABLE_CHUNK]),
            )

    by_name = sorted((name_key(name, strip), name, code) for code, name in names.items())
    table_of: dict[str, str] = {}
    for prefix, group in _split_names(by_name, 1):
        stem = name_shard_stem(prefix)
        table_of[prefix] = stem
        yield f"lookup/name/{stem}.json", _json([[name, code] for _, name, code in group])
    manifest = {
        "format": FORMAT,
        "entities": len(codes),
        "code_shards": n,
        "registries": registries,
        "codes": index.codes,
        "chunk": TABLE_CHUNK,
        "tables": {key: len(t.rows) for key, t in index.tables.items()},
        "strip": strip,
        "name_shards": table_of,
        "name_prefix_max": NAME_PREFIX_MAX,
    }
    yield "lookup/index.json", _json(manifest)


def _split_names(
    names: list[tuple[str, str, str]], depth: int
) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    """Group sorted (key, name, code) by the key's first ``depth`` characters, splitting a
    group that is too big by one more character (keys shorter than that stay in the parent)."""
    groups: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for item in names:
        groups[item[0][:depth]].append(item)
    for prefix in sorted(groups):
        group = groups[prefix]
        if len(group) <= NAME_SHARD_MAX or depth >= NAME_PREFIX_MAX:
            yield prefix, group
            continue
        short = [g for g in group if len(g[0]) <= depth]
        if short:
            yield prefix, short
        yield from _split_names([g for g in group if len(g[0]) > depth], depth + 1)


def _json_text(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _json(doc: Any) -> bytes:
    return _json_text(doc).encode("utf-8")


def lookup_page() -> Page:
    """The 企业查询 page: a form, filled in by assets/js/gongkai-lookup.js from the shards."""
    body = (
        '<div id="gk-lookup" data-root="../">'
        '<form class="gk-lookup-form" role="search">'
        '<label for="gk-lookup-q">企业名称或统一社会信用代码</label> '
        '<input id="gk-lookup-q" name="q" type="search" autocomplete="off" '
        'placeholder="例如：康美物流 或 915190310U1NEQP625">'
        ' <button type="submit">查询</button></form>'
        '<p class="gk-lookup-status" aria-live="polite"></p>'
        '<div class="gk-lookup-results"></div>'
        "<noscript><p>企业查询需要启用 JavaScript。也可以下载"
        f'<a href="../data/">{esc("开放数据")}</a>自行查找。</p></noscript>'
        "</div>\n\n"
        "<p>名称按前缀查找（可省略开头的辖区名称）；统一社会信用代码须完整输入 18 位。"
        "查询结果包括该主体参加的抽查任务、摇号记录（含票号和检查组）和检查结果。</p>\n\n"
        '<script src="../assets/js/gongkai-lookup.js"></script>'
    )
    return Page("lookup/index.md", "企业查询", body)
