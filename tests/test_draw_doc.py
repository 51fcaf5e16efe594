"""docs/draw-algorithm.md states the draw module's docstring word for word."""

from __future__ import annotations

import generator.draw
from tests.conftest import REPO


def test_the_public_contract_matches_the_code() -> None:
    doc = (REPO / "docs" / "draw-algorithm.md").read_text(encoding="utf-8")
    assert generator.draw.__doc__ is not None
    assert generator.draw.__doc__.strip() in doc, (
        "regenerate docs/draw-algorithm.md from generator/draw.py's docstring"
    )
