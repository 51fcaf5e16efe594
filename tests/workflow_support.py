"""Running the shell steps of a GitHub Actions workflow on this machine.

GitHub cannot be reached from here, so the tests read a workflow file, take one job's
steps in order, replace each ``${{ … }}`` expression with a local value and run the
``run:`` steps with bash as the runner would (``bash -e``, in the checkout, with the
step's ``env:``). ``uses:`` steps (actions) cannot run here; the caller checks their
inputs. An expression the caller gave no value for fails the test, so a new one cannot
slip through unsubstituted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STATUS_FUNCTIONS = {"always()", "success()", "failure()"}


def load_workflow(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: not a mapping"
    return data


def substitute(text: str, values: Mapping[str, str], where: str) -> str:
    """``text`` with every ``${{ expr }}`` replaced by ``values[expr]``."""

    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in values:
            raise AssertionError(f"{where}: no local value for the expression ${{{{ {expr} }}}}")
        return values[expr]

    return EXPRESSION.sub(one, text)


def _condition(step: Mapping[str, Any], where: str) -> str:
    """The step's ``if:`` as one of always() / success() / failure()."""
    raw = step.get("if")
    if raw is None:
        return "success()"
    text = str(raw).strip()
    match = EXPRESSION.fullmatch(text)
    expr = match.group(1) if match else text
    if expr not in STATUS_FUNCTIONS:
        raise AssertionError(f"{where}: cannot evaluate if: {raw!r} here")
    return expr


def step_name(step: Mapping[str, Any]) -> str:
    if "name" in step:
        return str(step["name"])
    if "run" in step:
        return str(step["run"]).splitlines()[0]
    return str(step.get("uses", "?"))


@dataclass
class Outcome:
    name: str
    status: str
    """ran, failed, skipped (with the reason in ``output``), not run (an earlier step
    failed), or action (a ``uses:`` step, not run here)."""
    output: str = ""


def gongkai_check_landed(repo: Path) -> bool:
    """Whether ``gongkai check`` (being written by another engineer) is a command here and
    committed: until then the tests leave its steps out and say so."""
    from generator.cli import main

    if "check" not in main.commands:
        return False
    if not (repo / ".git").exists():
        return True  # not a checkout (an unpacked release): the command is all there is
    tracked = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "--error-unmatch", "generator/check.py"],
        capture_output=True,
        check=False,
    )
    return tracked.returncode == 0


def tool_path() -> str:
    """PATH with this interpreter's scripts (``gongkai``) first."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def run_bash(
    args: list[str], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """bash as a CI runner starts it (no profile, no rc file), output captured."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def run_steps(
    steps: list[dict[str, Any]],
    cwd: Path,
    env: Mapping[str, str],
    values: Mapping[str, str],
    skip: Callable[[dict[str, Any]], str | None] = lambda _: None,
) -> list[Outcome]:
    """Run the ``run:`` steps in order as the runner would. ``skip(step)`` returns a
    reason to leave a step out (an install step when the package is installed)."""
    outcomes: list[Outcome] = []
    failed = False
    for index, step in enumerate(steps):
        name = step_name(step)
        where = f"step {index + 1} ({name})"
        condition = _condition(step, where)
        should_run = (
            condition == "always()"
            or (condition == "success()" and not failed)
            or (condition == "failure()" and failed)
        )
        if "uses" in step:
            outcomes.append(Outcome(name, "action"))
            continue
        if not should_run:
            outcomes.append(Outcome(name, "not run"))
            continue
        reason = skip(step)
        if reason is not None:
            outcomes.append(Outcome(name, "skipped", reason))
            continue
        script = substitute(str(step["run"]), values, where)
        step_env = dict(env)
        for key, value in (step.get("env") or {}).items():
            step_env[str(key)] = substitute(str(value), values, f"{where} env {key}")
        proc = run_bash(["-e", "-c", script], cwd, step_env)
        output = proc.stdout + proc.stderr
        if proc.returncode != 0:
            failed = True
            outcomes.append(Outcome(name, "failed", f"exit {proc.returncode}\n{output}"))
        else:
            outcomes.append(Outcome(name, "ran", output))
    return outcomes
