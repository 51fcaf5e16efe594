"""The draw pages (摇号记录) and their in-browser check, in a real browser.

The demo site is built once per session into a temporary directory and served from
127.0.0.1 (a port the system picks; stopped at the end). Debian's Chromium is driven by
Playwright (never a downloaded browser); without /usr/bin/chromium or the playwright
package the browser tests are skipped, saying why. The in-browser check must agree with
``gongkai verify-draw URL --root SHA`` on every demo draw, fail on a tampered bundle (a
changed ticket, a swapped pool id, a record changed without its keys), and work on a
copy of the site opened from file://. Screenshots of a draw page before and after the
check are saved under the session's temporary directory (or $GONGKAI_SCREENSHOT_DIR).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import csv
import hashlib
import html
import http.server
import io
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest
from click.testing import CliRunner

import generator.cli
from generator.canonical import canonical_json
from generator.site.build import build_site
from tests.conftest import CONTENT, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT_SHA = "23abf597fb89262c92b4b9987159a35d1757aad9eadded17584974de2fffb884"
TASKS = [f"SJX-2023-00{n}" for n in range(1, 7)]
JS = REPO / "site_config" / "pages" / "assets" / "js"
NOBLE_INDEX_SHA256 = "a4f631d1876b5d9e43a86cd71194ca27b5e1451edf4ba4db9a418f40a475569a"
HOSTILE = '=1+2"<script>window.__gkPwned = 1</script><img src=x onerror="window.__gkPwned = 2">'
VERDICT = "#gk-verify[data-verdict=pass], #gk-verify[data-verdict=fail]"
NO_HEADER = ".md-header, .md-tabs { visibility: hidden !important; }"
"""Screenshot style: the theme's fixed header would cover the top of an element."""


# ---------------------------------------------------------------------------
# The site, a server and a browser


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site, built once for this module's tests."""
    return build_site(REPO / "mkdocs.yml", tmp_path_factory.mktemp("draw-site") / "site")


