"""Time `gongkai build` on a generated county or province (bench/province.py).

    python bench/province.py --out /tmp/county --county
    python bench/site_build.py /tmp/county            # cold, warm and unchanged rebuild

Each build runs in a fresh process under /usr/bin/time -v, so its figures include
Python's start-up and every import. The runs, in order:

* ``cold``: an empty record cache (a private $GONGKAI_CACHE_DIR) and no previous site;
* ``warm``: the record cache filled by the cold run, no previous site (a full build);
* ``again``: nothing changed since the warm run (the rebuild the issue asks to be
  at most 25 % of a full build): gongkai sees that nothing it reads changed;
* ``force``: the same with ``--force``: everything is built again, but unchanged record
  pages, draw bundles and search indexes come from the previous build and the cache.

For each: wall time, CPU time (user + system, with workers), the load average when it
started (the machine may be shared), peak resident memory (of the largest process), and the built site's size (apparent bytes,
as ``du --apparent-size``) and number of files. Goals (issue 5): a county in <= 30 s;
a province in <= 5 min, <= 4 GB, a site of <= 2 GB; an unchanged rebuild <= 25 % of a
full build. ``--runs cold,warm`` picks runs; ``--max-load`` waits for a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _tree_size(path: Path) -> tuple[int, int]:
    total = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            total += os.lstat(os.path.join(root, name)).st_size
            files += 1
    return total, files


def _run(project: Path, env: dict[str, str], *extra: str) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds: user + system) of one `gongkai build`."""
    gongkai = shutil.which("gongkai")
    if gongkai is None:
        raise SystemExit("gongkai is not installed (pip install -e '.[site]')")
    time_bin = "/usr/bin/time"
    start = time.perf_counter()
    done = subprocess.run(
        [time_bin, "-v", gongkai, "build", *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = sum(
        float(m.group(1))
        for m in re.finditer(r"(?:User|System) time \(seconds\): ([0-9.]+)", done.stderr)
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-8:])
        raise SystemExit(f"gongkai build failed in {project}:\n{tail}")
    return wall, int(rss.group(1)) if rss else 0, cpu


def _wait_for_quiet(max_load: float) -> None:
    while os.getloadavg()[0] > max_load:
        print(f"  load {os.getloadavg()[0]:.1f} > {max_load}: waiting...", file=sys.stderr)
        time.sleep(20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a directory made by bench/province.py")
    parser.add_argument("--runs", default="cold,warm,again,force")
    parser.add_argument("--max-load", type=float, default=None)
    args = parser.parse_args(argv)
    project: Path = args.project.resolve()
    if not (project / "mkdocs.yml").is_file():
        raise SystemExit(f"{project}: no mkdocs.yml (make it with bench/province.py)")
    records = sum(1 for _ in (project / "content").rglob("*.yaml"))
    print(f"{project}: {records:,} record files; {os.cpu_count()} CPUs")
    cache = Path(tempfile.mkdtemp(prefix="gongkai-bench-cache-"))
    env = {**os.environ, "GONGKAI_CACHE_DIR": str(cache)}
    env.pop("GONGKAI_NO_CACHE", None)
    site = project / "site"
    full = None
    try:
        for run in args.runs.split(","):
            if run in ("cold", "warm") and site.exists():
                shutil.rmtree(site)
            if run == "cold":
                shutil.rmtree(cache, ignore_errors=True)
                cache.mkdir()
            if args.max_load is not None:
                _wait_for_quiet(args.max_load)
            load = os.getloadavg()[0]
            wall, rss, cpu = _run(project, env, *(["--force"] if run == "force" else []))
            size, files = _tree_size(site)
            if run in ("cold", "warm"):
                full = wall
            ratio = (
                f"  ({wall / full:.0%} of the full build)"
                if run in ("again", "force") and full
                else ""
            )
            print(
                f"{run:>5}: {wall:7.1f} s ({cpu:.0f} CPU s, load {load:.1f} at start), "
                f"peak RSS {rss / 1024 / 1024:.2f} GiB, "
                f"site {size / 1e9:.3f} GB in {files:,} files{ratio}",
                flush=True,
            )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
