"""``gongkai init DIR``: a new jurisdiction's repository, ready to publish.

What it writes, and where each part comes from (one source for each):

* ``site_config/`` — this project's own ``site_config/`` (result codes, 后续处置 options,
  holiday calendars, the theme override, the site's CSS and JavaScript), read through the
  package data ``generator/skeleton/site_config`` (a link to it), except ``site.yaml``,
  which is written for the jurisdiction; and ``site_config/gongkai_hooks.py``, which loads
  the MkDocs hooks from the installed package;
* ``mkdocs.yml`` — this project's, with the site's name and the hooks' path changed;
* ``.github/workflows/`` — this project's pull-request.yml and pages.yml
  (``generator/skeleton/workflows/``);
* ``docs/操作指南.md`` — the operator's guide, this project's docs/操作指南.md;
* ``schemas/`` — generated from the models, for the site's 数据字典;
* ``pyproject.toml`` — pins the gongkai that checks and builds the records, so that
  ``pip install -e '.[site]'`` (the workflows' install step) works here as in gongkai;
* ``.gitignore``, ``README.md`` and ``content/README.md``.

``content/`` holds no record yet: a root of trust needs its keys, which ``gongkai init``
must not make for their holders. The root's skeleton is ``content/README.md`` (the layout
and the order of the first steps); ``gongkai root new-key`` writes the root draft
itself, key by key (docs/操作指南.md, step 2).

Everything is written into a staging directory beside DIR and moved into place at the
end: a DIR that is not empty is refused, and a failure leaves nothing behind.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import os
import secrets
import shutil
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from . import __version__
from .cli_common import CONTEXT_SETTINGS, handle_errors
from .content import display_path
from .errors import GongkaiError
from .models import SiteConfig
from .schemas import write_schemas
from .yamlsafe import parse_yaml
from .yamlwrite import dump_yaml

GUIDE = "操作指南.md"
HOOKS_SHIM = "site_config/gongkai_hooks.py"
PROJECT_HOOKS = "generator/site/hooks.py"


def skeleton() -> Traversable:
    return importlib.resources.files("generator") / "skeleton"


def _copy_tree(source: Traversable, target: Path, skip: frozenset[str]) -> list[str]:
    """Copy a package-data tree; return the relative paths written."""
    written: list[str] = []
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name == "__pycache__" or entry.name in skip:
            continue
        if entry.is_dir():
            written += [
                f"{entry.name}/{p}" for p in _copy_tree(entry, target / entry.name, frozenset())
            ]
        else:
            (target / entry.name).parent.mkdir(parents=True, exist_ok=True)
            (target / entry.name).write_bytes(entry.read_bytes())
            written.append(entry.name)
    return written


def site_settings(jurisdiction: str, title: str) -> dict[str, Any]:
    """The new site.yaml: this project's, for another jurisdiction and not a demo."""
    text = (skeleton() / "site_config" / "site.yaml").read_text(encoding="utf-8")
    doc, problems = parse_yaml(text, "site_config/site.yaml")
    if doc is None or problems:  # pragma: no cover - the project's own file is tested
        raise GongkaiError(f"site_config/site.yaml: {problems[0] if problems else 'unreadable'}")
    data: dict[str, Any] = dict(doc.data)
    data.pop("demo", None)
    data.pop("base_url", None)
    data["jurisdiction"] = jurisdiction
    data["title"] = title
    order = ["jurisdiction", "title", *[k for k in data if k not in ("jurisdiction", "title")]]
    return {k: data[k] for k in order}


def mkdocs_config(title: str) -> str:
    """This project's mkdocs.yml with the new site's name and the hooks' shim."""
    lines = (skeleton() / "mkdocs.yml").read_text(encoding="utf-8").splitlines(keepends=True)
    names = [i for i, line in enumerate(lines) if line.startswith("site_name:")]
    hooks = [i for i, line in enumerate(lines) if line.strip() == f"- {PROJECT_HOOKS}"]
    if len(names) != 1 or len(hooks) != 1:  # pragma: no cover - the project's own file is tested
        raise GongkaiError(f"mkdocs.yml: expected one site_name and one {PROJECT_HOOKS} line")
    lines[names[0]] = f"site_name: {json.dumps(title, ensure_ascii=False)}\n"
    indent = lines[hooks[0]][: len(lines[hooks[0]]) - len(lines[hooks[0]].lstrip())]
    lines[hooks[0]] = f"{indent}- {HOOKS_SHIM}  # the hooks of the installed gongkai\n"
    return "".join(lines)


def installed_source() -> str | None:
    """A pip URL of the gongkai installed here, when pip recorded one (a git commit)."""
    try:
        text = importlib.metadata.distribution("gongkai").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - we are gongkai
        return None
    if not text:
        return None
    info = json.loads(text)
    vcs = info.get("vcs_info") or {}
    url = str(info.get("url", ""))
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and url.startswith("https://"):
        return f"git+{url}@{vcs['commit_id']}"
    return None