class Server:
    """A local web server for a site directory; ``overrides`` serves other bytes (or 404
    for None) at given paths, as a tampered or broken copy of the site would."""

    def __init__(self, root: Path) -> None:
        self.overrides: dict[str, bytes | None] = {}
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in server.overrides:
                    body = server.overrides[path]
                    if body is None:
                        self.send_error(404)
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[Server]:
    s = Server(site)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def served(server: Server) -> Iterator[Server]:
    """The session's server, with no tampering left behind by a test."""
    server.overrides.clear()
    try:
        yield server
    finally:
        server.overrides.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the browser tests need the playwright package (pip install playwright)",
    )
    from tests.browser_support import shared_chromium  # one Playwright for all browser tests

    with shared_chromium(sync_api, str(CHROMIUM), CHROMIUM_ARGS) as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield p
    finally:
        context.close()
    assert errors == [], "the page raised JavaScript errors"


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $GONGKAI_SCREENSHOT_DIR, or a temporary directory."""
    chosen = os.environ.get("GONGKAI_SCREENSHOT_DIR")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def verify(page: Any, url: str) -> dict[str, Any]:
    """Open a draw page, press 在浏览器中核验 and return the verdict and the steps."""
    page.goto(url)
    page.wait_for_selector("#gk-verify[data-ready=true]")
    page.click(".gk-verify-run")
    page.wait_for_selector(VERDICT, timeout=60_000)
    result: dict[str, Any] = page.evaluate(
        """() => ({
            verdict: document.getElementById('gk-verify').dataset.verdict,
            text: document.querySelector('.gk-verify-verdict').textContent,
            source: document.querySelector('.gk-verify-source').textContent,
            steps: [...document.querySelectorAll('.gk-verify-steps li')].map(li => ({
                status: li.dataset.status,
                title: li.querySelector('strong').textContent,
                detail: (li.querySelector('.gk-step-detail') || {}).textContent || ''
            }))
        })"""
    )
    return result


def cli(url: str) -> int:
    result = CliRunner().invoke(generator.cli.main, ["verify-draw", url, "--root", ROOT_SHA])
    return result.exit_code


def bundle_of(site: Path, task: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / "draws" / task / "bundle.json").read_text("utf-8"))
    return data


def as_bytes(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")


# ---------------------------------------------------------------------------
# The page


def test_a_draw_page_shows_its_sections(site: Path, served: Server, page: Any, shots: Path) -> None:
    bundle = bundle_of(site, "SJX-2023-001")
    page.goto(f"{served.url}/draws/SJX-2023-001/")
    page.wait_for_selector("#gk-verify[data-ready=true]")
    page.screenshot(path=str(shots / "draw-SJX-2023-001-before.png"), full_page=True)
    headings = page.locator("article h2").all_inner_texts()
    assert headings == [
        "随机信标",
        "在浏览器中核验",
        "对象池与分层",
        "抽中的检查对象（161 户）",
        "检查人员",
        "签名",
        "自行核验",
        "下载",
    ]
    text = page.locator("article").inner_text()
    assert bundle["seed"] in text
    assert "drand quicknet 公共随机信标" in text
    assert "2023-08-23T23:59:24+08:00" in text
    assert "登记状态非存续（注销、吊销、停业等）\t341" in text
    # The selection in visiting order: 序号, 名称, 统一社会信用代码, 分层, full ticket.
    first = page.locator("table.gk-selection tbody tr").first.locator("td").all_inner_texts()
    assert first == [
        "1",
        "示例县康美物流有限公司",
        bundle["visits"][0]["target"],
        "信用等级：B",
        bundle["visits"][0]["ticket"],
    ]
    assert page.locator("table.gk-selection tbody tr").count() == 161
    # Signers with their labels, the witness among them.
    assert "示例县公证处见证密钥（示例）\t见证人：公证处" in text
    # The command names this bundle's absolute URL and the root of trust.
    command = page.locator("pre.gk-cli").inner_text()
    assert command == (
        f"gongkai verify-draw {served.url}/draws/SJX-2023-001/bundle.json --root {ROOT_SHA}"
    )
    # The plan's task section and the listing link here.
    page.goto(f"{served.url}/plans/SJX-2023/")
    page.click("text=SJX-2023-001-D1")
    assert page.url == f"{served.url}/draws/SJX-2023-001/"
    page.goto(f"{served.url}/draws/")
    assert page.locator("table.gk-draws tbody tr").count() == 6
    page.click("text=SJX-2023-006-D1")
    assert page.url == f"{served.url}/draws/SJX-2023-006/"


@pytest.mark.parametrize("task", TASKS)
def test_the_browser_check_agrees_with_the_cli(
    task: str, served: Server, page: Any, shots: Path
) -> None:
    url = f"{served.url}/draws/{task}/"
    result = verify(page, url)
    if task == "SJX-2023-001":
        page.locator("#gk-verify").screenshot(
            path=str(shots / f"draw-{task}-after.png"), style=NO_HEADER
        )
    assert cli(f"{url}bundle.json") == 0
    assert result["verdict"] == "pass", result
    statuses = {s["title"]: s["status"] for s in result["steps"]}
    for step in (
        "根信任链",
        "签名密钥登记册",
        "摇号记录的签名",
        "年度抽查计划的签名",
        "计划与承诺",
        "随机信标",
        "种子",
        "抽取检查对象",
        "检查人员",
    ):
        assert statuses[step] == "pass", step
    # What a browser cannot show is said, never passed.
    assert [s["title"] for s in result["steps"] if s["status"] == "not checked"] == [
        "信标的 BLS 签名",
        "名录库快照",
        "执法检查人员名录",
    ]
    assert "核验结论：通过" in result["text"]
    assert result["source"] == f"数据包来源：{url}bundle.json"
    root_step = next(s for s in result["steps"] if s["title"] == "根信任链")
    assert f"其 SHA-256 {ROOT_SHA} 与本站公布的一致" in root_step["detail"]


def test_the_noble_fallback_verifies_the_same(served: Server, page: Any) -> None:
    """Without WebCrypto Ed25519 the vendored @noble/ed25519 is loaded and agrees."""
    page.add_init_script("window.GONGKAI_FORCE_NOBLE = true")
    result = verify(page, f"{served.url}/draws/SJX-2023-005/")
    assert result["verdict"] == "pass"
    assert "签名验证使用 @noble/ed25519 3.2.0" in result["steps"][0]["detail"]
    assert page.evaluate("typeof window.nobleEd25519.verifyAsync") == "function"


def _change_ticket(b: dict[str, Any]) -> None:
    t = b["strata"][0]["selected"][0]["ticket"]
    b["strata"][0]["selected"][0]["ticket"] = t[:-1] + ("1" if t[-1] != "1" else "2")


def _swap_pool_id(b: dict[str, Any]) -> None:
    stratum = b["strata"][0]
    stratum["ids"].remove(stratum["selected"][0]["target"])
    stratum["ids"] = sorted([*stratum["ids"], "91519031ZZZZZZZZZ0"])


def _unsigned_change(b: dict[str, Any]) -> None:
    """Change the signed record without its keys (what a forger can do)."""
    data = json.loads(base64.b64decode(b["record"]["payload"]))
    data["visits"][0], data["visits"][1] = data["visits"][1], data["visits"][0]
    b["record"]["payload"] = base64.b64encode(canonical_json(data)).decode()


@pytest.mark.parametrize(
    ("task", "tamper", "step"),
    [
        ("SJX-2023-003", _change_ticket, "抽取检查对象"),
        ("SJX-2023-001", _swap_pool_id, "抽取检查对象"),
        ("SJX-2023-006", _unsigned_change, "摇号记录的签名"),
    ],
    ids=["changed-ticket", "swapped-pool-id", "record-changed-without-keys"],
)
def test_a_tampered_bundle_fails(
    site: Path,
    served: Server,
    page: Any,
    shots: Path,
    task: str,
    tamper: Callable[[dict[str, Any]], None],
    step: str,
) -> None:
    bundle = bundle_of(site, task)
    tamper(bundle)
    served.overrides[f"/draws/{task}/bundle.json"] = as_bytes(bundle)
    result = verify(page, f"{served.url}/draws/{task}/")
    assert cli(f"{served.url}/draws/{task}/bundle.json") == 1
    assert result["verdict"] == "fail"
    failed = [s for s in result["steps"] if s["status"] == "fail"]
    assert failed[0]["title"] == step, failed
    assert result["steps"][-1] == {
        "status": "skipped",
        "title": "其余步骤",
        "detail": "因上一步未通过，其余步骤没有进行",
    }
    assert result["text"].startswith(f"核验结论：未通过——{step}：")
    if tamper is _change_ticket:
        page.locator("#gk-verify").screenshot(
            path=str(shots / f"draw-{task}-tampered.png"), style=NO_HEADER
        )


def test_a_copy_opened_from_file_urls_verifies(site: Path, page: Any, tmp_path: Path) -> None:
    """A downloaded copy: fetch is refused on file://, the page's bundle.js is used."""
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    index = copy / "draws" / "SJX-2023-006" / "index.html"
    result = verify(page, index.as_uri())
    assert result["verdict"] == "pass", result
    assert result["source"] == f"数据包来源：{(index.parent / 'bundle.js').as_uri()}"
    # The command names the local bundle file.
    assert (
        page.locator("pre.gk-cli")
        .inner_text()
        .startswith(f"gongkai verify-draw {index.parent / 'bundle.json'} --root ")
    )


