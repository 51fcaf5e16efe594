"""Pieces shared by every command: error handling and common options.

Only the CLI turns domain errors into messages and exit codes: 1 for input that
is wrong (and nothing was written), 2 for internal errors. A traceback is shown
only with ``gongkai --verbose``.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import GongkaiError, InputError, Problem

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def echo_problems(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(str(p), err=True)


def handle_errors(func: F) -> F:
    """Turn domain errors into a message and exit code 1; anything else into
    a short message and exit code 2 (with the traceback only under --verbose)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        verbose = bool(ctx.find_root().params.get("verbose"))
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            echo_problems(exc.problems)
            click.echo(
                f"错误：{len(exc.problems)} 个问题，未写入任何文件。 / "
                f"{len(exc.problems)} problem(s); nothing was written.",
                err=True,
            )
            if verbose:
                traceback.print_exc()
            sys.exit(1)
        except GongkaiError as exc:
            click.echo(f"错误 / error: {exc}", err=True)
            if verbose:
                traceback.print_exc()
            sys.exit(1)
        except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing more to say
            sys.stderr.close()
            sys.exit(1)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"错误 / error: {exc.strerror or exc}{where}", err=True)
            if verbose:
                traceback.print_exc()
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if verbose:
                traceback.print_exc()
            click.echo(
                f"内部错误 / internal error: {type(exc).__name__}: {exc}. "
                "请加 --verbose 重试并报告此问题。 / Run again with --verbose and report it.",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


content_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("content"),
    show_default=True,
    help="记录所在目录。 / The directory holding the records.",
)
config_option = click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="站点配置目录，默认为 content 旁的 site_config/。 / Site configuration directory "
    "(default: site_config/ beside the content directory).",
)
mkdocs_config_option = click.option(
    "-f",
    "--config-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="MkDocs 配置文件。 / The MkDocs configuration.",
)


def signing_key_options(zh: str, en: str) -> Callable[[F], F]:
    """``--key FILE`` (repeatable, required) and ``--passphrase``, for commands that sign;
    read the keys with :func:`generator.keys_cli.read_private_keys`."""

    def decorate(func: F) -> F:
        func = click.option(
            "--passphrase",
            is_flag=True,
            help="私钥已加密，提示输入口令。 / The key is encrypted: ask for its passphrase.",
        )(func)
        return click.option(
            "--key",
            "key_files",
            required=True,
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help=f"{zh}，可重复给出。 / {en}; repeat for several keys.",
        )(func)

    return decorate
