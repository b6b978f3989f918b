"""`crm-tui correspondents`: people who wrote to you and are not contacts yet."""

from __future__ import annotations

import click

from crm_tui.cli import cli
from crm_tui.cli.common import echo_json, fail, open_store, pass_env
from crm_tui.env import Env
from crm_tui.services import correspondents as service


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=None, help="At most N people.")
@click.option("--add", "add", default=None, metavar="EMAIL", help="Add this one as a contact.")
@click.option("--ignore", "ignore", default=None, metavar="EMAIL", help="Never list this one again.")
@pass_env
def correspondents(env: Env, as_json: bool, limit: int | None, add: str | None,
                   ignore: str | None) -> None:
    """People who wrote to you directly (found by `crm-tui sync`) but are not contacts,
    most exchanged with first."""
    if add or ignore:
        with open_store(env) as store:
            try:
                if add:
                    contact = service.add_contact(store, add, env.now)
                    click.echo(f"{contact.id}\t{contact.name} <{contact.email}> added "
                               "(`crm-tui sync --rescan` logs your past mail with them)")
                if ignore:
                    service.ignore(store, ignore)
                    click.echo(f"{ignore} will not be listed again")
            except KeyError as exc:
                fail(f"{exc.args[0]!r} is not a correspondent (see `crm-tui correspondents`)")
        return
    with open_store(env, write=False) as store:
        found = service.ranked(store, env.settings, limit)
    if as_json:
        echo_json([p.to_json() for p in found])
        return
    if not found:
        click.echo("nobody yet: `crm-tui sync` finds the people who write to you")
    for p in found:
        click.echo(f"{p.name or '-'}\t{p.email}\t{p.received} in / {p.sent} out\tlast {p.last[:10]}")