def test_without_the_bundle_the_reader_can_choose_the_file(
    site: Path, served: Server, page: Any
) -> None:
    served.overrides["/draws/SJX-2023-005/bundle.json"] = None
    served.overrides["/draws/SJX-2023-005/bundle.js"] = None
    page.goto(f"{served.url}/draws/SJX-2023-005/")
    page.wait_for_selector("#gk-verify[data-ready=true]")
    page.click(".gk-verify-run")
    page.wait_for_selector("#gk-verify[data-verdict=no-bundle]")
    assert page.locator(".gk-verify-file").get_attribute("open") is not None
    page.set_input_files(
        ".gk-verify-file input", str(site / "draws" / "SJX-2023-005" / "bundle.json")
    )
    page.wait_for_selector(VERDICT, timeout=60_000)
    assert page.get_attribute("#gk-verify", "data-verdict") == "pass"
    assert page.locator(".gk-verify-source").inner_text() == "数据包来源：本地文件 bundle.json"


def test_the_scripts_primitives_match_python(served: Server, page: Any) -> None:
    """MD5/RFC 3797, tickets, JCS and keyids: the JavaScript against this project's Python."""
    from generator.rfc3797 import select
    from generator.sampler import sha256_hex, ticket
    from generator.signing import keyid_of

    page.goto(f"{served.url}/draws/")
    page.wait_for_function("window.GongkaiVerify !== undefined")
    key = "9319./2.5.8.10.12./9.18.26.34.41.45./"
    pool = [f"T{i:03d}" for i in range(1, 26)]
    got = page.evaluate("([pool, key]) => GongkaiVerify.rfc3797Select(pool, key, 16)", [pool, key])
    want = select(pool, key, 16)
    assert [(g["position"], g["item"], g["digest"]) for g in got] == [tuple(w) for w in want]
    assert got[0]["digest"] == "990dd0a5692a029a98b5e01aa28f3459"  # RFC 3797 §6
    seed = "gongkai-draw/1|测试|种子"
    ids = ["915190310U1NEQP625", "x", "ü", "\U0001f600", "\ue000"]
    tickets = page.evaluate(
        """async ([seed, ids]) => {
            const h = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256',
                new TextEncoder().encode(seed)))).map(b => b.toString(16).padStart(2, '0')).join('');
            return Promise.all(ids.map(i => GongkaiVerify.ticket(h, i)));
        }""",
        [seed, ids],
    )
    assert tickets == [ticket(sha256_hex(seed), i) for i in ids]
    ordered = page.evaluate("([ids, seed]) => GongkaiVerify.order(ids, seed)", [ids, seed])
    from generator.sampler import order

    assert [tuple(x) for x in ordered] == order(ids, seed)
    doc = {"b": [1, True, None, '\u2028\x1f"\\'], "a": {"é": 2, "e": -0, "\U0001f600": "x"}}
    assert page.evaluate("d => GongkaiVerify.jcs(d)", doc) == canonical_json(doc).decode()
    public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert page.evaluate("p => GongkaiVerify.keyidOf(p)", public) == keyid_of(public)
    assert page.evaluate("() => GongkaiVerify.kFor({ratio: '0.03'}, 1387)") == 42
    assert page.evaluate("() => GongkaiVerify.kFor({ratio: '0.000001'}, 1)") == 1


