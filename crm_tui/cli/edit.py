"""`crm-tui edit CONTACT`: change a contact's fields from a script (only those given)."""

from __future__ import annotations

import click

from crm_tui.cli import cli
from crm_tui.cli.common import echo_json, fail, open_store, pass_env, resolve_contact
from crm_tui.domain import birthdays
from crm_tui.domain.models import TIERS
from crm_tui.domain.text import clean
from crm_tui.env import Env


def birthday_option(value: str | None) -> str | None:
    """A typed ``--birthday``: YYYY-MM-DD or --MM-DD; "" clears it; None leaves it."""
    if value is None or value == "":
        return value
    found = birthdays.normalise(clean(value, 20))
    if found is None:
        fail(f"--birthday {value!r} is not a date like 1990-03-02, or --03-02 without the year")
    return found


@cli.command()
@click.argument("contact")
@click.option("--birthday", default=None,
              help="YYYY-MM-DD, or --MM-DD without the year; \"\" removes it.")
@click.option("--company", default=None, help="Company or organisation.")
@click.option("--role", default=None, help="Position or role.")
@click.option("--tier", type=click.Choice(TIERS), default=None, help="Keep-in-touch tier.")
@click.option("--every", type=click.IntRange(0, 3650), default=None,
              help="Custom keep-in-touch interval in days (0: back to the tier's).")
@click.option("--json", "as_json", is_flag=True, help="Print the contact as JSON.")
@pass_env
def edit(env: Env, contact: str, birthday: str | None, company: str | None, role: str | None,
         tier: str | None, every: int | None, as_json: bool) -> None:
    """Change fields of CONTACT (an id, or a name matching one contact); prints its id."""
    birthday = birthday_option(birthday)
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        if birthday is not None:
            person.birthday = birthday
        if company is not None:
            person.company = clean(company, 200)
        if role is not None:
            person.role = clean(role, 200)
        if tier is not None:
            person.tier = tier
        if every is not None:
            person.every = every or None
        store.update_contact(person)
    if as_json:
        echo_json(person.to_dict())
    else:
        click.echo(person.id)
