"""``gongkai import``: spreadsheets in, validated records out, all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from generator.canonical import record_digest
from generator.cli import main
from generator.codes import uscc_check_char
from generator.content import load_record_file
from generator.errors import InputError
from generator.importer import (
    CellError,
    Departments,
    Table,
    build_checklist,
    cell_text,
    dump_yaml,
    normalise_date,
    parse_legal_basis,
    parse_ratio,
    split_list,
)
from generator.models import ChecklistItem, Department, InspectorRegistry, TargetRegistry
from generator.registry import scan_registry
from generator.yamlsafe import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "import"

GOOD_USCC = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG", "91110108551385082Q"]
BAD_USCC = "91350100M000100Y4Z"

HEADER = [
    "序号",
    "事项名称",
    "事项类别",
    "抽查依据",
    "抽查主体",
    "抽查对象",
    "抽查内容",
    "抽查方式",
    "抽查比例下限",
    "抽查比例上限",
    "比例下限低于3%的理由",
    "抽查频次",
    "联合抽查部门",
    "公开方式",
    "业务专长",
    "生效日期",
    "第三方协助",
]
FORM_HEADER = ["事项序号", "问题编号", "检查内容", "检查依据", "可能结果"]

DEPARTMENTS = {
    "scjgj": ("示例县市场监督管理局", "县市场监管局"),
    "swj": ("示例县商务局", "县商务局"),
}


def uscc(n: int) -> str:
    """A valid USCC, different for each ``n``."""
    body = f"9135010{n:010d}"
    return body + uscc_check_char(body)


def item_row(seq: int, changes: dict[str, object] | None = None) -> list[object]:
    """One row of the 附件2 table, valid unless ``changes`` make it otherwise."""
    row: dict[str, object] = {
        "序号": seq,
        "事项名称": f"企业公示信息抽查{seq}",
        "事项类别": "一般",
        "抽查依据": "《企业信息公示暂行条例》第十四条；《中华人民共和国行政许可法》第六十一条",
        "抽查主体": "县市场监管局",
        "抽查对象": "企业",
        "抽查内容": "年度报告公示信息",
        "抽查方式": "书面检查、网络监测",
        "抽查比例下限": 0.03,  # an Excel number
        "抽查比例上限": "10%",
        "比例下限低于3%的理由": None,
        "抽查频次": "每年不超过1次",
        "联合抽查部门": None,
        "公开方式": "国家企业信用信息公示系统",
        "业务专长": None,
        "生效日期": dt.datetime(2024, 1, 1),  # an Excel date
        "第三方协助": None,
    }
    row.update(changes or {})
    return [row[h] for h in HEADER]


def question(seq: int, qid: str = "Q1") -> list[object]:
    return [
        seq,
        qid,
        "是否按时公示年度报告",
        "《企业信息公示暂行条例》第八条",
        "符合、不符合、不涉及",
    ]


def write_checklist(
    path: Path,
    rows: list[list[object]],
    questions: list[list[object]] | None = None,
    *,
    title: bool = False,
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件2"
    if title:
        ws.append(["示例县市场监督管理局随机抽查事项清单"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    form = wb.create_sheet("检查表")
    form.append(FORM_HEADER)
    for q in questions if questions is not None else [question(int(str(r[0]))) for r in rows]:
        form.append(q)
    wb.save(path)
    return path


def write_sheet(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file and directory under ``root``, with the files' bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny content tree with two departments; the working directory is its parent."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "content"
    (root / "departments").mkdir(parents=True)
    # Only the fields this test needs, plus published_on where the model asks for it.
    dated = 'published_on: "2024-01-01"\n' if "published_on" in Department.model_fields else ""
    for dept_id, (name, short) in DEPARTMENTS.items():
        (root / "departments" / f"{dept_id}.yaml").write_text(
            f"_type: department/v1\nid: {dept_id}\nname: {name}\nshort_name: {short}\n"
            f"jurisdiction: 示例县\n{dated}",
            encoding="utf-8",
        )
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["import", *args], catch_exceptions=False)


def import_checklist(path: Path, *extra: str) -> Result:
    return run("checklist", str(path), "--department", "scjgj", "--prefix", "SCJG", *extra)


def problem_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if ":row " in line]


# ---------------------------------------------------------------------------
# Cells, ratios, lists and legal bases


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  text \n", "text"),
        ("a\r\nb", "a\nb"),
        (5, "5"),
        (5.0, "5"),
        (13800138000.0, "13800138000"),
        (0.03, "0.03"),
        (0.035, "0.035"),
        (1e-07, "0.0000001"),
        (Decimal("0.10"), "0.10"),
        (True, "是"),
        (False, "否"),
        (dt.datetime(2024, 1, 5), "2024-01-05"),
        (dt.datetime(2024, 1, 5, 8, 30), "2024-01-05 08:30:00"),
        (dt.date(2024, 1, 5), "2024-01-05"),
    ],
)
def test_cell_text(value: object, expected: str) -> None:
    assert cell_text(value) == expected


@pytest.mark.parametrize("value", [9.14403001922038e17, float("nan"), "#N/A", "#REF!"])
def test_cell_text_refuses_what_cannot_be_kept_exactly(value: object) -> None:
    with pytest.raises(CellError):
        cell_text(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.03", "0.03"),
        ("0.030", "0.03"),
        ("3%", "0.03"),
        ("3.5%", "0.035"),
        ("３％", "0.03"),
        ("100%", "1"),
        ("1", "1"),
        ("0", "0"),
        ("0%", "0"),
        (".05", "0.05"),
        ("0.000001", "0.000001"),
        (cell_text(0.1), "0.1"),
    ],
)
def test_parse_ratio(text: str, expected: str) -> None:
    assert parse_ratio(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3厘", "not a ratio (got '3厘', expected a decimal such as 0.03"),
        ("1.5", "expected at most 1"),
        ("101%", "expected at most 1"),
        ("0.0000001", "too many decimal places"),
        (cell_text(0.1 + 0.2), "too many decimal places"),
        ("-0.03", "not a ratio"),
        ("1e-2", "not a ratio"),
        ("NaN", "not a ratio"),
        ("", "not a ratio"),
    ],
)
def test_parse_ratio_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_ratio(text)


def test_split_list_and_dates() -> None:
    assert split_list("实地检查、书面检查，网络监测") == ["实地检查", "书面检查", "网络监测"]
    assert split_list(" a ;b；\nc,, ") == ["a", "b", "c"]
    assert split_list("") == []
    assert normalise_date("2024/1/5") == "2024-01-05"
    assert normalise_date("2024年1月5日") == "2024-01-05"
    assert normalise_date("2024.01.05") == "2024-01-05"
    assert normalise_date("2024-1-5 00:00:00") == "2024-01-05"
    assert normalise_date("soon") == "soon"


def test_parse_legal_basis() -> None:
    assert parse_legal_basis(
        "《中华人民共和国食品安全法》第八十七条；《企业信息公示暂行条例》第十四条"
    ) == [
        {"law": "《中华人民共和国食品安全法》", "articles": "第八十七条"},
        {"law": "《企业信息公示暂行条例》", "articles": "第十四条"},
    ]
    assert parse_legal_basis("《甲法》第一条、第二条;\n《乙条例》第三条第一款。") == [
        {"law": "《甲法》", "articles": "第一条、第二条"},
        {"law": "《乙条例》", "articles": "第三条第一款"},
    ]
    # A new 《 starts a new piece, even after 、 or 和.
    assert parse_legal_basis("《甲法》第一条、《乙法》第二条和《丙法》第三条") == [
        {"law": "《甲法》", "articles": "第一条"},
        {"law": "《乙法》", "articles": "第二条"},
        {"law": "《丙法》", "articles": "第三条"},
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("中华人民共和国食品安全法第八十七条", "not a legal basis"),
        ("《甲法》", "no article given"),
        ("依据《甲法》第一条", "not a legal basis (got '依据'"),
        ("；", "no legal basis"),
    ],
)
def test_parse_legal_basis_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_legal_basis(text)


def test_dump_yaml_reads_back_exactly_with_the_strict_reader() -> None:
    data: dict[str, Any] = {
        "_type": "x/v1",
        "ratio": "0.03",
        "number_like": ["123", "0x1F", "0o17", "1e5", ".5", "-1", "+1", ".inf", ".nan"],
        "words": ["true", "False", "null", "~", "yes", "on", "", "- item", "# note", "a: b", "@x"],
        "date": "2024-01-05",
        "multi": "第一行\n第二行",
        "none": None,
        "flag": True,
        "count": 3,
        "shared": ["same"],
    }
    data["again"] = data["shared"]  # the same object twice must not become an alias
    text = dump_yaml(data, "清单.xlsx")
    assert text.startswith("# 由 清单.xlsx 导入 / imported from 清单.xlsx\n")
    assert "&" not in text
    assert "*" not in text
    doc, problems = parse_yaml(text, "x.yaml")
    assert problems == []
    assert doc is not None
    assert doc.data == data


# ---------------------------------------------------------------------------
# import checklist


def test_checklist_import_writes_valid_versioned_items(content: Path, tmp_path: Path) -> None:
    rows = [
        item_row(
            1,
            {
                "事项类别": "重点",
                "抽查比例下限": "5%",
                "抽查比例上限": None,
                "联合抽查部门": "县商务局",
                "业务专长": "食品安全、特种设备",
                "第三方协助": "委托检验检测机构",
            },
        ),
        item_row(2, {"抽查比例下限": "0.01", "比例下限低于3%的理由": "辖区企业数量大"}),
    ]
    questions = [question(1, "Q1"), question(1, "Q2"), question(2, "Q1")]
    book = write_checklist(tmp_path / "checklist.xlsx", rows, questions, title=True)

    result = import_checklist(book)

    assert result.exit_code == 0, result.output
    assert "content/checklist/scjgj/SCJG-001/v1.yaml" in result.output
    assert "导入完成" in result.output
    assert "Imported" in result.output
    first = content / "checklist" / "scjgj" / "SCJG-001" / "v1.yaml"
    second = content / "checklist" / "scjgj" / "SCJG-002" / "v1.yaml"
    for path in (first, second):
        loaded, problems = load_record_file(path)
        assert problems == []
        assert loaded is not None
        assert isinstance(loaded.record, ChecklistItem)
    text = first.read_text(encoding="utf-8")
    assert text.startswith("# 由 checklist.xlsx 导入 / imported from checklist.xlsx\n")
    assert 'min: "0.05"' in text
    assert "max: null" in text
    loaded, _ = load_record_file(first)
    assert loaded is not None
    item = loaded.record
    assert isinstance(item, ChecklistItem)
    assert item.id == "SCJG-001"
    assert item.version == 1
    assert item.supersedes is None
    assert item.department == "scjgj"
    assert item.category == "重点"
    assert item.ratio.min == "0.05"
    assert item.ratio.max is None
    assert item.joint_departments == ["swj"]
    assert item.methods == ["书面检查", "网络监测"]
    assert item.expertise == ["食品安全", "特种设备"]
    assert item.third_party == "委托检验检测机构"
    assert item.effective_from == "2024-01-01"
    assert [b.law for b in item.legal_basis] == [
        "《企业信息公示暂行条例》",
        "《中华人民共和国行政许可法》",
    ]
    assert [q.id for q in item.form.questions] == ["Q1", "Q2"]
    assert item.form.questions[0].findings == ["符合", "不符合", "不涉及"]
    assert list(loaded.signed)[:4] == ["_type", "id", "version", "department"]
    loaded2, _ = load_record_file(second)
    assert loaded2 is not None
    assert isinstance(loaded2.record, ChecklistItem)
    assert loaded2.record.ratio.min == "0.01"
    assert loaded2.record.ratio.max == "0.1"
    assert loaded2.record.ratio.override_reason == "辖区企业数量大"
    assert not [p for p in content.rglob("*") if p.name.startswith(".gongkai-import-")]


def test_checklist_reimport_of_identical_data_writes_nothing(content: Path, tmp_path: Path) -> None:
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1), item_row(2)])
    assert import_checklist(book).exit_code == 0
    before = snapshot(content)

    result = import_checklist(book)

    assert result.exit_code == 0, result.output
    assert "unchanged, skipped: SCJG-001@1" in result.output
    assert "unchanged, skipped: SCJG-002@1" in result.output
    assert snapshot(content) == before

    # Ratios compare as numbers: a hand-written "0.10" is the sheet's 10%.
    v1 = content / "checklist" / "scjgj" / "SCJG-001" / "v1.yaml"
    v1.write_text(v1.read_text(encoding="utf-8").replace('max: "0.1"', 'max: "0.10"'), "utf-8")
    assert 'max: "0.10"' in v1.read_text(encoding="utf-8")
    before = snapshot(content)
    assert "unchanged, skipped: SCJG-001@1" in import_checklist(book).output
    assert snapshot(content) == before


def test_checklist_change_needs_a_change_note_then_writes_the_next_version(
    content: Path, tmp_path: Path
) -> None:
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1), item_row(2)])
    assert import_checklist(book).exit_code == 0
    v1 = content / "checklist" / "scjgj" / "SCJG-002" / "v1.yaml"
    v1_bytes = v1.read_bytes()
    changed = write_checklist(
        tmp_path / "checklist2.xlsx", [item_row(1), item_row(2, {"抽查频次": "每年2次"})]
    )
    before = snapshot(content)

    refused = import_checklist(changed)

    assert refused.exit_code == 1
    assert snapshot(content) == before
    [line] = problem_lines(refused)
    assert line.startswith(
        "checklist2.xlsx:row 3:column *: item SCJG-002 differs from its version 1"
    )
    assert "(changed: frequency)" in line
    assert "--change-note" in line

    result = import_checklist(changed, "--change-note", "抽查频次调整为每年2次")

    assert result.exit_code == 0, result.output
    assert "SCJG-002/v2.yaml" in result.output
    assert "unchanged, skipped: SCJG-001@1" in result.output
    assert v1.read_bytes() == v1_bytes
    old, _ = load_record_file(v1)
    new, problems = load_record_file(v1.with_name("v2.yaml"))
    assert problems == []
    assert old is not None
    assert new is not None
    assert isinstance(new.record, ChecklistItem)
    assert new.record.version == 2
    assert new.record.supersedes == record_digest(old.signed) == old.digest
    assert new.record.change_note == "抽查频次调整为每年2次"
    assert new.record.frequency == "每年2次"
    assert not (content / "checklist" / "scjgj" / "SCJG-001" / "v2.yaml").exists()

    # Importing the same changed sheet again: now equal to v2, nothing to do.
    again = import_checklist(changed, "--change-note", "抽查频次调整为每年2次")
    assert again.exit_code == 0
    assert "unchanged, skipped: SCJG-002@2" in again.output


def test_checklist_next_version_follows_a_signed_envelope(content: Path, tmp_path: Path) -> None:
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1)])
    assert import_checklist(book).exit_code == 0
    v1 = content / "checklist" / "scjgj" / "SCJG-001" / "v1.yaml"
    body = v1.read_text(encoding="utf-8").split("\n", 1)[1]
    indented = "".join(f"  {line}\n" if line else "\n" for line in body.splitlines())
    v1.write_text(f"signed:\n{indented}signatures: []\n", encoding="utf-8")
    old, problems = load_record_file(v1)
    assert problems == []
    assert old is not None
    changed = write_checklist(
        tmp_path / "c2.xlsx", [item_row(1, {"抽查内容": "年度报告及即时信息"})]
    )

    result = import_checklist(changed, "--change-note", "增加即时信息")

    assert result.exit_code == 0, result.output
    new, _ = load_record_file(v1.with_name("v2.yaml"))
    assert new is not None
    assert new.record.supersedes == record_digest(old.signed)


def test_checklist_bad_rows_are_all_reported_and_nothing_is_written(
    content: Path, tmp_path: Path
) -> None:
    rows = [
        item_row(1),
        item_row(2, {"抽查比例下限": "3厘"}),
        item_row(3, {"事项名称": None}),
        item_row(4, {"抽查比例上限": None}),
        item_row(5, {"联合抽查部门": "县财政局"}),
        item_row(6),
    ]
    book = write_checklist(tmp_path / "checklist.xlsx", rows)
    before = snapshot(content)

    result = import_checklist(book)

    assert result.exit_code == 1
    assert snapshot(content) == before
    lines = problem_lines(result)
    assert len(lines) == 4
    ratio, name, cap, joint = lines
    assert ratio == (
        "checklist.xlsx:row 3:column 抽查比例下限: not a ratio (got '3厘', expected a decimal "
        "such as 0.03 or a percentage such as 3%)"
    )
    assert name == "checklist.xlsx:row 4:column 事项名称: required cell is empty (expected a value)"
    # The model's own message, placed at the row and column it came from.
    assert cap.startswith(
        "checklist.xlsx:row 5:column 抽查比例上限: 一般检查事项 must cap the ratio"
    )
    assert joint == (
        "checklist.xlsx:row 6:column 联合抽查部门: unknown department (got '县财政局', expected "
        "an id, full name or short name from content/departments: scjgj (县市场监管局), "
        "swj (县商务局))"
    )
    assert "nothing was written" in result.output


def test_checklist_form_problems_name_the_form_sheet(content: Path, tmp_path: Path) -> None:
    questions = [
        question(1),
        [1, "Q 2", "问题", "《企业信息公示暂行条例》第八条", "符合"],
        [1, "Q1", "问题", "《企业信息公示暂行条例》第八条", "符合、不符合"],
        question(9),
    ]
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1), item_row(2)], questions)

    result = import_checklist(book)

    assert result.exit_code == 1
    lines = problem_lines(result)
    assert "checklist.xlsx:row 3:column 序号: the item has no questions" in lines[0]
    form_lines = [line for line in lines if line.startswith("checklist.xlsx[检查表]")]
    assert [line.split(": ", 1)[0] for line in form_lines] == [
        "checklist.xlsx[检查表]:row 3:column 问题编号",
        "checklist.xlsx[检查表]:row 3:column 可能结果",
        "checklist.xlsx[检查表]:row 4:column 问题编号",
        "checklist.xlsx[检查表]:row 5:column 事项序号",
    ]
    assert "duplicate 问题编号 in item 1 (got 'Q1' again, first at row 2)" in form_lines[2]
    assert not (content / "checklist").exists()


def test_checklist_from_csv_with_a_form_csv_and_a_bom(content: Path, tmp_path: Path) -> None:
    main_csv = tmp_path / "checklist.csv"
    main_csv.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "checklist.csv").read_bytes())
    form_csv = shutil.copy(FIXTURES / "form.csv", tmp_path / "form.csv")

    without_form = import_checklist(main_csv)
    assert without_form.exit_code == 1
    assert "--form FORM.csv" in without_form.output

    result = import_checklist(main_csv, "--form", str(form_csv))

    assert result.exit_code == 0, result.output
    loaded, problems = load_record_file(content / "checklist" / "scjgj" / "SCJG-002" / "v1.yaml")
    assert problems == []
    assert loaded is not None
    assert isinstance(loaded.record, ChecklistItem)
    assert loaded.record.ratio.min == "0.01"
    assert loaded.record.effective_from == "2024-01-01"


def test_checklist_dry_run_writes_nothing(content: Path, tmp_path: Path) -> None:
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1)])
    before = snapshot(content)

    result = import_checklist(book, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would write: content/checklist/scjgj/SCJG-001/v1.yaml" in result.output
    assert snapshot(content) == before


def test_unknown_department_is_refused(content: Path, tmp_path: Path) -> None:
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1)])

    result = run("checklist", str(book), "--department", "nosuch", "--prefix", "X")

    assert result.exit_code == 1
    assert (
        "unknown department (got --department 'nosuch', expected one of: scjgj, swj"
        in result.output
    )


def test_unknown_and_missing_headers_are_refused(content: Path, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "抽查频次"] + ["备注"]
    book = tmp_path / "checklist.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(header)
    wb.create_sheet("检查表").append(FORM_HEADER)
    wb.save(book)

    result = import_checklist(book)

    assert result.exit_code == 1
    assert (
        "checklist.xlsx:row 1:column 备注: unknown column (got '备注', expected one of: 序号、"
        in (result.output)
    )
    assert "checklist.xlsx:row 1:column 抽查频次: required column is missing" in result.output


def test_build_checklist_without_click(content: Path) -> None:
    main_table = Table.from_rows("sheet", [HEADER, item_row(1, {"事项类别": "重点检查事项"})])
    form_table = Table.from_rows("form", [FORM_HEADER, question(1)])
    departments = Departments.load(content, "scjgj")

    [built] = build_checklist(
        main_table, form_table, department="scjgj", prefix="SCJG", departments=departments
    )

    assert built.row == 2
    assert isinstance(built.record, ChecklistItem)
    assert built.record.category == "重点"
    assert built.record.ratio.max == "0.1"

    bad = Table.from_rows("sheet", [HEADER, item_row(1, {"抽查方式": "上门检查"})])
    with pytest.raises(InputError) as info:
        build_checklist(
            bad,
            Table.from_rows("form", [FORM_HEADER, question(1)]),
            department="scjgj",
            prefix="SCJG",
            departments=departments,
        )
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("sheet", 2, "抽查方式")
    assert "value not allowed (got '上门检查'" in problem.message


# ---------------------------------------------------------------------------
# import targets


TARGET_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "市场主体类型",
    "行业",
    "信用等级",
    "涉外",
    "住所",
    "法定代表人",
    "联系电话",
    "成立日期",
]


def target_row(code: str, n: int, industry: str = "餐饮业") -> list[object]:
    return [
        code,
        f" 示例公司{n} ",
        "有限责任公司",
        industry,
        "ABCD"[n % 4],
        "否",
        f"示例县城关镇{n}号",
        "张三",
        13800138000 + n,  # a phone number Excel keeps as a number
        dt.datetime(2010, 1, n % 28 + 1),
    ]


def import_targets(path: Path, *extra: str) -> Result:
    return run(
        "targets",
        str(path),
        "--department",
        "scjgj",
        "--id",
        "scjgj-targets",
        "--snapshot-date",
        "2024-03-01",
        *extra,
    )


def test_targets_import_from_xlsx(content: Path, tmp_path: Path) -> None:
    rows = [target_row(code, n) for n, code in enumerate(GOOD_USCC, start=1)]
    rows[0][0] = GOOD_USCC[0].lower()  # upper-cased on the way in
    rows.insert(2, [None] * len(TARGET_HEADER))  # a blank row is skipped
    book = write_sheet(tmp_path / "targets.xlsx", [TARGET_HEADER, *rows])

    result = import_targets(book)

    assert result.exit_code == 0, result.output
    assert "4 targets" in result.output
    folder = content / "registries" / "targets" / "scjgj-targets"
    raw = (folder / "v1.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    lines = raw.decode("utf-8").split("\n")
    assert (
        lines[0]
        == "uscc,name,entity_type,industry,credit_class,foreign,address,person_in_charge,phone,registered_on"
    )
    assert lines[1] == (
        "91350100M000100Y43,示例公司1,有限责任公司,餐饮业,B,否,示例县城关镇1号,张三,13800138001,2010-01-02"
    )
    assert lines[-1] == ""
    loaded, problems = load_record_file(folder / "v1.yaml")
    assert problems == []
    assert loaded is not None
    manifest = loaded.record
    assert isinstance(manifest, TargetRegistry)
    assert manifest.sha256 == hashlib.sha256(raw).hexdigest()
    assert manifest.rows == 4
    assert manifest.file == "v1.csv"
    assert manifest.snapshot_date == "2024-03-01"
    assert manifest.id_column == "uscc"
    assert manifest.name_column == "name"
    columns = {c.name: c for c in manifest.columns}
    assert columns["name"].label == "企业名称"
    assert columns["industry"].type == "enum"
    assert columns["industry"].values == ["餐饮业"]
    assert columns["credit_class"].values == ["A", "B", "C", "D"]
    assert columns["credit_class"].visibility == "private"
    assert columns["foreign"].type == "bool"
    assert columns["person_in_charge"].visibility == "private"
    assert columns["phone"].type == "phone"
    assert columns["phone"].visibility == "private"
    assert columns["registered_on"].type == "date"
    scan = scan_registry(manifest, str(folder / "v1.csv"), "v1.csv")
    assert scan.problems == []


def test_targets_bad_and_duplicate_uscc_are_reported_by_row(content: Path, tmp_path: Path) -> None:
    rows: list[Sequence[object]] = [
        target_row(GOOD_USCC[0], 1),
        target_row(BAD_USCC, 2),
        target_row(GOOD_USCC[1], 3),
        [None] * len(TARGET_HEADER),
        target_row(GOOD_USCC[0], 4),
    ]
    book = write_sheet(tmp_path / "targets.xlsx", [["示例县检查对象名录"], TARGET_HEADER, *rows])
    before = snapshot(content)

    result = import_targets(book)

    assert result.exit_code == 1
    assert snapshot(content) == before
    first, second = problem_lines(result)
    assert first.startswith("targets.xlsx:row 4:column 统一社会信用代码: ")
    assert "character 'Z' is not allowed in a USCC" in first
    assert second.startswith(
        "targets.xlsx:row 7:column 统一社会信用代码: duplicate id (got 91350100M000100Y43 again"
    )
    assert "first at row" not in second or "first at row 3)" in second


def test_targets_csv_with_a_bom_is_accepted(content: Path, tmp_path: Path) -> None:
    source = tmp_path / "targets.csv"
    source.write_bytes(
        b"\xef\xbb\xbf" + (FIXTURES / "targets.csv").read_bytes().replace(b"\n", b"\r\n")
    )

    result = import_targets(source)

    assert result.exit_code == 0, result.output
    folder = content / "registries" / "targets" / "scjgj-targets"
    text = (folder / "v1.csv").read_text(encoding="utf-8")
    assert text.startswith("uscc,name,")
    assert "91350100M000100Y43,示例食品有限公司" in text
    assert "\r" not in text
    loaded, problems = load_record_file(folder / "v1.yaml")
    assert problems == []
    assert loaded is not None
    assert isinstance(loaded.record, TargetRegistry)
    assert loaded.record.rows == 3


def test_gbk_csv_is_refused_with_the_save_as_hint(content: Path, tmp_path: Path) -> None:
    source = tmp_path / "targets.csv"
    source.write_bytes((FIXTURES / "targets.csv").read_text(encoding="utf-8").encode("gbk"))
    before = snapshot(content)

    result = import_targets(source)

    assert result.exit_code == 1
    assert "targets.csv: not UTF-8 text (got byte 0x" in result.output
    assert "GBK" in result.output
    assert "另存为 → CSV UTF-8" in result.output
    assert snapshot(content) == before


def test_targets_unknown_header_lists_the_known_ones(content: Path, tmp_path: Path) -> None:
    book = write_sheet(
        tmp_path / "t.xlsx", [["统一社会信用代码", "名称", "网格员"], [GOOD_USCC[0], "甲", "某"]]
    )

    result = import_targets(book)

    assert result.exit_code == 1
    assert (
        "t.xlsx:row 1:column 网格员: unknown column (got '网格员', expected one of: 统一社会信用代码、名称、"
        in (result.output)
    )


def test_targets_next_snapshot_reuses_columns_and_supersedes(content: Path, tmp_path: Path) -> None:
    first = write_sheet(
        tmp_path / "t1.xlsx",
        [TARGET_HEADER, target_row(GOOD_USCC[0], 1), target_row(GOOD_USCC[1], 2)],
    )
    assert import_targets(first).exit_code == 0
    folder = content / "registries" / "targets" / "scjgj-targets"
    # A department edits the manifest: a nicer label and a chosen order of values.
    v1_path = folder / "v1.yaml"
    v1_path.write_text(
        v1_path.read_text(encoding="utf-8").replace("label: 企业名称", "label: 市场主体名称"),
        encoding="utf-8",
    )
    v1, problems = load_record_file(v1_path)
    assert problems == []
    assert v1 is not None
    before = snapshot(content)

    unchanged = import_targets(first, "--snapshot-date", "2024-04-01")
    assert unchanged.exit_code == 0, unchanged.output
    assert "unchanged, skipped: scjgj-targets@1" in unchanged.output
    assert snapshot(content) == before

    second = write_sheet(
        tmp_path / "t2.xlsx",
        [
            TARGET_HEADER,
            target_row(GOOD_USCC[0], 1),
            target_row(GOOD_USCC[2], 3, industry="零售业"),
            target_row(GOOD_USCC[3], 4, industry="住宿业"),
        ],
    )
    result = import_targets(second, "--snapshot-date", "2024-04-01")

    assert result.exit_code == 0, result.output
    v2, problems = load_record_file(folder / "v2.yaml")
    assert problems == []
    assert v2 is not None
    manifest = v2.record
    assert isinstance(manifest, TargetRegistry)
    assert manifest.version == 2
    assert manifest.supersedes == v1.digest
    assert manifest.file == "v2.csv"
    assert manifest.rows == 3
    assert manifest.column("name") is not None
    assert manifest.column("name").label == "市场主体名称"  # type: ignore[union-attr]
    assert manifest.column("industry").values == ["餐饮业", "住宿业", "零售业"]  # type: ignore[union-attr]
    assert (folder / "v1.csv").read_bytes() == before["registries/targets/scjgj-targets/v1.csv"]
    assert scan_registry(manifest, str(folder / "v2.csv"), "v2.csv").problems == []


def test_targets_many_rows_stream_through(content: Path, tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        fh.write("统一社会信用代码,名称,行业\n")
        for n in range(1, 20001):
            fh.write(f"{uscc(n)},公司{n},{'餐饮业' if n % 2 else '零售业'}\n")
            if n == 10000:
                fh.write(",,\n")  # a blank row shifts the rows after it
        fh.write(f"{uscc(15000)},重复,餐饮业\n")

    result = import_targets(source)

    assert result.exit_code == 1
    [line] = problem_lines(result)
    assert line.startswith(
        f"big.csv:row 20003:column 统一社会信用代码: duplicate id (got {uscc(15000)} again, "
    )
    # A row named in the message is the source file's row too, past the blank row.
    assert "first at row" not in line or "first at row 15002" in line


# ---------------------------------------------------------------------------
# import inspectors


def import_inspectors(path: Path, *extra: str) -> Result:
    return run(
        "inspectors",
        str(path),
        "--department",
        "scjgj",
        "--id",
        "scjgj-inspectors",
        "--as-of",
        "2024-03-01",
        *extra,
    )


def test_inspectors_import(content: Path, tmp_path: Path) -> None:
    source = shutil.copy(FIXTURES / "inspectors.csv", tmp_path / "inspectors.csv")

    result = import_inspectors(Path(source))

    assert result.exit_code == 0, result.output
    path = content / "registries" / "inspectors" / "scjgj-inspectors" / "v1.yaml"
    loaded, problems = load_record_file(path)
    assert problems == []
    assert loaded is not None
    registry = loaded.record
    assert isinstance(registry, InspectorRegistry)
    assert registry.as_of == "2024-03-01"
    assert registry.name == "示例县市场监督管理局执法检查人员名录库"
    first, second = registry.inspectors
    assert (first.id, first.name, first.unit) == ("INS-0001", "李明", "scjgj")
    assert (first.gender, first.birth_date, first.mobile) == ("男", "1985-03-02", "13800138000")
    assert first.qualifications == ["行政执法", "食品安全"]
    assert first.expertise == ["食品安全"]
    assert (second.id, second.unit, second.mobile, second.expertise) == (
        "INS-0002",
        "swj",
        None,
        [],
    )
    assert 'mobile: "13800138000"' in path.read_text(encoding="utf-8")


def test_inspectors_keep_their_ids_in_the_next_version(content: Path, tmp_path: Path) -> None:
    header = ["姓名", "职务", "工作单位", "执法证号", "执法资质"]
    first = write_sheet(
        tmp_path / "i1.xlsx",
        [
            header,
            ["甲", "科员", "scjgj", "F35010000001", "行政执法"],
            ["乙", "科员", "scjgj", "F35010000002", "行政执法"],
        ],
    )
    assert import_inspectors(first).exit_code == 0
    folder = content / "registries" / "inspectors" / "scjgj-inspectors"
    v1, _ = load_record_file(folder / "v1.yaml")
    assert v1 is not None
    again = import_inspectors(first, "--as-of", "2024-04-01")
    assert "unchanged, skipped: scjgj-inspectors@1" in again.output
    second = write_sheet(
        tmp_path / "i2.xlsx",
        [
            header,
            ["丙", "科员", "swj", "F35010000003", "行政执法"],
            ["乙", "副科长", "scjgj", "F35010000002", "行政执法"],
        ],
    )

    result = import_inspectors(second)

    assert result.exit_code == 0, result.output
    v2, problems = load_record_file(folder / "v2.yaml")
    assert problems == []
    assert v2 is not None
    registry = v2.record
    assert isinstance(registry, InspectorRegistry)
    assert registry.supersedes == v1.digest
    assert [(p.name, p.id) for p in registry.inspectors] == [("丙", "INS-0003"), ("乙", "INS-0002")]


def test_inspectors_bad_rows(content: Path, tmp_path: Path) -> None:
    header = ["编号", "姓名", "性别", "手机号", "职务", "工作单位", "执法证号", "执法资质"]
    book = write_sheet(
        tmp_path / "inspectors.xlsx",
        [
            header,
            ["A1", "甲", "男", 13800138000, "科员", "县市场监管局", "F35010000001", "行政执法"],
            ["A2", "乙", "未知", "12345", "科员", "县财政局", "X1", "行政执法"],
            ["A3", "丙", None, None, "科员", "scjgj", "F35010000001", None],
        ],
    )
    before = snapshot(content)

    result = import_inspectors(book)

    assert result.exit_code == 1
    assert snapshot(content) == before
    lines = problem_lines(result)
    assert [line.split(": ", 1)[0] for line in lines] == [
        "inspectors.xlsx:row 3:column 工作单位",
        "inspectors.xlsx:row 3:column 手机号",
        "inspectors.xlsx:row 3:column 执法证号",
        "inspectors.xlsx:row 3:column 性别",
        "inspectors.xlsx:row 4:column 执法资质",
    ]
    assert "unknown department (got '县财政局'" in lines[0]
    assert "not a mobile number (got '12345'" in lines[1]
    assert "value not allowed (got '未知'" in lines[3]


# ---------------------------------------------------------------------------
# Across the imports


def test_imported_content_passes_gongkai_validate(content: Path, tmp_path: Path) -> None:
    config = tmp_path / "site_config"
    (config / "result-codes").mkdir(parents=True)
    (config / "disposals").mkdir()
    (config / "site.yaml").write_text(
        "jurisdiction: 示例县\ntitle: 示例\nresult_codes: result-codes@1\ndisposals: disposals@1\n",
        encoding="utf-8",
    )
    (config / "result-codes" / "v1.yaml").write_text(
        "_type: result-codes/v1\nid: result-codes\nname: 代码\nsource: 示例\n"
        'codes:\n  - code: "1"\n    label: 未发现问题\n',
        encoding="utf-8",
    )
    (config / "disposals" / "v1.yaml").write_text(
        "_type: disposals/v1\nid: disposals\nname: 后续处置\noptions:\n  - 无需后续处置\n",
        encoding="utf-8",
    )
    book = write_checklist(
        tmp_path / "checklist.xlsx", [item_row(1, {"联合抽查部门": "swj"}), item_row(2)]
    )
    assert import_checklist(book).exit_code == 0
    targets = write_sheet(
        tmp_path / "targets.xlsx",
        [TARGET_HEADER, *(target_row(code, n) for n, code in enumerate(GOOD_USCC, start=1))],
    )
    assert import_targets(targets).exit_code == 0
    inspectors = shutil.copy(FIXTURES / "inspectors.csv", tmp_path / "inspectors.csv")
    assert import_inspectors(Path(inspectors)).exit_code == 0

    result = CliRunner().invoke(main, ["validate", "--content", "content", "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert "Validation passed" in result.output


def test_a_named_sheet_and_a_value_under_no_header(content: Path, tmp_path: Path) -> None:
    book = tmp_path / "inspectors.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为执法检查人员名录"])
    sheet = wb.create_sheet("名录")
    sheet.append(["姓名", "职务", "工作单位", "执法证号", "执法资质"])
    sheet.append(["甲", "科员", "scjgj", "F35010000001", "行政执法", "多余"])
    wb.save(book)

    first_sheet = import_inspectors(book)
    assert first_sheet.exit_code == 1
    assert "no header row found" in first_sheet.output
    assert "the workbook has: 说明, 名录 (choose with --sheet)" in first_sheet.output

    result = import_inspectors(book, "--sheet", "名录")

    assert result.exit_code == 1
    assert problem_lines(result) == [
        "inspectors.xlsx[名录]:row 2:column F: value in a column without a header (expected a "
        "header for every column with data, or an empty cell)"
    ]


def test_targets_dry_run_writes_nothing(content: Path, tmp_path: Path) -> None:
    source = shutil.copy(FIXTURES / "targets.csv", tmp_path / "targets.csv")
    before = snapshot(content)

    result = import_targets(Path(source), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would write: content/registries/targets/scjgj-targets/v1.csv" in result.output
    assert snapshot(content) == before


def test_an_item_id_used_by_another_department_is_refused(content: Path, tmp_path: Path) -> None:
    (content / "checklist" / "swj" / "SCJG-001").mkdir(parents=True)
    book = write_checklist(tmp_path / "checklist.xlsx", [item_row(1)])

    result = import_checklist(book)

    assert result.exit_code == 1
    assert "item id SCJG-001 is already used by department swj" in result.output


def test_registration_numbers_only_where_allowed(content: Path, tmp_path: Path) -> None:
    from generator.codes import registration_check_digit

    number = "35010000000001" + registration_check_digit("35010000000001")
    source = tmp_path / "targets.csv"
    source.write_text(
        f"统一社会信用代码,名称\n{GOOD_USCC[0]},甲公司\n{number},乙商店\n", encoding="utf-8"
    )

    refused = import_targets(source)
    assert refused.exit_code == 1
    [line] = problem_lines(refused)
    assert line.startswith("targets.csv:row 3:column 统一社会信用代码: ")

    result = import_targets(source, "--allow-registration-numbers")

    assert result.exit_code == 0, result.output
    loaded, problems = load_record_file(
        content / "registries" / "targets" / "scjgj-targets" / "v1.yaml"
    )
    assert problems == []
    assert loaded is not None
    assert isinstance(loaded.record, TargetRegistry)
    assert loaded.record.allow_registration_numbers is True