def test_ceremony_and_lottery_draws_in_the_browser(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, served: Server, page: Any
) -> None:
    """The other randomness sources and RFC 3797, made as tests/test_draw_sources.py makes
    them (a copy of the demo, re-signed with the TEST keys), checked by the page's script."""
    from generator.bundle import build_bundle, bundle_json, parse_bundle, verify_bundle
    from generator.content import load_content
    from generator.models import Draw
    from tests import test_draw_cli as cli_helpers
    from tests import test_draw_sources as src

    monkeypatch.chdir(content_copy.parent)
    cli_helpers.remove_draws()
    for task in (src.CEREMONY_TASK, src.LOTTERY_TASK):
        for result in Path("content/results/2023").glob(f"{task}-R*"):
            shutil.rmtree(result)

    def both(plan: dict[str, Any]) -> None:
        src.with_ceremony()(plan)
        src.with_lottery()(plan)

    cli_helpers.rewrite(cli_helpers.PLAN, both, cli_helpers.DEPT)
    assert src.draw(src.CEREMONY_TASK, "--ceremony-digits", src.DIGITS).exit_code == 0
    cli_helpers.sign(
        src.draw_path(src.CEREMONY_TASK), "dept-zjj", "witness-notary", "witness-media"
    )
    assert src.draw(src.LOTTERY_TASK, "--lottery", src.LOTTERY_KEY).exit_code == 0
    cli_helpers.sign(src.draw_path(src.LOTTERY_TASK), "dept-wlj", "witness-notary")
    content = load_content(content_copy, content_copy.parent / "site_config")
    bundles = {
        r.record.task: json.loads(bundle_json(build_bundle(content, r)))
        for r in content.records
        if isinstance(r.record, Draw)
    }
    page.goto(f"{served.url}/draws/")
    page.wait_for_function("window.GongkaiVerify !== undefined")

    def check(bundle: dict[str, Any]) -> dict[str, Any]:
        got: dict[str, Any] = page.evaluate(
            "([text, root]) => GongkaiVerify.verifyText(text, {root})",
            [json.dumps(bundle), ROOT_SHA],
        )
        return got

    ceremony = check(bundles[src.CEREMONY_TASK])
    assert ceremony["verdict"] == "pass", ceremony
    steps = {s["title"]: s for s in ceremony["steps"]}
    assert "现场摇号数字 20 位" in steps["随机信标"]["detail"]
    assert "公证处" in steps["摇号记录的签名"]["detail"]
    assert "新闻媒体" in steps["摇号记录的签名"]["detail"]
    assert steps["检查人员"]["status"] == "pass"  # named in the plan: this task draws only targets
    assert [s["title"] for s in ceremony["steps"] if s["status"] == "not checked"] == [
        "现场读出的数字",
        "名录库快照",
        "执法检查人员名录",
    ]
    parsed = parse_bundle(json.dumps(bundles[src.CEREMONY_TASK]).encode(), "b.json")
    checks, _ = verify_bundle(parsed, "b.json", ROOT_SHA, "2026-11-22T12:00:00+08:00")
    assert [c.reason for c in checks if c.status == "fail"] == []
    # Two witnesses are required by the plan: one signature is not enough.
    fewer = json.loads(json.dumps(bundles[src.CEREMONY_TASK]))
    fewer["record"]["signatures"] = fewer["record"]["signatures"][:2]
    failed = check(fewer)
    assert failed["verdict"] == "fail"
    assert next(s for s in failed["steps"] if s["status"] == "fail")["detail"] == (
        "需要 2 个见证人密钥签名，只有 1 个"
    )

    lottery = check(bundles[src.LOTTERY_TASK])
    assert lottery["verdict"] == "pass", lottery
    steps = {s["title"]: s for s in lottery["steps"]}
    assert "编号与摘要与签名记录完全一致" in steps["抽取检查对象"]["detail"]
    assert steps["开奖号码"]["status"] == "not checked"
    assert "中国福利彩票双色球第2023099期（测试）的官方开奖号码" in steps["开奖号码"]["detail"]
    tampered = json.loads(json.dumps(bundles[src.LOTTERY_TASK]))
    tampered["strata"][0]["selected"][0]["digest"] = "0" * 32
    assert check(tampered)["verdict"] == "fail"

    # Their pages show the source's values instead of a drand round.
    from generator.site.draws import draw_pages
    from generator.site.render import SiteData
    from generator.validate import validate

    pages = {p.path: p.markdown(demo=False) for p in draw_pages(SiteData(validate(content)))}
    ceremony_page = pages[f"draws/{src.CEREMONY_TASK}.md"]
    assert f'<dt>现场读出的数字</dt><dd><code class="gk-long">{src.DIGITS}</code>' in ceremony_page
    assert "<dt>须见证人签名</dt><dd>2 名</dd>" in ceremony_page
    lottery_page = pages[f"draws/{src.LOTTERY_TASK}.md"]
    first = bundles[src.LOTTERY_TASK]["visits"][0]
    assert f"第 {first['position']} 号，摘要 {first['digest']}" in lottery_page
    assert "RFC 3797 选取只用开奖号码" in lottery_page
    assert 'class="gk-python"' not in lottery_page


