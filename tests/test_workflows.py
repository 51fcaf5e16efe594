"""The GitHub workflows (.github/workflows/pull-request.yml and pages.yml).

Three layers, since GitHub cannot be reached from here:

1. each file against GitHub's workflow schema (check-jsonschema's vendored copy, offline;
   docs/decisions/0008-check-jsonschema.md);
2. the triggers, permissions, actions and their inputs, asserted from the parsed YAML;
3. the shell steps run in order in a temporary clone of this repository, with the
   ``${{ }}`` expressions replaced by local values (tests/workflow_support.py). The
   install step (``pip install -e '.[site]'``) is skipped when gongkai is already
   installed in the test environment — it is, or the tests could not import it — and
   the tests assert that it is the only step skipped.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.workflow_support import (
    Outcome,
    gongkai_check_landed,
    load_workflow,
    run_steps,
    substitute,
    tool_path,
)

WORKFLOWS = REPO / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
PAGES = WORKFLOWS / "pages.yml"
CHECK_AVAILABLE = gongkai_check_landed(REPO)
"""Until ``gongkai check`` is committed the pull-request workflow's check step is left
out (and test_pull_request_check_step_fails_the_job… is skipped, saying so)."""


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_match_githubs_schema() -> None:
    result = check_jsonschema(PULL_REQUEST, PAGES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: a step with an unknown key and a job without runs-on."""
    text = PULL_REQUEST.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(
        text.replace("    runs-on: ubuntu-24.04\n", "", 1).replace(
            "      - uses: actions/setup-python@v5\n",
            "      - uses: actions/setup-python@v5\n        bogus-key: 1\n",
            1,
        ),
        encoding="utf-8",
    )
    assert broken.read_text(encoding="utf-8") != text
    result = check_jsonschema(broken)
    assert result.returncode == 1
    assert "broken.yml" in result.stdout


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps = workflow["jobs"][job]["steps"]
    assert isinstance(steps, list)
    return steps


def _one(steps: list[dict[str, Any]], predicate: Any, what: str) -> dict[str, Any]:
    found = [s for s in steps if predicate(s)]
    assert len(found) == 1, f"expected exactly one step that {what}, got {len(found)}"
    return found[0]


def _uses(action: str) -> Any:
    return lambda s: str(s.get("uses", "")).split("@")[0] == action


def _runs(fragment: str) -> Any:
    return lambda s: fragment in str(s.get("run", ""))


def _python_version(steps: list[dict[str, Any]]) -> tuple[int, int]:
    setup = _one(steps, _uses("actions/setup-python"), "sets up Python")
    major, minor = str(setup["with"]["python-version"]).split(".")[:2]
    return int(major), int(minor)


def test_pull_request_workflow_steps() -> None:
    wf = load_workflow(PULL_REQUEST)
    assert list(wf["on"]) == ["pull_request"]
    assert wf["permissions"] == {"contents": "read"}
    steps = _steps(wf, "check")
    checkout = _one(steps, _uses("actions/checkout"), "checks out")
    assert checkout["with"]["fetch-depth"] == 0
    assert _python_version(steps) >= (3, 11)
    order = [
        steps.index(_one(steps, _runs("pip install -e '.[site]'"), "installs")),
        steps.index(check := _one(steps, _runs("gongkai check --base"), "runs gongkai check")),
        steps.index(summary := _one(steps, _runs("GITHUB_STEP_SUMMARY"), "writes the summary")),
        steps.index(_one(steps, _runs("gongkai build"), "builds")),
        steps.index(upload := _one(steps, _uses("actions/upload-artifact"), "uploads")),
    ]
    assert order == sorted(order)
    assert steps.index(checkout) < order[0]
    command = substitute(
        check["run"].replace("$BASE_REF", check.get("env", {}).get("BASE_REF", "")),
        {"github.base_ref": "main"},
        "check step",
    )
    assert command.split() == [
        "gongkai",
        "check",
        "--base",
        '"origin/main"',
        "--markdown",
        "check.md",
    ]
    assert "check.md" in summary["run"]
    assert str(summary["if"]).replace(" ", "") == "${{always()}}"  # the summary even on failure
    assert upload["with"]["path"].rstrip("/") == "site"