def requirement(source: str | None, extras: str = "") -> str:
    """``gongkai[extras]`` from ``source`` (a pip URL), or by name at this version."""
    name = f"gongkai[{extras}]" if extras else "gongkai"
    return f"{name} @ {source}" if source else f"{name}=={__version__}"


def pyproject(jurisdiction: str, source: str | None) -> str:
    where = (
        f"# gongkai 取自 / gongkai comes from: {source}\n"
        if source
        else (
            f"# gongkai 按名称取 {__version__} 版：请确认您的软件包索引上的 gongkai 是本项目的；\n"
            "# 否则改为其源代码仓库的固定提交，如 gongkai @ git+https://…/gongkai@<提交>。\n"
            f"# gongkai {__version__} by name: make sure the index you install from serves this\n"
            "# project's gongkai, or pin its source repository, gongkai @ git+https://…@<commit>.\n"
        )
    )
    return (
        "# 本仓库保存公开记录，不是 Python 软件包：本文件只固定检查和生成网站所用的 gongkai 版本，\n"
        "# 供 GitHub 工作流和本地的 pip install -e '.[site]' 使用。升级 gongkai 时改下面两行。\n"
        "# This repository holds records, not code: this file pins the gongkai that checks the\n"
        "# records and builds the site (the workflows run pip install -e '.[site]').\n"
        f"{where}"
        "[build-system]\n"
        'requires = ["setuptools>=69"]\n'
        'build-backend = "setuptools.build_meta"\n'
        "\n"
        "[project]\n"
        'name = "gongkai-records"\n'
        'version = "1"\n'
        f"description = {json.dumps(jurisdiction + '“双随机、一公开”公开记录', ensure_ascii=False)}\n"
        'requires-python = ">=3.11"\n'
        f"dependencies = [{json.dumps(requirement(source))}]\n"
        "\n"
        "[project.optional-dependencies]\n"
        f"site = [{json.dumps(requirement(source, 'site'))}]\n"
        "\n"
        "[tool.setuptools]\n"
        "packages = []\n"
    )


GITIGNORE = """\
# 生成的网站和生成过程中的临时目录 / the built site and build leftovers
/site/
/site.previous/
/.site-build-*/
/report-*/
/check.md
__pycache__/
*.egg-info/

# 私钥、摇号密钥和开启值绝不放进仓库：gongkai 拒绝把它们写到仓库内，放错了位置时，
# 下面这些名称也不会被提交。 / Private keys, draw secrets and openings never belong
# here: gongkai refuses to write them inside the repository, and these names keep a
# misplaced one out of commits.
gongkai-keys/
[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].json
root-*.json
log-*.json
*.openings.json
*.secret
*.key
*.pem
"""

HOOKS_TEXT = '''\
"""MkDocs hooks of this site (mkdocs.yml names this file): every page is generated from
content/ by the installed gongkai package, generator/site/hooks.py."""

from generator.site.hooks import *  # noqa: F403
'''


def readme(jurisdiction: str, title: str) -> str:
    return f"""# {title}

{jurisdiction}“双随机、一公开”监管的公开记录：抽查事项清单、检查对象名录库、执法检查人员名录库、
年度抽查计划、摇号记录和检查结果，每一条都经签名并记入透明日志，由 gongkai 生成公开网站。

- 操作步骤：[docs/{GUIDE}](docs/{GUIDE})
- 记录：`content/`（说明见 [content/README.md](content/README.md)）
- 网站设置：`site_config/`、`mkdocs.yml`
- 自动检查与发布：`.github/workflows/`（合并请求检查、GitHub Pages 发布）

```sh
pip install -e '.[site]'     # 安装所固定版本的 gongkai
gongkai validate && gongkai verify && gongkai build   # 检查、核验并生成网站到 site/
```
"""


CONTENT_README = """\
# content/：公开记录

每条记录是一个 YAML 文件，签名后不再修改；更正写成新版本（`v2.yaml`），由 `gongkai validate`
检查格式，由 `gongkai verify` 核验签名。新仓库里还没有任何记录：根信任的密钥要由保管单位自己生成，
`gongkai init` 不代为生成。按 `docs/操作指南.md` 的顺序建立：

| 目录 | 内容 | 由谁写入 |
|---|---|---|
| `root/1.yaml` | 根信任：根密钥、门槛数、密钥登记册签名密钥、透明日志密钥 | `gongkai root new-key`、`gongkai log new-key`，根密钥签名 |
| `keys/v1.yaml` | 密钥登记册：各部门和见证人的签名密钥 | `gongkai keys new`，根密钥签名 |
| `departments/<部门>.yaml` | 部门 | 手写，本部门签名 |
| `checklist/<部门>/<编号>/vN.yaml` | 随机抽查事项清单 | `gongkai import checklist` |
| `registries/targets/<名录库>/vN.yaml`、`vN.csv` | 检查对象名录库 | `gongkai import targets` |
| `registries/inspectors/<名录库>/vN.yaml` | 执法检查人员名录库 | `gongkai import inspectors` |
| `plans/<年>/<计划>/vN.yaml` | 年度抽查计划及抽查任务 | 手写，本部门签名 |
| `draws/<年>/<任务>-D1/v1.yaml` | 摇号记录 | `gongkai draw` |
| `results/<年>/<结果>/vN.yaml` | 检查结果 | 手写，本部门签名 |
| `log/` | 透明日志（只增不改） | `gongkai log append` |

Layout of the records (docs/records.md in gongkai). The root of trust is made key by key with
`gongkai root new-key`; private keys never enter this repository.
"""


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise GongkaiError(
            f"{display_path(target)}: 不是目录，未写入任何文件 / not a directory; nothing was written"
        )
    if target.is_dir() and any(target.iterdir()):
        raise GongkaiError(
            f"{display_path(target)}: 目录不是空的，未写入任何文件 / the directory is not empty; "
            "nothing was written (choose a new or empty directory)"
        )
    if not target.parent.is_dir():
        raise GongkaiError(
            f"{display_path(target.parent)}: 上级目录不存在，未写入任何文件 / the parent directory "
            "does not exist; nothing was written"
        )


