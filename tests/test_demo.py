"""The demo's synthetic parts are generated deterministically and are what is committed."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.demo import main as demo_main
from generator.demo_signing import main as sign_main
from tests.conftest import CONTENT, tree_snapshot


def test_demo_generator_reproduces_the_committed_content(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT / "checklist", target / "checklist")
    assert demo_main(["--content", str(target)]) == 0
    keys = Path(__file__).parent / "fixtures" / "test-keys"
    assert sign_main(["--content", str(target), "--keys", str(keys)]) == 0
    generated = tree_snapshot(target)
    committed = tree_snapshot(CONTENT)
    assert sorted(generated) == sorted(committed), (
        "run: python -m generator.demo && python -m generator.demo_signing"
    )
    changed = [name for name in committed if committed[name] != generated[name]]
    assert changed == [], (
        f"demo content differs from the generator's output: {changed}; run: python -m generator.demo && python -m generator.demo_signing"
    )


def test_demo_refuses_without_checklist(tmp_path: Path, capsys: object) -> None:
    assert demo_main(["--content", str(tmp_path)]) == 1
