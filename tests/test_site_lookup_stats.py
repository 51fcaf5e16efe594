"""企业查询 shards, the 统计分析 figures and `gongkai report`, on the demo records.

The figures are cross-checked against counts made here directly from the YAML records
(not through the code under test).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import generator.cli
from generator.content import load_content
from generator.site import lookup
from generator.site.render import SiteData
from generator.site.stats import figures
from generator.validate import validate
from tests.conftest import CONTENT, SITE_CONFIG

PRIVATE = ("person_in_charge", "phone", "负责人", "联系电话")
PUBLIC_EXTRA = (
    "entity_type",
    "industry",
    "region",
    "credit_class",
    "risk_level",
    "foreign",
    "status",
    "address",
    "registered_on",
)


@pytest.fixture(scope="module")
def data() -> SiteData:
    return SiteData(validate(load_content(CONTENT, SITE_CONFIG)))


@pytest.fixture(scope="module")
def files(data: SiteData) -> dict[str, bytes]:
    return dict(lookup.lookup_files(data))


def _row(files: dict[str, bytes], manifest: dict[str, Any], table: str, i: int) -> Any:
    """Row ``i`` of a shared table, read from its chunk file."""
    chunk = manifest["chunk"]
    assert 0 <= i < manifest["tables"][table]
    return json.loads(files[f"lookup/t/{table}{i // chunk}.json"])[i % chunk]


def _entity(files: dict[str, bytes], manifest: dict[str, Any], code: str) -> Any:
    stem = lookup.code_shard(code, manifest["code_shards"])
    return json.loads(files[f"lookup/code/{stem}.json"])[code]


def _registry_rows() -> list[dict[str, str]]:
    path = CONTENT / "registries" / "targets" / "sjx-targets" / "v1.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _signed(kind: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted((CONTENT / kind).rglob("v*.yaml")):
        doc = YAML(typ="safe", pure=True).load(path)
        out.append(doc.get("signed", doc))
    return out


def test_every_entity_is_findable_by_code_and_name(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["lookup/index.json"])
    rows = _registry_rows()
    assert manifest["entities"] >= len(rows)
    names = [json.loads(b) for p, b in files.items() if p.startswith("lookup/name/")]
    by_name = {code for shard in names for _, code in shard}
    for row in rows:
        stem = lookup.code_shard(row["uscc"], manifest["code_shards"])
        shard = json.loads(files[f"lookup/code/{stem}.json"])
        assert shard[row["uscc"]]["n"] == row["name"]
        assert row["uscc"] in by_name
        # The name shard a prefix query reads holds it.
        key = lookup.name_key(row["name"], manifest["strip"])
        prefix = max((p for p in manifest["name_shards"] if key.startswith(p)), key=len)
        name_shard = json.loads(files[f"lookup/name/{manifest['name_shards'][prefix]}.json"])
        assert [row["name"], row["uscc"]] in name_shard


def test_shards_are_bounded_and_hold_no_private_column(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["lookup/index.json"])
    code_shards = [b for p, b in files.items() if p.startswith("lookup/code/")]
    assert len(code_shards) == manifest["code_shards"]
    assert max(len(json.loads(b)) for b in code_shards) <= 2 * lookup.CODE_SHARD_TARGET
    assert max(len(b) for b in code_shards) < 100_000
    for p, b in files.items():
        if p.startswith("lookup/name/"):
            assert len(json.loads(b)) <= lookup.NAME_SHARD_MAX
    rows = _registry_rows()
    blob = b"".join(files.values()).decode("utf-8")
    for word in PRIVATE:
        assert word not in blob
    assert [r["phone"] for r in rows if r["phone"] and r["phone"] in blob] == []
    # A person's name may also be an inspector's or part of a company name: check that no
    # entity's own registry data carries its 负责人.
    shards = {p: json.loads(b) for p, b in files.items() if p.startswith("lookup/code/")}
    for row in rows:
        stem = lookup.code_shard(row["uscc"], manifest["code_shards"])
        ent = shards[f"lookup/code/{stem}.json"][row["uscc"]]
        values = []
        for reg_row in ent["r"]:
            reg = manifest["registries"][reg_row[0]]
            for v, coded in zip(reg_row[1:], reg["values"], strict=True):
                values.append(coded[v] if isinstance(v, int) and coded else v)
        assert row["person_in_charge"] not in values
        assert row["phone"] not in values
        # Every public column is there, enum and bool values written as indices.
        assert values == [row[c] for c in PUBLIC_EXTRA]


def test_shard_function_matches_the_javascript() -> None:
    # FNV-1a 32 reference values (the JS port in gongkai-lookup.js must agree).
    assert lookup.fnv1a32("") == 0x811C9DC5
    assert lookup.fnv1a32("a") == 0xE40C292C
    assert lookup.fnv1a32("foobar") == 0xBF9CF968
    assert lookup.shard_count(1) == 1
    assert lookup.shard_count(1_000_000) == 4096
    assert lookup.code_shard("915190310U1NEQP625", 4096) == format(
        lookup.fnv1a32("915190310U1NEQP625") & 4095, "03x"
    )


def test_history_matches_the_records(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["lookup/index.json"])
    assert manifest["format"] == "gongkai-lookup/2"
    results = _signed("results")
    for res in results:
        for entry in res["entries"]:
            ent = _entity(files, manifest, entry["target"])
            mine = [r for r in ent["s"] if _row(files, manifest, "s", r[0])[0] == res["id"]]
            assert len(mine) == 1
            assert mine[0][1] == entry["completed_on"]
            assert mine[0][2] == entry["result"]
            assert entry["result"] in manifest["codes"]
            people = [_row(files, manifest, "p", i) for i in mine[0][5]]
            assert len(people) == len(entry["inspectors"]) >= 2
    for draw in _signed("draws"):
        for i, visit in enumerate(draw["visits"], 1):
            ent = _entity(files, manifest, visit["target"])
            mine = [d for d in ent["d"] if _row(files, manifest, "d", d[0])[0] == draw["id"]]
            assert len(mine) == 1
            assert mine[0][1] == i
            assert mine[0][3] == visit.get("ticket", visit.get("position"))
            assert len(mine[0][2]) >= 2
            task = _row(files, manifest, "d", mine[0][0])[1]
            assert task == draw["task"]
            assert task in [_row(files, manifest, "t", t)[0] for t in ent["t"]]


def test_shared_rows_are_written_once(files: dict[str, bytes]) -> None:
    """Task titles, draws, notices, inspectors' names and phrases are in the shared tables,
    once each, and never repeated in the code shards."""
    manifest = json.loads(files["lookup/index.json"])
    for table, count in manifest["tables"].items():
        rows = [
            row
            for i in range(0, count, manifest["chunk"])
            for row in json.loads(files[f"lookup/t/{table}{i // manifest['chunk']}.json"])
        ]
        assert len(rows) == count
        keys = [json.dumps(r[0] if table in "tds" else r, ensure_ascii=False) for r in rows]
        assert len(set(keys)) == count, table
    shards = b"".join(b for p, b in files.items() if p.startswith("lookup/code/")).decode()
    titles = [_row(files, manifest, "t", i)[1] for i in range(manifest["tables"]["t"])]
    assert titles
    assert not [t for t in titles if t in shards]


def test_search_pages_group_entities_by_their_filters(data: SiteData) -> None:
    """Every entity with a history is on exactly one summary page, with entities that share
    its filters; pages and indexes stay within their bounds; draws go to the first index."""
    from generator.site.search import entity_filters, summary_bundles

    index = lookup.entity_index(data)
    expected = dict(entity_filters(index))
    assert len(expected) == sum(1 for e in index.entities.values() if e.has_history) > 100
    bundles = summary_bundles(data, group_max=7, bundle_entities=60)
    assert len(bundles) > 2
    assert [b.output for b in bundles[:3]] == ["pagefind", "pagefind/b1", "pagefind/b2"]
    seen: dict[str, str] = {}
    for i, bundle in enumerate(bundles):
        assert bundle.entities <= 60
        draws = [p for p, _ in bundle.pages if p.startswith("d/")]
        assert bool(draws) == (i == 0)
        for path, html in bundle.pages:
            if not path.startswith("e/"):
                continue
            codes = re.findall(r'<h2 id="([0-9A-Z]{18})">', html)
            assert 1 <= len(codes) <= 7
            filters = {expected[c] for c in codes}
            assert len(filters) == 1
            (years, depts, results) = filters.pop()
            tags = re.findall(r'data-pagefind-filter="([^"]+)"', html)
            assert sorted(tags) == sorted(
                [f"年度:{y}" for y in years]
                + [f"部门:{d}" for d in depts]
                + [f"检查结果:{r}" for r in results]
            )
            # Codes are attributes only: Pagefind indexes the names.
            text = re.sub(r"<[^>]+>", "", html)
            assert not [c for c in codes if c in text]
            for c in codes:
                assert c not in seen
                seen[c] = path
    assert set(seen) == set(expected)


def test_stats_agree_with_an_independent_count(data: SiteData) -> None:
    figs = {f.slug: f for f in figures(data)}
    results = _signed("results")
    entries = [e for r in results for e in r["entries"]]
    codes = Counter(e["result"] for e in entries)
    by_code = {row[0]: int(row[1]) for row in figs["results-by-code"].rows}
    assert sum(by_code.values()) == len(entries) == sum(codes.values())
    assert by_code[data.code_label("1")] == codes["1"]
    draws = _signed("draws")
    dept = {row[0]: row for row in figs["coverage-department"].rows}
    for d in data.departments.values():
        mine = [x for x in draws if x["department"] == d.id]
        done = [e for r in results if r["department"] == d.id for e in r["entries"]]
        if not mine and not done:
            assert d.name not in dept
            continue
        row = dept[d.name]
        assert row[1] == len(mine)
        assert row[2] == sum(x["in_scope"] for x in mine)
        assert row[3] == sum(len(x["visits"]) for x in mine)
        assert row[4] == len(done)
    quarters = {row[0]: row for row in figs["trend-quarter"].rows}
    assert sum(int(row[1]) for row in quarters.values()) == sum(len(x["visits"]) for x in draws)
    q4 = sum(1 for e in entries if e["completed_on"][5:7] in ("10", "11", "12"))
    assert quarters.get("2023年第4季度", [None, 0, 0])[2] == q4
    strata = figs["coverage-stratum"].rows
    assert sum(int(r[2]) for r in strata) == sum(s["take"] for x in draws for s in x["strata"])


def test_stats_csv_has_bom_and_guards_formulas(data: SiteData) -> None:
    f = figures(data)[0]
    f.rows.append(["=HYPERLINK(1)", 1, 1, 1, 1, 1, "1%"])
    text = f.csv().decode("utf-8")
    assert text.startswith("\ufeff部门,")
    assert "\r\n'=HYPERLINK(1)," in text
    assert "<script" not in f.svg()


def test_report_writes_markdown_svg_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "r"
    result = CliRunner().invoke(
        generator.cli.main,
        [
            "report",
            "--content",
            str(CONTENT),
            "--year",
            "2023",
            "--quarter",
            "4",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    md = (out / "report-2023-Q4.md").read_text("utf-8")
    assert md.startswith("# 示例县“双随机、一公开”监管2023年第4季度报告")
    for slug in ("coverage-department", "coverage-stratum", "results-by-code", "trend-quarter"):
        assert f"({slug}.svg)" in md
        assert (out / f"{slug}.svg").read_text("utf-8").startswith("<svg")
        rows = list(csv.reader(io.StringIO((out / f"{slug}.csv").read_text("utf-8-sig"))))
        assert len(rows) >= 1
    # Q4 2023: no draws (all in Q3), inspections only.
    trend = (out / "trend-quarter.csv").read_text("utf-8-sig")
    assert "2023年第3季度" not in trend


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "abc"], "--year 须为四位年份"),
        (["--year", "1999"], "2015 至 2100"),
        (["--year", "2024"], "没有 2024 年度的抽查计划"),
        (["--year", "2023", "--quarter", "5"], "--quarter 须为 1、2、3 或 4"),
    ],
)
def test_report_rejects_a_bad_period(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r"
    result = CliRunner().invoke(
        generator.cli.main, ["report", "--content", str(CONTENT), *args, "--out", str(out)]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_open_data_lists_every_bundle_and_the_dictionary_every_schema(data: SiteData) -> None:
    from generator.site.draws import draw_entries
    from generator.site.opendata import dictionary_page, open_data_page
    from tests.conftest import REPO

    page = open_data_page(data).body
    for e in draw_entries(data):
        assert f'href="../{e.bundle_path}"' in page
    assert 'href="dictionary/"' in page
    dictionary = dictionary_page(REPO / "schemas").body
    for path in (REPO / "schemas").glob("*.schema.json"):
        assert path.name.removesuffix(".schema.json") in dictionary
    assert "<code>uscc</code>" in dictionary or "<code>target</code>" in dictionary