# ---------------------------------------------------------------------------
# A hostile name in the registry


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site built with every target's name replaced by markup and a formula,
    as a careless or hostile registry row could hold."""
    from generator.site import draws

    real = draws._target_names
    mp = pytest.MonkeyPatch()
    mp.setattr(
        draws,
        "_target_names",
        lambda data, ref: dict.fromkeys(real(data, ref), HOSTILE),
    )
    try:
        return build_site(REPO / "mkdocs.yml", tmp_path_factory.mktemp("hostile") / "site")
    finally:
        mp.undo()


def test_a_hostile_name_is_shown_not_run(hostile_site: Path, page: Any) -> None:
    index = hostile_site / "draws" / "SJX-2023-006" / "index.html"
    result = verify(page, index.as_uri())
    assert page.evaluate("window.__gkPwned") is None
    cell = page.locator("table.gk-selection tbody tr").first.locator("td").nth(1)
    assert cell.inner_text() == HOSTILE
    assert result["verdict"] == "pass"
    rows = list(csv.reader(io.StringIO((index.parent / "selection.csv").read_text("utf-8-sig"))))
    assert rows[1][2] == "'" + HOSTILE  # a formula is kept as text, even when quoted


# ---------------------------------------------------------------------------
# Without a browser: files beside each bundle, the Python snippet, the vendored library


def test_each_draw_publishes_its_files(site: Path) -> None:
    for task in TASKS:
        folder = site / "draws" / task
        blob = (folder / "bundle.json").read_bytes()
        script = (folder / "bundle.js").read_text("utf-8")
        literal = script.rsplit(" = ", 1)[1].removesuffix(";\n")
        assert json.loads(literal).encode("utf-8") == blob  # the same text as bundle.json
        raw = (folder / "selection.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in raw
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        bundle = json.loads(blob)
        assert rows[0][:5] == ["序号", "统一社会信用代码", "名称", "分层", "票号"]
        assert [r[1] for r in rows[1:]] == [v["target"] for v in bundle["visits"]]
        assert [r[4] for r in rows[1:]] == [v["ticket"] for v in bundle["visits"]]


def test_draw_files_hold_no_private_values(site: Path) -> None:
    """No private column of the registry nor private field of an inspector reaches
    draws/ (a person's name counts unless it is part of a public name as well: the
    synthetic demo draws its names from one small pool)."""
    from generator.content import load_record_file
    from generator.models import InspectorRegistry

    loaded, _ = load_record_file(
        CONTENT / "registries" / "inspectors" / "sjx-inspectors" / "v1.yaml"
    )
    assert loaded is not None
    assert isinstance(loaded.record, InspectorRegistry)
    private: set[str] = set()
    public_names = [p.name for p in loaded.record.inspectors]
    for person in loaded.record.inspectors:
        private.update(v for v in (person.mobile, person.birth_date) if v)
    with (CONTENT / "registries" / "targets" / "sjx-targets" / "v1.csv").open(
        encoding="utf-8"
    ) as fh:
        rows = list(csv.DictReader(fh))
    public_names += [row["name"] for row in rows]
    public = "\n".join(public_names)
    for row in rows:
        private.add(row["phone"])
        if row["person_in_charge"] not in public:
            private.add(row["person_in_charge"])
    assert len(private) > 1000
    text = "\n".join(p.read_text("utf-8") for p in (site / "draws").rglob("*") if p.is_file())
    # Every phone number, date and run of up to 4 Chinese characters on the pages.
    seen = set(re.findall(r"(?<!\d)1\d{10}(?!\d)|\d{4}-\d{2}-\d{2}", text))
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        seen.update(run[i : i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1))
    assert sorted(private & seen) == []


def test_the_python_snippet_reproduces_the_selection(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for task in TASKS:
        folder = site / "draws" / task
        page = (folder / "index.html").read_text("utf-8")
        found = re.search(
            r'<pre class="gk-python"><code class="language-python">(.*?)</code></pre>', page, re.S
        )
        assert found is not None
        code = html.unescape(found.group(1))
        assert len(code.splitlines()) == 3
        out = io.StringIO()
        monkeypatch.chdir(folder)
        with contextlib.redirect_stdout(out):
            exec(code, {})  # the page's own snippet, on the demo's bundle
        bundle = bundle_of(site, task)
        got = [ast.literal_eval(line) for line in out.getvalue().splitlines()]
        assert got == [[s["target"] for s in stratum["selected"]] for stratum in bundle["strata"]]


def test_a_voided_draw_gets_its_own_page_and_files() -> None:
    """A draw declared void keeps its page beside the task's live draw, marked 已作废."""
    import dataclasses

    from generator.content import load_content
    from generator.site.draws import _draw_page, draw_entries
    from generator.site.render import SiteData, bundle_path
    from generator.validate import validate

    data = SiteData(validate(load_content(CONTENT, REPO / "site_config")))
    live = draw_entries(data)[0]
    void = dataclasses.replace(
        live, voided_by="SJX-2023-001-V1@1", bundle_path=bundle_path(live.draw, voided=True)
    )
    assert void.url == "draws/SJX-2023-001/SJX-2023-001-D1/"
    assert void.script_path == "draws/SJX-2023-001/SJX-2023-001-D1.bundle.js"
    assert void.csv_path == "draws/SJX-2023-001/SJX-2023-001-D1.selection.csv"
    page = _draw_page(data, void)
    assert page.path == "draws/SJX-2023-001/SJX-2023-001-D1.md"
    assert "此次摇号已被作废记录 SJX-2023-001-V1@1 宣布作废" in page.body
    assert 'data-bundle="../../../draws/SJX-2023-001/SJX-2023-001-D1.bundle.json"' in page.body


