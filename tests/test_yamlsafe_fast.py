"""The fast path of the YAML reader (libyaml via ruamel.yaml.clib) reads exactly what the
pure-Python parser reads: the same data, positions and problems (docs/decisions/0009)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlsafe

REPO = Path(__file__).resolve().parent.parent

TRICKY = [
    "a: 1\nb: [1, 2, {c: d}]\n",
    "a: 'single ''quoted'''\nb: \"double \\u00e9 \\\" q\"\n",
    "a: |\n  line one\n  line two\n\nb: >-\n  folded\n  text\n",
    "a: |2\n    indented\nb: x\n",
    "a: plain text: with colon\n",
    "a:\n  - b: 1\n    c: 2\n  - d\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 3\n",
    "<<: {a: 1}\n",
    "a: 1\na: 2\n",
    "a: 0.5\nb: 2025-01-31\nc: 0x1F\nd: 0o17\ne: ~\nf: yes\n",
    "- top\n- level\n",
    "a: 1\n---\nb: 2\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a:\n\tb: 1\n",
    'a: "x\\/y"\n',
    "%YAML 1.2\n---\na: 1\n",
    "a: \r\nb: 2\r\n",
    "\ufeffa: 1\n",
    "a: line\u2028two\n",
    "key: value # comment\n# full line\nother: 名称：示例县\n",
    "a:\n",
    "a: 中文 文本\nb: '引号'\n",
    '"quoted key": 1\n? complex\n: value\n',
]


def _files() -> list[Path]:
    found = [
        *sorted((REPO / "content").rglob("*.yaml")),
        *sorted((REPO / "site_config").rglob("*.yaml")),
    ]
    found += sorted((REPO / "tests" / "fixtures").rglob("*.yaml"))
    return found


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def run() -> object:
        doc, problems = yamlsafe.parse_yaml(text, "x.yaml")
        if doc is None:
            return None, [str(p) for p in problems]
        return (doc.data, doc.positions, doc.key_positions, doc.complete), [
            str(p) for p in problems
        ]

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(yamlsafe, "_CParser", None)
        pure = run()
    return fast, pure


def test_the_extension_is_installed() -> None:
    assert yamlsafe._CParser is not None, "ruamel.yaml.clib is a dependency (pyproject.toml)"


def test_every_record_and_fixture_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files()
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, pure = _both(text, monkeypatch)
        assert fast == pure, path


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_read_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, pure = _both(text, monkeypatch)
    assert fast == pure


def test_fast_path_is_taken_for_an_ordinary_record(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = yamlsafe._CParser
    assert real is not None

    def spy(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(yamlsafe, "_CParser", spy)
    yamlsafe.parse_yaml("a: 1\nb: [x, y]\n", "x.yaml")
    assert calls
    calls.clear()
    yamlsafe.parse_yaml("a:\n\tb: 1\n", "x.yaml")  # a tab: left to the pure parser
    assert not calls
