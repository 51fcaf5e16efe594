"""企业查询: every registry entity's whole history, as a sharded static JSON index.

A province has a million entities, so there is no page per entity. Instead:

* ``lookup/index.json`` — the manifest: how many code shards, the registries' public column
  labels, the name-shard table;
* ``lookup/code/<hex>.json`` — entities by 统一社会信用代码, in ``2**k`` shards chosen by the
  FNV-1a 32-bit hash of the code (the code's own prefix is the same for a whole county:
  ``9151903…``), each shard about :data:`CODE_SHARD_TARGET` entities;
* ``lookup/name/<hex>.json`` — ``[name, code]`` pairs for prefix search, sharded by the
  leading characters of the name with the site's jurisdiction (``示例县``) stripped, a shard
  split further by one more character while it holds more than :data:`NAME_SHARD_MAX`.

``assets/js/gongkai-lookup.js`` on the ``lookup/`` page loads only the shard it needs.
Everything comes from the public view of the records: registry rows through
:func:`~generator.publish.public_rows` (private columns never read), results through
:func:`~generator.publish.public_data`, draws from their published bundles. A registry
whose name column is private contributes no names.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import InspectorRegistry, Plan, Result, TargetRegistry
from ..publish import public_data, public_rows
from .render import Page, SiteData, esc

CODE_SHARD_TARGET = 256
"""Entities per code shard, on average (a shard is about 25–40 KB)."""
NAME_SHARD_MAX = 2000
"""A name shard with more entries than this is split by one more character."""
NAME_PREFIX_MAX = 4
"""Name shards are split at most to this many leading characters."""

EXCLUSION_LABELS = {
    "inactive": "登记状态非存续",
    "twice-this-year": "本年度已被抽中两次",
    "exempt": "连续三年检查结果良好，免于抽查",
    "same-item-other-agency": "同一事项已由其他部门检查",
    "no-stratum": "不属于任何分层",
}


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


@dataclass
class History:
    """What the records say about one entity (public view only)."""

    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    draws: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None
    """A name published in a result notice (when the registry has none)."""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tasks:
            out["tasks"] = sorted(self.tasks.values(), key=lambda t: t["id"])
        if self.draws:
            out["draws"] = self.draws
        if self.excluded:
            out["excluded"] = self.excluded
        if self.results:
            out["results"] = sorted(self.results, key=lambda r: r["completed_on"])
        return out


def _task_info(data: SiteData) -> dict[str, dict[str, Any]]:
    tasks: dict[str, dict[str, Any]] = {}
    for r in data.plans:
        plan = r.record
        if not isinstance(plan, Plan):
            continue
        for t in plan.tasks:
            tasks[t.id] = {
                "id": t.id,
                "title": t.title,
                "year": plan.year,
                "plan": plan.id,
                "dept": data.dept_name(t.lead),
                "kind": t.kind,
                "window": f"{t.window.start} 至 {t.window.end}",
            }
    return tasks


def _inspector_names(data: SiteData) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in data.inspector_registries:
        reg = r.record
        if isinstance(reg, InspectorRegistry):
            for p in reg.inspectors:
                names[p.id] = p.name
    return names


def histories(data: SiteData) -> dict[str, History]:
    """Every entity named by a plan, a draw or a result, with what each says about it."""
    from .draws import draw_entries

    tasks = _task_info(data)
    people = _inspector_names(data)
    out: dict[str, History] = defaultdict(History)

    def person(pid: str) -> str:
        return people.get(pid, pid)

    def touch(code: str, task_id: str | None) -> History:
        h = out[code]
        if task_id in tasks:
            h.tasks[task_id] = tasks[task_id]
        return h

    for r in data.plans:
        plan = r.record
        if isinstance(plan, Plan):
            for t in plan.tasks:
                for code in t.assigned_targets:
                    touch(code, t.id)
    for e in draw_entries(data):
        b = e.bundle
        draw = e.draw
        status = "已作废" if e.voided_by else "有效"
        teams = {t["team"]: t["members"] for t in b.get("teams", [])}
        assigned = {a["target"]: a for a in b.get("assignments", [])}
        stratum_of: dict[str, dict[str, str]] = {}
        for s in b.get("strata", []):
            for pick in s.get("selected", []):
                stratum_of[pick["target"]] = s.get("match", {})
        for i, pick in enumerate(b["visits"], 1):
            a = assigned.get(pick["target"], {})
            team = a.get("team")
            members = a.get("members") or teams.get(team or "", [])
            entry: dict[str, Any] = {
                "id": draw.id,
                "task": draw.task,
                "dept": data.dept_name(draw.department),
                "drawn_at": draw.drawn_at,
                "status": status,
                "order": i,
                "url": e.url,
                "members": [person(m) for m in members],
            }
            if pick.get("ticket"):
                entry["ticket"] = pick["ticket"]
            if pick.get("position") is not None:
                entry["position"] = pick["position"]
            if team:
                entry["team"] = team
            if pick["target"] in stratum_of:
                entry["stratum"] = "，".join(
                    f"{k}={v}" for k, v in stratum_of[pick["target"]].items()
                )
            touch(pick["target"], draw.task).draws.append(entry)
        for x in b.get("excluded", []):
            touch(x["target"], None).excluded.append(
                {
                    "id": draw.id,
                    "task": draw.task,
                    "reason": EXCLUSION_LABELS.get(x["reason"], x["reason"]),
                    "detail": x.get("detail", ""),
                    "url": e.url,
                }
            )
    for r in data.results:
        res = r.record
        if not isinstance(res, Result):
            continue
        doc = public_data(res, r.signed)
        for entry in doc["entries"]:
            h = touch(entry["target"], res.task)
            if entry.get("target_name"):
                h.name = h.name or entry["target_name"]
            redacted = {x["field"]: x for x in entry.get("redactions", [])}
            h.results.append(
                {
                    "id": res.id,
                    "task": res.task,
                    "dept": data.dept_name(res.department),
                    "published_on": res.published_on,
                    "completed_on": entry["completed_on"],
                    "result": data.code_label(entry["result"]),
                    "code": entry["result"],
                    "disposal": "、".join(entry["disposal"]),
                    "items": [
                        f"{i['item']}：{data.code_label(i['result'])}"
                        + (f"（{i['note']}）" if i.get("note") else "")
                        for i in entry.get("items", [])
                    ],
                    "inspectors": [person(p) for p in entry.get("inspectors", [])],
                    "redacted": [f"{x['reason']}（{x['ground']}）" for x in redacted.values()],
                    "url": f"results/{res.id}/",
                }
            )
    return dict(out)


def lookup_files(data: SiteData) -> Iterator[tuple[str, bytes]]:
    """The manifest and every code and name shard, as (path, bytes)."""
    hist = histories(data)
    strip = [data.site.jurisdiction] if data.site else []
    registries: dict[str, dict[str, Any]] = {}
    entities: dict[str, dict[str, Any]] = {}
    for r in data.registries:
        reg = r.record
        assert isinstance(reg, TargetRegistry)
        public = [c for c in reg.columns if c.visibility == "public"]
        name_public = any(c.name == reg.name_column for c in public)
        extra = [c for c in public if c.name not in (reg.id_column, reg.name_column)]
        registries[reg.ref] = {"name": reg.name, "columns": [c.label for c in extra]}
        for row in public_rows(reg, str(Path(r.path).parent / reg.file)):
            ent = entities.setdefault(row[reg.id_column], {})
            if name_public and "n" not in ent and row[reg.name_column]:
                ent["n"] = row[reg.name_column]
            ent.setdefault("r", []).append([reg.ref, [row[c.name] for c in extra]])
    for code, h in hist.items():
        ent = entities.setdefault(code, {})
        if "n" not in ent and h.name:
            ent["n"] = h.name
        ent["h"] = h.as_json()

    n = shard_count(len(entities))
    shards: dict[str, dict[str, Any]] = defaultdict(dict)
    for code in sorted(entities):
        shards[code_shard(code, n)][code] = entities[code]
    for stem in sorted(shards):
        yield f"lookup/code/{stem}.json", _json(shards[stem])

    names = sorted(
        (name_key(ent["n"], strip), ent["n"], code) for code, ent in entities.items() if "n" in ent
    )
    table: dict[str, str] = {}
    for prefix, group in _split_names(names, 1):
        stem = name_shard_stem(prefix)
        table[prefix] = stem
        yield f"lookup/name/{stem}.json", _json([[name, code] for _, name, code in group])
    manifest = {
        "format": "gongkai-lookup/1",
        "entities": len(entities),
        "code_shards": n,
        "registries": registries,
        "strip": strip,
        "name_shards": table,
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


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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