def test_pages_workflow_steps() -> None:
    wf = load_workflow(PAGES)
    assert wf["on"]["push"] == {"branches": ["main"]}
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"]["group"] == "pages"
    assert wf["concurrency"]["cancel-in-progress"] is False
    build = _steps(wf, "build")
    assert _python_version(build) >= (3, 11)
    order = [
        build.index(_one(build, _runs("pip install -e '.[site]'"), "installs")),
        build.index(_one(build, _uses("actions/configure-pages"), "configures Pages")),
        build.index(_one(build, _runs("gongkai build"), "builds")),
        build.index(artifact := _one(build, _uses("actions/upload-pages-artifact"), "uploads")),
    ]
    assert order == sorted(order)
    assert artifact["with"]["path"].rstrip("/") == "site"
    deploy_job = wf["jobs"]["deploy"]
    assert deploy_job["needs"] == "build"
    assert deploy_job["environment"]["name"] == "github-pages"
    deploy = _one(deploy_job["steps"], _uses("actions/deploy-pages"), "deploys")
    assert deploy["id"] == "deployment"
    assert deploy_job["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"


# ---------------------------------------------------------------------------
# The shell steps, run in a temporary clone


def _installed() -> bool:
    try:
        importlib.metadata.version("gongkai")
    except importlib.metadata.PackageNotFoundError:
        return False
    return shutil.which("gongkai", path=tool_path()) is not None


def _skip_install(step: dict[str, Any]) -> str | None:
    if "pip install" in str(step.get("run", "")) and _installed():
        return "gongkai is already installed in the test environment"
    return None


def _skip_install_and_missing_check(step: dict[str, Any]) -> str | None:
    if "gongkai check --base" in str(step.get("run", "")) and not CHECK_AVAILABLE:
        return "gongkai check is not in this tree yet"
    return _skip_install(step)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A clone of this repository's committed tree on a pull-request branch; its
    ``origin`` is this repository, so ``origin/<base>`` exists as on GitHub."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: there is nothing to clone")
    base = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = tmp_path_factory.mktemp("workflow") / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "switch", "-q", "-c", "pr-branch"], check=True)
    return target, base


def _env(tmp: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PATH"] = tool_path()
    summary = tmp / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    return env


def _outcome(steps: list[dict[str, Any]], outcomes: list[Outcome], predicate: Any) -> Outcome:
    """The outcome of the one step that ``predicate`` picks."""
    assert len(outcomes) == len(steps)
    picked = [o for s, o in zip(steps, outcomes, strict=True) if predicate(s)]
    assert len(picked) == 1
    return picked[0]


def _failures(outcomes: list[Outcome]) -> str:
    return "\n\n".join(f"{o.name}: {o.output}" for o in outcomes if o.status == "failed")


@pytest.mark.slow
def test_pull_request_steps_run_in_a_clone(clone: tuple[Path, str], tmp_path: Path) -> None:
    repo, base = clone
    wf = load_workflow(PULL_REQUEST)
    steps = _steps(wf, "check")
    env = _env(tmp_path)
    shutil.rmtree(repo / "site", ignore_errors=True)

    outcomes = run_steps(
        steps, repo, env, {"github.base_ref": base}, skip=_skip_install_and_missing_check
    )

    assert not _failures(outcomes), _failures(outcomes)
    assert _outcome(steps, outcomes, _runs("pip install")).status == "skipped"
    check = _outcome(steps, outcomes, _runs("gongkai check --base"))
    assert check.status == ("ran" if CHECK_AVAILABLE else "skipped")
    assert [o.status for o in outcomes].count("skipped") == (1 if CHECK_AVAILABLE else 2)
    assert _outcome(steps, outcomes, _runs("gongkai build")).status == "ran"
    assert (repo / "site" / "index.html").is_file()  # what upload-artifact uploads
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    if CHECK_AVAILABLE:
        assert summary == (repo / "check.md").read_text(encoding="utf-8")
    else:
        assert "gongkai check 未写出摘要" in summary


@pytest.mark.slow
@pytest.mark.skipif(not CHECK_AVAILABLE, reason="gongkai check is not in this tree yet")
def test_pull_request_check_step_fails_the_job_and_still_writes_the_summary(
    clone: tuple[Path, str], tmp_path: Path
) -> None:
    """A pull request that edits a published record: the check step fails, the summary
    step still runs, the build does not."""
    repo, base = clone
    published = sorted((repo / "content" / "plans").rglob("v1.yaml"))[0]
    published.write_text(published.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-am", "edit"], check=True)
    env = _env(tmp_path)
    try:
        outcomes = run_steps(
            _steps(load_workflow(PULL_REQUEST), "check"),
            repo,
            env,
            {"github.base_ref": base},
            skip=_skip_install,
        )
    finally:
        subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "HEAD~1"], check=True)
    steps = _steps(load_workflow(PULL_REQUEST), "check")
    assert _outcome(steps, outcomes, _runs("gongkai check --base")).status == "failed"
    assert _outcome(steps, outcomes, _runs("GITHUB_STEP_SUMMARY")).status == "ran"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert "❌" in summary  # the check's own Markdown, naming what failed
    assert published.relative_to(repo).as_posix() in summary
    assert _outcome(steps, outcomes, _runs("gongkai build")).status == "not run"


@pytest.mark.slow
def test_pages_steps_run_in_a_clone(clone: tuple[Path, str], tmp_path: Path) -> None:
    repo, _ = clone
    wf = load_workflow(PAGES)
    shutil.rmtree(repo / "site", ignore_errors=True)

    steps = _steps(wf, "build")
    outcomes = run_steps(steps, repo, _env(tmp_path), {}, skip=_skip_install)

    assert not _failures(outcomes), _failures(outcomes)
    assert [o.status for o in outcomes].count("skipped") == 1
    assert _outcome(steps, outcomes, _runs("pip install")).status == "skipped"
    assert _outcome(steps, outcomes, _runs("gongkai build")).status == "ran"
    assert (repo / "site" / "index.html").is_file()  # what upload-pages-artifact uploads
    assert (repo / "site" / "log" / "checkpoint").is_file()