def init_repository(
    target: Path, jurisdiction: str, title: str | None, source: str | None
) -> list[str]:
    """Write a new repository into ``target`` (absent or empty). Returns the paths written."""
    for option, value in (("--jurisdiction", jurisdiction), ("--title", title)):
        if value is not None and not value.strip():
            raise click.BadParameter("不能为空 / must not be blank", param_hint=option)
    title = title or f"{jurisdiction}“双随机、一公开”监管信息公开平台"
    settings = site_settings(jurisdiction, title)
    try:
        SiteConfig.model_validate(settings)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        option = {"jurisdiction": "--jurisdiction", "title": "--title"}.get(
            str(first["loc"][0]), "site_config/site.yaml"
        )
        raise click.BadParameter(
            f"{first['msg']} (got {first.get('input')!r})", param_hint=option
        ) from None
    _check_target(target)
    staging = target.parent / f".{target.name}.gongkai-init-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        written = _write_all(staging, jurisdiction, title, settings, source)
        if target.is_dir():
            _check_target(target)  # still empty
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _write_all(
    root: Path, jurisdiction: str, title: str, settings: dict[str, Any], source: str | None
) -> list[str]:
    files: dict[str, str] = {
        ".gitignore": GITIGNORE,
        "README.md": readme(jurisdiction, title),
        "pyproject.toml": pyproject(jurisdiction, source),
        "mkdocs.yml": mkdocs_config(title),
        "site_config/site.yaml": "# 站点配置 / Site configuration\n" + dump_yaml(settings),
        HOOKS_SHIM: HOOKS_TEXT,
        "content/README.md": CONTENT_README,
    }
    written = [
        f"site_config/{p}"
        for p in _copy_tree(
            skeleton() / "site_config", root / "site_config", frozenset({"site.yaml"})
        )
    ]
    written += [
        f".github/workflows/{p}"
        for p in _copy_tree(skeleton() / "workflows", root / ".github" / "workflows", frozenset())
    ]
    guide = root / "docs" / GUIDE
    guide.parent.mkdir(parents=True)
    guide.write_bytes((skeleton() / GUIDE).read_bytes())
    written.append(f"docs/{GUIDE}")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(rel)
    written += [f"schemas/{name}" for name in write_schemas(root / "schemas")]
    return sorted(written)


@click.command("init", context_settings=CONTEXT_SETTINGS)
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--jurisdiction", required=True, help="辖区名称，如“某某县”。 / The jurisdiction.")
@click.option(
    "--title",
    default=None,
    help="网站名称，默认“<辖区>“双随机、一公开”监管信息公开平台”。 / The site's title.",
)
@click.option(
    "--gongkai-source",
    default=None,
    metavar="URL",
    help="pyproject.toml 中 gongkai 的来源（pip 可安装的地址，如 git+https://…@提交），"
    "默认为本机所装 gongkai 的来源或按名称固定版本。 / Where the new repository installs "
    "gongkai from (a pip URL); default: where this gongkai came from, else by name and version.",
)
@handle_errors
def init_command(
    directory: Path, jurisdiction: str, title: str | None, gongkai_source: str | None
) -> None:
    """新建一个辖区的公开仓库：网站配置、工作流、操作指南，可直接发布。

    Create a new jurisdiction's repository in DIRECTORY (new or empty): the site's
    configuration, mkdocs.yml, the GitHub workflows, the operator's guide
    (docs/操作指南.md), .gitignore and an empty content/. Nothing is written if DIRECTORY
    is not empty.
    """
    source = gongkai_source or installed_source()
    written = init_repository(directory, jurisdiction, title, source)
    shown = display_path(directory)
    click.echo(f"已创建 / created: {shown}/（{len(written)} 个文件 / files）")
    click.echo(f"gongkai: {requirement(source, 'site')}")
    click.echo(f"下一步 / next: 按 {shown}/docs/{GUIDE} 操作 / follow the guide:")
    click.echo(f"  cd {shown} && git init -b main")
    click.echo(
        "  gongkai root new-key --label 根密钥一 --holder 保管单位 --out ~/gongkai-keys/root-1.json"
    )
