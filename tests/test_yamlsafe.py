"""The strict YAML reader: what it accepts, what it refuses, and where it says so."""

from __future__ import annotations

import pytest

from generator.yamlsafe import MAX_YAML_BYTES, parse_yaml, read_yaml_file


def messages(text: str) -> list[str]:
    _, problems = parse_yaml(text, "f.yaml")
    return [str(p) for p in problems]


def test_plain_scalars_follow_yaml_12_core_schema() -> None:
    doc, problems = parse_yaml(
        'a: 1\nb: x\nc: 2025-01-31\nd: "0.03"\ne: [1, 2]\nf: yes\ng: ~\nh: true\ni: 0x1F\nj: "007"\n',
        "f.yaml",
    )
    assert problems == []
    assert doc is not None
    assert doc.data == {
        "a": 1, "b": "x", "c": "2025-01-31", "d": "0.03", "e": [1, 2],
        "f": "yes", "g": None, "h": True, "i": 31, "j": "007",
    }  # fmt: skip


def test_positions_are_recorded() -> None:
    doc, _ = parse_yaml("a:\n  b:\n    - x\n    - y: 1\n", "f.yaml")
    assert doc is not None
    assert doc.position(("a", "b", 1, "y")) == (4, 10)
    assert doc.position(("a", "b", 1, "y"), key=True) == (4, 7)
    assert doc.position(("a", "missing")) == (2, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: 1\na: 2\n",
            "f.yaml:2:1: a: duplicate key (got 'a' again, expected each key once; first at line 1)",
        ),
        ("a: &x 1\n", "f.yaml:1:4: a: anchors are not allowed (got &x, expected plain data)"),
        (
            "a: 0.03\n",
            'f.yaml:1:4: a: floating-point numbers are not allowed (got 0.03, expected a quoted decimal such as "0.03")',
        ),
        (
            "a: 1e3\n",
            'f.yaml:1:4: a: floating-point numbers are not allowed (got 1e3, expected a quoted decimal such as "1e3")',
        ),
        (
            "a: .inf\n",
            'f.yaml:1:4: a: floating-point numbers are not allowed (got .inf, expected a quoted decimal such as ".inf")',
        ),
        ("a: !!str 5\n", "f.yaml:1:4: a: tags are not allowed (got !!str, expected plain data)"),
        (
            "a: !custom x\n",
            "f.yaml:1:4: a: tags are not allowed (got !custom, expected plain data)",
        ),
        (
            "<<: {a: 1}\n",
            "f.yaml:1:1: <<: merge keys are not allowed (got <<, expected the fields written out)",
        ),
        ("- 1\n", "f.yaml:1:1: top level must be a mapping (got a list)"),
        ("", "f.yaml: file is empty (expected a YAML mapping)"),
        ("# only a comment\n", "f.yaml: file is empty (expected a YAML mapping)"),
        (
            "---\na: 1\n---\nb: 2\n",
            "f.yaml:3:1: more than one YAML document in a file (expected exactly one)",
        ),
        (
            "a: [\n",
            "f.yaml:2:1: not valid YAML: expected the node content, but found '<stream end>'",
        ),
        ("? [a]\n: 1\n", "f.yaml:1:3: keys must be text (got a collection)"),
    ],
)
def test_refusals(text: str, expected: str) -> None:
    assert expected in messages(text)


def test_alias_bomb_is_refused_without_expansion() -> None:
    # The "billion laughs" shape: each level refers to the previous one nine times.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    got = messages("\n".join(lines) + "\n")
    assert len(got) == 21  # capped: 20 lines, then a count
    assert got[-1] == "f.yaml: ... and 71 more problems of the same kinds in this file"
    assert got[0] == "f.yaml:1:5: a0: anchors are not allowed (got &a0, expected plain data)"
    assert (
        "f.yaml:2:10: a1[0]: aliases are not allowed (got *a0, expected the value written out)"
        in got
    )


def test_every_problem_in_a_file_is_reported() -> None:
    got = messages("a: 0.5\nb: &x 1\nc: 1\nc: 2\n")
    assert len(got) == 3


def test_oversized_file_is_refused_before_parsing(tmp_path: object) -> None:
    data = b"a: " + b"x" * (MAX_YAML_BYTES + 1) + b"\n"
    doc, problems = read_yaml_file("big.yaml", data)
    assert doc is None
    assert str(problems[0]) == (
        "big.yaml: file is too large (got 8,388,613 bytes, expected a record of at most "
        "8,388,608 bytes; registries belong in CSV with a manifest)"
    )


def test_non_utf8_names_the_byte() -> None:
    doc, problems = read_yaml_file("gbk.yaml", "name: 示例\n".encode("gbk"))
    assert doc is None
    assert str(problems[0]) == (
        "gbk.yaml:1:8: not UTF-8 text (got byte 0xc0, expected UTF-8; save the file as UTF-8)"
    )


def test_utf8_bom_is_accepted() -> None:
    doc, problems = read_yaml_file("bom.yaml", "\ufeffa: 示例\n".encode())
    assert problems == []
    assert doc is not None
    assert doc.data == {"a": "示例"}
