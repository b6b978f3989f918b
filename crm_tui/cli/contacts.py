"""`crm-tui add`, `crm-tui log`, `crm-tui list`: the store, scriptable."""

from __future__ import annotations

import click

from crm_tui.cli import cli
from crm_tui.cli.common import (
    Env,
    check,
    echo_json,
    fail,
    open_store,
    pass_env,
    resolve_contact,
    resolve_thread,
    touch_moment,
)
from crm_tui.domain import validate
from crm_tui.domain.models import CHANNELS, OUTCOMES, TIERS, Contact, Touch
from crm_tui.domain.text import clean, clean_list, clean_multiline


@cli.command()
@click.argument("name")
@click.option("--email", "emails", multiple=True,
              help="An email address (repeat for more; the first is the main one).")
@click.option("--company", default="", help="Company or organisation.")
@click.option("--role", default="", help="Position or role.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@click.option("--interest", "interests", multiple=True, help="An interest (repeat for more).")
@click.option("--tier", type=click.Choice(TIERS), default="casual", show_default=True,
              help="Keep-in-touch tier: close 14 d, active 30 d, casual 90 d, dormant 180 d.")
@click.option("--every", type=click.IntRange(1, 3650), default=None,
              help="Custom keep-in-touch interval in days (overrides the tier).")
@click.option("--note", default="", help="A note about this person.")
@click.option("--birthday", default=None, help="YYYY-MM-DD, or --MM-DD without the year.")
@click.option("--json", "as_json", is_flag=True, help="Print the new contact as JSON.")
@pass_env
def add(env: Env, name: str, emails: tuple[str, ...], company: str, role: str, tags: tuple[str, ...],
        interests: tuple[str, ...], tier: str, every: int | None, note: str,
        birthday: str | None, as_json: bool) -> None:
    """Add a contact named NAME; prints its id."""
    from crm_tui.cli.edit import birthday_option

    birthday = birthday_option(birthday)
    name = clean(name, 200)
    if not name:
        fail("a contact needs a name")
    addresses: list[str] = []
    for raw in emails:
        email = clean(raw, 254)
        check(validate.email(email))
        if email and email.casefold() not in {a.casefold() for a in addresses}:
            addresses.append(email)
    contact = Contact(
        name=name,
        emails=addresses,
        company=clean(company, 200),
        role=clean(role, 200),
        tags=clean_list(tags),
        interests=clean_list(interests),
        tier=tier,
        every=every,
        notes=clean_multiline(note),
        birthday=birthday or "",
        created_at=env.now.isoformat(),
    )
    with open_store(env) as store, store.change(f"adding {name}"):
        store.add_contact(contact)
    if as_json:
        echo_json(contact.to_dict())
    else:
        click.echo(contact.id)


@cli.command()
@click.argument("contact", required=False)
@click.option("--mail", "mail", default=None, metavar="FILE|-",
              help="Log the touches of one mail (a file, or - for standard input) instead.")
@click.option("--in", "inbound", is_flag=True, help="They reached me (a reply); default: I reached out.")
@click.option("--channel", type=click.Choice(CHANNELS), default="email", show_default=True)
@click.option("--note", default="", help="What was said.")
@click.option("--at", "at", default=None, help="When (ISO-8601); default now.")
@click.option("--thread", "thread_id", default=None, help="The thread this touch belongs to.")
@click.option("--outcome", type=click.Choice(OUTCOMES), default=None,
              help="For a reply: they asked for something, chose someone else, or paid.")
@click.option("--step", default=None, help="The step this outbound touch fulfils (e.g. thank-you).")
@click.option("--article", "article_id", default=None, help="An article shared with this touch.")
@pass_env
def log(env: Env, contact: str | None, mail: str | None, inbound: bool, channel: str, note: str,
        at: str | None, thread_id: str | None, outcome: str | None, step: str | None,
        article_id: str | None) -> None:
    """Log a touch with CONTACT (an id, or a name matching one contact); prints its id.

    With --mail FILE (or - for standard input) and no CONTACT: the touches of one mail,
    found by its addresses as `crm-tui sync` finds them (e.g. piped from mutt)."""
    if mail is not None:
        if contact:
            fail("--mail finds the contacts from the mail's addresses: give no CONTACT")
        from crm_tui.cli.mail_one import log_mail

        log_mail(env, mail)
        return
    if not contact:
        fail("give a CONTACT (or --mail FILE)")
    when = touch_moment(at, env.now)
    if outcome and not inbound:
        fail("--outcome describes a reply: use it with --in")
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        if thread_id:
            thread = resolve_thread(store, thread_id)
            if person.id != thread.contact_id and person.id not in thread.interviewers:
                fail(f"thread {thread.id} is not with {person.name}")
        if article_id and store.article(article_id) is None:
            fail(f"no article {article_id!r}")
        with store.change(f"touch with {person.name}"):
            touch = store.log_touch(Touch(
                contact_id=person.id,
                at=when.isoformat(),
                direction="in" if inbound else "out",
                channel=channel,
                note=clean_multiline(note, 5000),
                thread_id=thread_id,
                article_id=article_id,
                step=step if not inbound else None,
                outcome=outcome,
            ))
    click.echo(touch.id)


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--tag", default=None, help="Only contacts with this tag.")
@pass_env
def list_contacts(env: Env, as_json: bool, tag: str | None) -> None:
    """List contacts, longest since the last touch first."""
    with open_store(env, write=False) as store:
        people = store.contacts()
    if tag:
        people = [c for c in people if tag.casefold() in (t.casefold() for t in c.tags)]
    people.sort(key=lambda c: (c.last_touch is not None, c.last_touch or ""))
    if as_json:
        echo_json([c.to_dict() for c in people])
        return
    for c in people:
        last = c.last_touch[:10] if c.last_touch else "never"
        where = f" ({c.company})" if c.company else ""
        click.echo(f"{c.id}\t{c.name}{where}\t{c.tier}\tlast: {last}")
