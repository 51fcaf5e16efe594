"""Malformed input: every mistake is reported, exactly, and nothing else happens.

``tests/fixtures/minimal/`` is a small content tree that validates with zero
problems. Each case below puts one file from ``tests/fixtures/malformed/`` into
a copy of it (replacing a file or adding one) and runs ``gongkai validate``.
The expected messages are the full lines the user should read:
``path:line:col: field: what is wrong (got X, expected Y)``, or for a registry
CSV ``path:row N:column NAME: message``.

A case marked xfail states the message the validator *should* give; its reason
says what is wrong with the current one. Fix the code, then remove the mark.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.canonical import file_sha256, record_digest
from generator.cli import main
from generator.content import load_content
from generator.validate import validate
from generator.yamlsafe import read_yaml_file
from tests.conftest import FIXTURES, tree_snapshot

MINIMAL = FIXTURES / "minimal"
MALFORMED = FIXTURES / "malformed"

# Where the cases put their files, relative to the tree's root (and to the CWD).
DEPT = "content/departments/wsjkj.yaml"
ITEM = "content/checklist/scjgj/SCJG-001/v1.yaml"
ITEM3_V1 = "content/checklist/scjgj/SCJG-003/v1.yaml"
MANIFEST = "content/registries/targets/mini-targets/v1.yaml"
CSV = "content/registries/targets/mini-targets/v1.csv"
PLAN = "content/plans/2023/MINI-2023/v1.yaml"
RESULT = "content/results/2023/MINI-2023-001-R1/v1.yaml"

CSV_SHA256 = "e59f2c816f88201bbfcfde6d23fb5fde1db1aeab2ef98084fd02d869134dda6d"
DEPT_FIELDS = (
    "_type, id, version, supersedes, name, short_name, jurisdiction, uscc, address, office_phone, "
    "website, published_on"
)


def _sha_mismatch(got: str) -> str:
    """The line for a registry CSV whose bytes no longer match the manifest."""
    return f"{CSV}: file's SHA-256 does not match the manifest (got {got}, expected {CSV_SHA256})"


def _fifty_megabytes(dest: Path) -> None:
    """A valid result notice padded to 50 MiB with a comment: refused before parsing."""
    with dest.open("wb") as fh:
        fh.write((MINIMAL / RESULT).read_bytes())
        fh.write(b"# " + b"x" * (50 * 1024 * 1024) + b"\n")


@dataclass(frozen=True)
class Case:
    name: str
    target: str
    """The path in the tree that the fixture replaces or is added at."""
    expected: tuple[str, ...]
    """Full message lines, each of which must appear exactly in stderr."""
    errors: int | None = None
    """Total number of errors, when not every line is listed (default: len(expected))."""
    fixture: str = ""
    """File name in tests/fixtures/malformed/ (default: the case name + the target's suffix)."""
    generate: Callable[[Path], None] | None = None
    """Writes the file at test time instead (for files too big to commit)."""
    fix: str = ""
    """Non-empty: the expected lines are what the message should be; this says why it is not."""

    @property
    def source(self) -> Path:
        return MALFORMED / (self.fixture or self.name + Path(self.target).suffix)

    @property
    def error_count(self) -> int:
        return len(self.expected) if self.errors is None else self.errors

    @property
    def file_count(self) -> int:
        return len({line.split(":", 1)[0] for line in self.expected})


CASES: list[Case] = [
    # --- the strict YAML reader -----------------------------------------------------------
    Case(
        "duplicate-keys",
        DEPT,
        (
            f"{DEPT}:9:1: name: duplicate key (got 'name' again, expected each key once; "
            "first at line 6)",
        ),
    ),
    Case(
        "alias-bomb",
        DEPT,
        (
            f"{DEPT}:9:4: a: anchors are not allowed (got &a, expected plain data)",
            f"{DEPT}:10:8: b[0]: aliases are not allowed (got *a, expected the value written out)",
            f"{DEPT}:11:36: c[7]: aliases are not allowed (got *b, expected the value written out)",
            f"{DEPT}: ... and 62 more problems of the same kinds in this file",
        ),
        # 9 anchors and 9 x 8 + 1 aliases, none expanded: the first 20 are listed, then a count.
        # The holes the aliases leave are not checked against the model (no echoes).
        errors=21,
    ),
    Case(
        "anchor",
        DEPT,
        (f"{DEPT}:7:13: short_name: anchors are not allowed (got &short, expected plain data)",),
    ),
    Case(
        "merge-key",
        ITEM,
        (
            f"{ITEM}:18:3: ratio.<<: merge keys are not allowed (got <<, expected the fields "
            "written out)",
        ),
    ),
    Case(
        "yaml-tag",
        DEPT,
        (f"{DEPT}:8:15: jurisdiction: tags are not allowed (got !!str, expected plain data)",),
    ),
    Case(
        "two-documents",
        DEPT,
        (f"{DEPT}:12:1: more than one YAML document in a file (expected exactly one)",),
    ),
    Case(
        "float-ratio",
        ITEM,
        (
            f"{ITEM}:18:8: ratio.min: floating-point numbers are not allowed (got 0.03, expected "
            'a quoted decimal such as "0.03")',
        ),
    ),
    Case("empty-file", RESULT, (f"{RESULT}: file is empty (expected a YAML mapping)",)),
    Case(
        "empty-department-cascade",
        DEPT,
        (f"{DEPT}: file is empty (expected a YAML mapping)",),
    ),
    Case(
        "not-utf8-gbk",
        RESULT,
        (f"{RESULT}:1:3: not UTF-8 text (got byte 0xb2, expected UTF-8; save the file as UTF-8)",),
        fixture="not-utf8-gbk.bin",
    ),
    Case(
        "not-utf8-mixed",
        RESULT,
        (f"{RESULT}:9:16: not UTF-8 text (got byte 0xd5, expected UTF-8; save the file as UTF-8)",),
        fixture="not-utf8-mixed.bin",
    ),
    Case(
        "fifty-megabytes",
        RESULT,
        (
            f"{RESULT}: file is too large (got 52,429,635 bytes, expected a record of at most "
            "8,388,608 bytes; registries belong in CSV with a manifest)",
        ),
        generate=_fifty_megabytes,
    ),
    # --- record models --------------------------------------------------------------------
    Case(
        "unknown-type",
        RESULT,
        (
            f"{RESULT}:2:8: _type: unknown record type (got 'results/v1', expected one of: "
            "department/v1, checklist-item/v1, target-registry/v1, inspector-registry/v1, "
            "plan/v1, result/v1, result-codes/v1, disposals/v1, root/v1, keys/v1, draw/v1, void/v1)",
        ),
    ),
    Case(
        "unknown-type-department-cascade",
        DEPT,
        (
            f"{DEPT}:2:8: _type: unknown record type (got 'departement/v1', expected one of: "
            "department/v1, checklist-item/v1, target-registry/v1, inspector-registry/v1, "
            "plan/v1, result/v1, result-codes/v1, disposals/v1, root/v1, keys/v1, draw/v1, void/v1)",
        ),
    ),
    Case(
        "unknown-field",
        DEPT,
        (f"{DEPT}:11:1: fax: unknown field (got 'fax', expected one of: {DEPT_FIELDS})",),
    ),
    Case(
        "missing-required",
        DEPT,
        (f"{DEPT}:2:1: short_name: required field is missing (got nothing, expected a value)",),
    ),
    Case(
        "wrong-type-year",
        PLAN,
        (f"{PLAN}:6:7: year: wrong type (got '2023', expected a whole number; remove the quotes)",),
    ),
    Case(
        "wrong-type-seq",
        ITEM,
        (f"{ITEM}:7:6: seq: wrong type (got 'first', expected a whole number)",),
    ),
    Case(
        "enum-not-allowed",
        ITEM,
        (f"{ITEM}:9:11: category: value not allowed (got '普通', expected one of: 一般, 重点)",),
    ),
    Case(
        "bad-date",
        ITEM,
        (f"{ITEM}:32:17: effective_from: no such day (got '2023-02-30', expected a real date)",),
    ),
    Case(
        "ordinary-item-no-cap",
        ITEM,
        (
            f"{ITEM}:19:8: ratio.max: 一般检查事项 must cap the ratio (got null, expected a "
            'decimal such as "0.05")',
        ),
    ),
    Case(
        "ratio-below-default-no-reason",
        ITEM,
        (
            f"{ITEM}:18:8: ratio.min: below the 3% minimum without a stated reason (got '0.02', "
            'expected at least "0.03" or ratio.override_reason)',
        ),
    ),
    Case(
        "result-bad-uscc",
        RESULT,
        (
            f"{RESULT}:12:13: entries[0].target: invalid 统一社会信用代码 '91519031AY4CL12TH1': "
            "check character is wrong (got '1', expected 'R' per GB 32100-2015)",
        ),
    ),
    Case(
        "private-column-public",
        MANIFEST,
        (
            f"{MANIFEST}:44:17: columns[6].visibility: column 'phone' holds personal data "
            "(type phone) and must be private (got 'public', expected 'private')",
        ),
    ),
    Case(
        "directed-task-no-filter",
        PLAN,
        (
            f"{PLAN}:53:7: tasks[1].scope.filter: a 定向 task must filter its scope (got no "
            "filter, expected column: [values])",
        ),
    ),
    Case(
        "envelope-extra-key",
        DEPT,
        (
            f"{DEPT}:13:1: extra: unknown top-level key in a signed envelope (got 'extra', "
            "expected only 'signed' and 'signatures')",
        ),
    ),
    # --- personal data in free text -------------------------------------------------------
    Case(
        "mobile-in-result-note",
        RESULT,
        (
            f"{RESULT}:29:15: entries[1].items[0].note: personal data in a public record (got a "
            "mobile phone number (139****5670), expected none: remove it or keep it in a "
            "private field)",
        ),
    ),
    Case(
        "id-number-in-address",
        DEPT,
        (
            f"{DEPT}:9:10: address: personal data in a public record (got a resident ID number "
            "(110***********002X), expected none: remove it or keep it in a private field)",
        ),
    ),
    # --- versions and places --------------------------------------------------------------
    Case(
        "supersedes-mismatch",
        ITEM3_V1,
        (
            "content/checklist/scjgj/SCJG-003/v2.yaml:5:13: supersedes: does not match version 1 "
            "(got 597db409f12e494ac1b7ac2db9470183a669ac7227bec2b033ade2b462a27c21, expected "
            "d7192eae709109dda4b13ddb8dcb3d1526d4e441db8feb7ca64d879bc2f7d3bd; was "
            f"{ITEM3_V1} edited? history is never overwritten)",
        ),
    ),
    Case(
        "version-gap",
        "content/checklist/scjgj/SCJG-001/v3.yaml",
        (
            "content/checklist/scjgj/SCJG-001/v3.yaml:4:10: version: version 2 of 'SCJG-001' is "
            "missing (got versions 1, 3, expected 1 to 3)",
        ),
    ),
    Case(
        "wrong-directory",
        "content/checklist/wsjkj/SCJG-009/v1.yaml",
        (
            "content/checklist/wsjkj/SCJG-009/v1.yaml: record is in the wrong place (got "
            "content/checklist/wsjkj/SCJG-009/v1.yaml, expected "
            "content/checklist/scjgj/SCJG-009/v1.yaml)",
        ),
    ),
    # --- references between records -------------------------------------------------------
    Case(
        "dangling-department",
        PLAN,
        (
            f"{PLAN}:47:27: tasks[1].participants[1]: unknown department (got 'zjjj', expected "
            "one of: scjgj, wsjkj)",
        ),
    ),
    Case(
        "dangling-lead-cascade",
        PLAN,
        (
            f"{PLAN}:15:11: tasks[0].lead: unknown department (got 'scjgx', expected one of: "
            "scjgj, wsjkj)",
        ),
    ),
    Case(
        "dangling-item",
        PLAN,
        (
            f"{PLAN}:50:9: tasks[1].items[1]: unknown checklist item (got 'WSJK-009@1', expected "
            "an item id from content/checklist)",
        ),
    ),
    Case(
        "dangling-item-cascade",
        PLAN,
        (
            f"{PLAN}:17:9: tasks[0].items[0]: unknown checklist item (got 'SCJG-099@1', expected "
            "an item id from content/checklist)",
        ),
    ),
    Case(
        "item-without-version",
        PLAN,
        (
            f"{PLAN}:49:9: tasks[1].items[0]: cite the item's version (got 'SCJG-003', expected "
            "'SCJG-003@1' or 'SCJG-003@2'; item SCJG-003 has versions 1, 2)",
        ),
    ),
    Case(
        "task-registry-sha256",
        PLAN,
        (
            f"{PLAN}:21:24: tasks[0].scope.registry_sha256: does not match the snapshot "
            "mini-targets@1 (got e69f2c816f88201bbfcfde6d23fb5fde1db1aeab2ef98084fd02d869134dda6d, "
            f"expected {CSV_SHA256})",
        ),
    ),
    Case(
        "task-ratio-below-item-minimum",
        PLAN,
        (
            f"{PLAN}:26:18: tasks[0].strata.groups[0].ratio: below the minimum of item "
            "SCJG-001@1 (got '0.02', expected at least '0.03', or a ratio_justification)",
        ),
    ),
    Case(
        "result-code-unknown",
        RESULT,
        (
            f"{RESULT}:16:13: entries[0].result: unknown result code (got 'Z', expected one of: "
            "1, B, C, 6, D, 3, 4, 5, E, F, 7, 8, 9, 10, 11, 12)",
        ),
    ),
    Case(
        "result-code-not-leaf",
        RESULT,
        (
            f"{RESULT}:25:13: entries[1].result: use the most specific code (got 'A' "
            "发现问题待后续处理, expected one of its most specific sub-codes: B, C, 6, D, 3, 4, 5)",
        ),
    ),
    Case(
        "result-item-not-in-task",
        RESULT,
        (
            f"{RESULT}:18:15: entries[0].items[0].item: not an item of task MINI-2023-001 (got "
            "'SCJG-003@2', expected one of: SCJG-001@1)",
        ),
    ),
    Case(
        "result-inspector-unknown",
        RESULT,
        (
            f"{RESULT}:15:28: entries[0].inspectors[1]: unknown inspector (got 'INS-0099', "
            "expected an id from mini-inspectors@1)",
        ),
    ),
    Case(
        "result-target-not-in-registry",
        RESULT,
        (
            f"{RESULT}:21:13: entries[1].target: not in the task's registry snapshot (got "
            "'91519031MA6C0XNQ5K', expected a target of mini-targets@1)",
        ),
    ),
    # --- the registry CSV and its manifest ------------------------------------------------
    Case(
        "registry-bad-uscc",
        CSV,
        (
            _sha_mismatch("10c02584009737b13cbe4714a187e00bb1b03096428db15ca91a27eace601449"),
            f"{CSV}:row 3:column uscc: invalid 统一社会信用代码 '915190313BJ1XG6121': check "
            "character is wrong (got '1', expected 'X' per GB 32100-2015)",
        ),
    ),
    Case(
        "registry-duplicate-uscc",
        CSV,
        (
            _sha_mismatch("4448a3420aabed602ad0eda14b0f3e9b6b6bad512a8d653e710b0e5c8aea3d7f"),
            f"{CSV}:row 4:column uscc: duplicate id (got 915190313BJ1XG612X again, expected each "
            "target once; first at row 3)",
        ),
    ),
    Case(
        "registry-sha256-mismatch",
        CSV,
        (_sha_mismatch("76e7dc32dc316a809e00ac3041e9b602e8adfd0016ecb6b0f23d3d7782b93b81"),),
    ),
    Case(
        "registry-row-count",
        MANIFEST,
        (f"{CSV}: row count does not match the manifest (got 12, expected 13)",),
    ),
    Case(
        "csv-wrong-header",
        CSV,
        (
            _sha_mismatch("bfdb794f009c84e04200773193072ab582d8dbef65246ee821f0045b2ebb67ef"),
            f"{CSV}:row 1:column credit: header does not match the manifest's columns (got "
            "uscc,name,industry,credit,address,person_in_charge,phone, expected "
            "uscc,name,industry,credit_class,address,person_in_charge,phone)",
        ),
    ),
    Case(
        "csv-bad-enum",
        CSV,
        (
            _sha_mismatch("70c4e1df8b9ecc6b1c460f402e774863a493e66772bd4262a42ca7ba207de97a"),
            f"{CSV}:row 3:column industry: value not allowed (got '食品零售', expected one of: "
            "食品销售, 住宿, 制造业)",
        ),
    ),
    Case(
        "csv-mobile-in-public-column",
        CSV,
        (
            _sha_mismatch("9a3f485f12f4b50897bad27062d183d88ee9519999f679723d92c062dc6ed0fa"),
            f"{CSV}:row 6:column address: personal data in a public column (got a mobile phone "
            "number (139****5670), expected none: move it to a private column)",
        ),
    ),
    Case(
        "registry-gbk",
        CSV,
        (
            _sha_mismatch("890a00440d6d74758302a3bc7ddc9db56d04b8bc2b7e6b18773d548625029f65"),
            f"{CSV}:row 2:column name: not UTF-8 text (got byte 0xc0, expected UTF-8; in Excel "
            "choose 另存为 → CSV UTF-8)",
        ),
        fixture="registry-gbk.bin",
    ),
]


def _params(cases: list[Case]) -> list[object]:
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=f"message to be fixed: {case.fix}")]
            if case.fix
            else [],
        )
        for case in cases
    ]


