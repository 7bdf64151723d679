"""The `paperwall` command: a thin layer over spiders/, storage/ and scheduler/.

Each command module registers its commands on `main`; errors meant for the
user are raised as `click.ClickException` (one line, exit 1) at this edge.
"""

from __future__ import annotations

import click

import spiders  # noqa: F401  (configures offline libraries first)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paperwall")
def main() -> None:
    """paperwall: what scholarly journals show in front of their paywalls.

    \b
    Example:
        paperwall demo                 # crawl the bundled sample site into ./paperwall.db
        paperwall extract page.html    # print one page's record as JSON
    """


def _register() -> None:
    from paperwall import cli_extract

    cli_extract.register(main)
    for name in ("cli_crawl", "cli_query", "cli_schedule", "cli_discover"):
        try:
            module = __import__(f"paperwall.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:  # a command module not built yet
            if exc.name != f"paperwall.{name}":
                raise
            continue
        module.register(main)


_register()
if __name__ == "__main__":
    main()
