"""``gongkai serve``: a live preview of the site (MkDocs' development server with the hooks)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from ..cli_common import handle_errors, mkdocs_config_option


@click.command("serve")
@mkdocs_config_option
@click.option(
    "-a",
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="IP:PORT",
    help="监听地址，默认只在本机。 / Address to listen on (this machine only by default).",
)
@click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="记录所在目录，默认取配置文件中的设置。 / The records (default: as in the configuration).",
)
@click.option(
    "--open/--no-open",
    "open_browser",
    default=False,
    help="启动后在浏览器中打开。 / Open the preview in a browser.",
)
@handle_errors
def serve_command(
    config_file: Path, dev_addr: str, content_dir: Path | None, open_browser: bool
) -> None:
    """本地实时预览网站：记录或站点配置一改即重新生成。

    Live preview: serve the site with MkDocs' development server, with the same hooks
    as `gongkai build` (records validated, signatures verified, pages generated), and
    rebuild when content/, site_config/ or the hooks change. Binds 127.0.0.1 by default;
    the preview is for the author, not for publishing (publish the output of
    `gongkai build`).
    """
    from mkdocs.commands.serve import serve

    config_file = config_file.resolve()
    base = config_file.parent
    if content_dir is not None:
        os.environ["GONGKAI_CONTENT"] = str(content_dir.resolve())
    content = Path(os.environ.get("GONGKAI_CONTENT", base / "content"))
    watch = [
        str(p) for p in (content, base / "site_config", base / "generator" / "site") if p.is_dir()
    ]
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    click.echo(f"本地预览 / preview: http://{dev_addr}/（Ctrl+C 结束 / to stop）", err=True)
    serve(
        config_file=str(config_file),
        livereload=True,
        watch=watch,
        open_in_browser=open_browser,
        dev_addr=dev_addr,
    )