def _copy_minimal(root: Path) -> None:
    shutil.copytree(MINIMAL / "content", root / "content")
    shutil.copytree(MINIMAL / "site_config", root / "site_config")


def _place(root: Path, case: Case) -> None:
    dest = root / case.target
    dest.parent.mkdir(parents=True, exist_ok=True)
    if case.generate is not None:
        case.generate(dest)
    else:
        shutil.copyfile(case.source, dest)


def _validate(root: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """Run ``gongkai validate`` from ``root``, so that messages show paths like content/..."""
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["validate", "--content", "content", "--config", "site_config"])


def _summary(errors: int, files: int) -> str:
    return (
        f"验证未通过：{errors} 个错误，涉及 {files} 个文件。 / "
        f"Validation failed: {errors} error(s) in {files} file(s)."
    )


def _problem_lines(stderr: str) -> list[str]:
    """The problem lines of stderr: without progress lines and the summary."""
    return [
        line
        for line in stderr.splitlines()
        if line and not line.startswith(("正在检查名录库", "验证未通过"))
    ]


def _assert_clean_failure(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# The minimal tree itself


def test_minimal_tree_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy_minimal(tmp_path)
    result = _validate(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert _problem_lines(result.stderr) == []
    assert result.stdout.startswith("验证通过。 / Validation passed.")
    content = load_content(tmp_path / "content", tmp_path / "site_config")
    report = validate(content)
    assert report.problems == []
    assert report.counts() == {
        "department": 2,
        "checklist-item": 4,
        "target-registry": 1,
        "inspector-registry": 1,
        "plan": 1,
        "result": 1,
    }
    assert sum(scan.rows for scan in report.registry_scans.values()) == 12


def test_minimal_tree_digests_are_current() -> None:
    """If this fails, a fixture's bytes changed (edited, or line endings converted)."""
    v1, problems = read_yaml_file(str(MINIMAL / ITEM3_V1))
    assert v1 is not None
    assert problems == []
    v2, problems = read_yaml_file(str(MINIMAL / "content/checklist/scjgj/SCJG-003/v2.yaml"))
    assert v2 is not None
    assert problems == []
    assert v2.data["supersedes"] == record_digest(v1.data)
    manifest, problems = read_yaml_file(str(MINIMAL / MANIFEST))
    assert manifest is not None
    assert problems == []
    assert manifest.data["sha256"] == file_sha256(str(MINIMAL / CSV)) == CSV_SHA256
    rows = (MINIMAL / CSV).read_text(encoding="utf-8").splitlines()
    assert manifest.data["rows"] == len(rows) - 1 == 12


# ---------------------------------------------------------------------------------------------
# One malformed file at a time


@pytest.mark.parametrize("case", _params(CASES))
def test_malformed(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy_minimal(tmp_path)
    _place(tmp_path, case)
    before = tree_snapshot(tmp_path)
    result = _validate(tmp_path, monkeypatch)
    _assert_clean_failure(result)
    lines = _problem_lines(result.stderr)
    for expected in case.expected:
        assert expected in lines, "\n".join(lines)
    assert result.stderr.rstrip("\n").splitlines()[-1] == _summary(
        case.error_count, case.file_count
    ), "\n".join(lines)
    assert len(lines) == case.error_count
    assert tree_snapshot(tmp_path) == before


def test_enough_cases_and_no_stray_fixtures() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)
    used = {case.source.name for case in CASES if case.generate is None}
    on_disk = {p.name for p in MALFORMED.iterdir() if p.is_file() and p.name != ".gitattributes"}
    assert used == on_disk
    added = {case.name for case in CASES if not (MINIMAL / case.target).is_file()}
    assert added == {"version-gap", "wrong-directory"}, "a target is missing from the minimal tree"


def test_no_traceback_without_verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case, including those whose message is still to be fixed, fails cleanly."""
    for case in CASES:
        root = tmp_path / case.name
        _copy_minimal(root)
        _place(root, case)
        result = _validate(root, monkeypatch)
        _assert_clean_failure(result)
        assert re.search(r"^验证未通过：\d+ 个错误", result.stderr, re.MULTILINE), case.name


# ---------------------------------------------------------------------------------------------
# Many malformed files at once

TOGETHER = ["duplicate-keys", "wrong-type-seq", "result-inspector-unknown", "csv-bad-enum"]


def test_every_error_in_every_file_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A YAML refusal, a model error, a cross-record error and a CSV error, all reported."""
    cases = [case for case in CASES if case.name in TOGETHER]
    assert len({case.target for case in cases}) == len(TOGETHER)
    _copy_minimal(tmp_path)
    for case in cases:
        _place(tmp_path, case)
    before = tree_snapshot(tmp_path)
    result = _validate(tmp_path, monkeypatch)
    _assert_clean_failure(result)
    lines = _problem_lines(result.stderr)
    expected = [line for case in cases for line in case.expected]
    assert sorted(lines) == sorted(expected)
    assert tree_snapshot(tmp_path) == before


def test_summary_line_counts_errors_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [case for case in CASES if case.name in TOGETHER]
    _copy_minimal(tmp_path)
    for case in cases:
        _place(tmp_path, case)
    result = _validate(tmp_path, monkeypatch)
    _assert_clean_failure(result)
    last = result.stderr.rstrip("\n").splitlines()[-1]
    assert last == (
        "验证未通过：5 个错误，涉及 4 个文件。 / Validation failed: 5 error(s) in 4 file(s)."
    )
    assert result.stdout == ""