def test_every_local_link_of_the_site_resolves(site: Path) -> None:
    """Pages are generated as raw HTML, which MkDocs does not rewrite: every href and src
    must already point where the page is served (directory URLs)."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        where = "http://site/" + page.relative_to(site).as_posix()
        for ref in re.findall(r'(?:href|src)="([^"#]*)', page.read_text("utf-8")):
            if not ref or ref.startswith(("http:", "https:", "mailto:", "data:")):
                continue
            path = unquote(urlparse(urljoin(where, ref)).path).lstrip("/")
            target = site / path
            if not path or path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {ref}")
    assert broken == []


def test_the_vendored_noble_is_the_npm_package() -> None:
    """The vendored file is @noble/ed25519 3.2.0's index.js, wrapped (docs/decisions/0005)."""
    text = (JS / "vendor" / "noble-ed25519-3.2.0.js").read_text("utf-8")
    begin = "// ---- BEGIN @noble/ed25519 3.2.0 index.js ----\n"
    end = "// ---- END @noble/ed25519 3.2.0 index.js ----\n"
    inner = text[text.index(begin) + len(begin) : text.index(end)]
    assert inner.count("\n// export { ") == 1
    original = inner.replace("\n// export { ", "\nexport { ")
    assert hashlib.sha256(original.encode("utf-8")).hexdigest() == NOBLE_INDEX_SHA256
    doc = (REPO / "docs" / "decisions" / "0005-noble-ed25519.md").read_text("utf-8")
    assert NOBLE_INDEX_SHA256 in doc
