"""The docs say what the project does: the README's commands are the ones CI
runs, every command's help has an example, every record key is documented."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import click
from click.testing import CliRunner

from paperwall.cli import main
from spiders.items import ArticleRecord, Offer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    section = README.split("## Two commands on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert "paperwall demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for name, _ in _commands(main):
        result = runner.invoke(main, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"`paperwall {name} --help` shows no example"


def test_every_record_key_is_documented() -> None:
    doc = (ROOT / "docs" / "record.md").read_text(encoding="utf-8")
    for field in attrs.fields(ArticleRecord):
        assert f"`{field.name}`" in doc, field.name
    for field in attrs.fields(Offer):
        assert f"`{field.name}`" in doc, field.name


def test_every_platform_name_is_documented() -> None:
    from spiders.pages import PAGE_CLASSES
    from spiders.pages.base import ArticlePage

    doc = (ROOT / "docs" / "record.md").read_text(encoding="utf-8")
    for cls in (*PAGE_CLASSES, ArticlePage):
        assert f'`"{cls.platform_name}"`' in doc, cls.platform_name
