"""Threads and the follow-up engine on the command line.

`crm-tui thread open|close|list`, `crm-tui today`, and the actions on a due step:
`done`, `reply`, `snooze`, `skip`, `move-on`. Output of `thread open` (the id) and
`today --json` (see :func:`today`) is stable for scripts and cron.
"""

from __future__ import annotations

import re
from datetime import timedelta

import click

from crm_tui.cli import cli
from crm_tui.cli.common import (
    Env,
    check,
    echo_json,
    fail,
    open_store,
    parse_when,
    pass_env,
    resolve_contact,
    resolve_thread,
    touch_moment,
)
from crm_tui.domain import cadence, validate
from crm_tui.domain.models import (
    CHANNELS,
    REPLY_ASKED,
    REPLY_NOTED,
    REPLY_PAID,
    REPLY_REJECTED,
    Suggestion,
    Thread,
)
from crm_tui.domain.text import clean, clean_multiline
from crm_tui.services import actions, engine
from crm_tui.store.repository import Store


# --------------------------------------------------------------------------- thread
@cli.group()
def thread() -> None:
    """Interviews, applications and invoices: situations with their own follow-ups."""


@thread.command(name="open")
@click.argument("contact")
@click.option("--kind", type=click.Choice(("interview", "application", "invoice")), required=True)
@click.option("--at", "at", default=None,
              help="Interviewed / applied / invoice sent at (ISO-8601); default now.")
@click.option("--decision-by", default=None, help="Interview: the date promised for a decision.")
@click.option("--interviewer", "interviewers", multiple=True,
              help="Interview: someone else who interviewed you (repeat for more).")
@click.option("--via", default=None, help="Application: an internal connection at the company.")
@click.option("--terms", type=click.IntRange(*validate.INVOICE_TERMS), default=None,
              help="Invoice: payment term in days (default from the config, 30).")
@click.option("--label", default="", help="Invoice: its number or label.")
@click.option("--amount", default="", help="Invoice: the amount, as text (e.g. '1,200 EUR').")
@click.option("--role", default="", help="Interview/application: the role.")
@click.option("--note", default="", help="A private note about this thread (never in a message).")
@click.option("--points", default="",
              help="Interview: talking points for the thank-you, one a line (drafts quote them).")
@pass_env
def open_thread(env: Env, contact: str, kind: str, at: str | None, decision_by: str | None,
                interviewers: tuple[str, ...], via: str | None, terms: int | None, label: str,
                amount: str, role: str, note: str, points: str) -> None:
    """Open a thread with CONTACT; prints the thread id."""
    given = {
        ("--decision-by", "decision_by"): decision_by,
        ("--interviewer", "interviewers"): interviewers,
        ("--via", "via"): via,
        ("--terms", "terms"): terms,
        ("--label", "label"): label,
        ("--amount", "amount"): amount,
        ("--points", "talking_points"): points,
    }
    for (option, name), value in given.items():
        if value and (wanted := validate.thread_field_kind(name, kind)):
            fail(f"{option} is for --kind {wanted}")
    when = parse_when(at, env.now)
    decision = parse_when(decision_by, env.now, "--decision-by").format("YYYY-MM-DD") if decision_by else None
    check(validate.decision_date(decision, when.isoformat()))
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        panel = []
        for query in interviewers:
            other = resolve_contact(store, query)
            if other.id != person.id and other.id not in panel:
                panel.append(other.id)
        connection = resolve_contact(store, via).id if via else None
        if validate.thread_via(connection, person.id):
            fail("--via is someone inside the company other than the thread's contact")
        with store.change(f"opening {person.name}'s {kind}"):
            new = store.add_thread(Thread(
                contact_id=person.id,
                kind=kind,
                at=when.isoformat(),
                decision_by=decision,
                interviewers=panel,
                via=connection,
                terms=terms if terms is not None else env.settings.cadence.invoice_terms_days,
                label=clean(label, 200),
                amount=clean(amount, 100),
                role=clean(role, 200),
                note=clean_multiline(note, 5000),
                talking_points=clean_multiline(points, 2000),
            ))
    click.echo(new.id)


@thread.command(name="close")
@click.argument("thread_id", metavar="THREAD")
@click.option("--reason", default="closed", help="Why (shown in the thread list).")
@pass_env
def close_thread(env: Env, thread_id: str, reason: str) -> None:
    """Close THREAD: nothing more is suggested on it."""
    with open_store(env) as store:
        found = resolve_thread(store, thread_id)
        actions.close_thread(store, found.id, env.now, clean(reason, 200))
    click.echo(f"closed {found.id}")


@thread.command(name="list")
@click.argument("contact", required=False)
@click.option("--open", "open_only", is_flag=True, help="Only open threads.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_env
def list_threads(env: Env, contact: str | None, open_only: bool, as_json: bool) -> None:
    """List threads (of CONTACT), open ones first."""
    with open_store(env, write=False) as store:
        person = resolve_contact(store, contact) if contact else None
        found = store.threads(contact_id=person.id if person else None, open_only=open_only)
        if person:
            found += [t for t in store.threads() if t.via == person.id and t not in found]
        names = {c.id: c.name for c in store.contacts()}
    found.sort(key=lambda t: (t.status != "open", t.at, t.id))
    if as_json:
        echo_json([t.to_dict() for t in found])
        return
    if not found:
        click.echo("No threads.")
        return
    for t in found:
        detail = _thread_detail(t, names)
        click.echo(f"{t.id}\t{t.kind}\t{t.status}\t{names.get(t.contact_id, t.contact_id)}"
                   f"\t{t.at[:10]}{detail}")


def _thread_detail(t: Thread, names: dict[str, str]) -> str:
    parts = []
    if t.role:
        parts.append(t.role)
    if t.decision_by:
        parts.append(f"decision by {t.decision_by}")
    if t.interviewers:
        parts.append("with " + ", ".join(names.get(i, i) for i in t.interviewers))
    if t.via:
        parts.append(f"via {names.get(t.via, t.via)}")
    if t.kind == "invoice":
        parts.append(" ".join(x for x in (t.label, t.amount, f"{t.terms}-day terms") if x))
    if t.status == "closed" and t.close_reason:
        parts.append(f"closed: {t.close_reason}")
    return ("\t" + "; ".join(parts)) if parts else ""


# --------------------------------------------------------------------------- today
@cli.command()
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array (contact_id, contact, thread_id, kind, step, status, due, "
              "overdue_days, reason, channel, warnings, ...).")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N rows.")
@click.option("--all", "show_all", is_flag=True, help="Also steps waiting or upcoming.")
@click.option("--count", "count_only", is_flag=True,
              help="Print only the number of steps due or overdue (for a prompt or status bar).")
@pass_env
def today(env: Env, as_json: bool, limit: int | None, show_all: bool, count_only: bool) -> None:
    """Who to ping today, most urgent first."""
    with open_store(env, write=False) as store:
        found = engine.suggestions(store, env.settings, env.now)
    if count_only:
        click.echo(str(sum(1 for s in found if s.status in ("due", "overdue"))))
        return
    held = 0
    if show_all:
        rows = [s for s in found if s.status != "closed"]
    else:
        rows, held = cadence.within_budget([s for s in found if s.status in ("due", "overdue")],
                                           env.settings.cadence.daily_keep_in_touch)
    if limit:
        rows = rows[:limit]
    if as_json:
        echo_json([s.to_json() for s in rows])
        if held:  # the array stays as it was; the count goes to stderr
            click.echo(f"crm-tui: note: {cadence.held_back_line(held)}", err=True)
        return
    if not rows:
        ahead = [s for s in found if s.status in ("upcoming", "waiting")
                 and s.due > env.now.date().isoformat()]
        upcoming = min(ahead, key=lambda s: (s.due, s.rank)) if ahead else None
        click.echo("Nobody to ping today.")
        if upcoming:
            click.echo(f"Next: {upcoming.contact} on {_day(upcoming.due)} ({upcoming.step}).")
        return
    _print_table(rows)
    if held:
        click.echo(f"     ... {cadence.held_back_line(held)}")


def _day(iso: str) -> str:
    from datetime import date

    day = date.fromisoformat(iso)
    return f"{day:%a} {day.day} {day:%b}"


def _print_table(rows: list[Suggestion]) -> None:
    """One row per step and its reason underneath; written at once (thousands of rows
    on a big store: one echo per line costs more than the computing)."""
    width = min(max(7, *(len(s.contact) for s in rows)), 28)
    lines = [f"{'#':>3}  {'due':<10}  {'status':<12}  {'contact':<{width}}  {'step':<21}  "
             f"{'thread':<14}  channel"]
    for n, s in enumerate(rows, 1):
        status = f"{s.status} {s.overdue_days}d" if s.status == "overdue" else s.status
        thread_text = f"{s.kind} {s.thread_id}" if s.thread_id else "-"
        name = s.contact if len(s.contact) <= width else s.contact[: width - 1] + "…"
        lines.append(f"{n:>3}  {s.due:<10}  {status:<12}  {name:<{width}}  {s.step:<21}  "
                     f"{thread_text:<14}  {s.channel}")
        lines.append(f"{'':>5}{s.reason}")
        lines.extend(f"{'':>5}! {warning}" for warning in s.warnings)
    click.echo("\n".join(lines))


# --------------------------------------------------------------------------- actions
def _pick(store: Store, env: Env, contact_id: str, thread_id: str | None) -> Suggestion:
    """The contact's most urgent step (on THREAD if given): due first, then the next one."""
    found = engine.for_contact(store, env.settings, env.now, contact_id)
    if thread_id:
        found = [s for s in found if s.thread_id == thread_id]
    due = [s for s in found if s.status in ("due", "overdue")]
    if due:
        return due[0]
    ahead = [s for s in found if s.status != "closed"]
    if not ahead:
        fail("nothing to do there: the thread is closed" if thread_id else "nothing to do")
    return ahead[0]


@cli.command()
@click.argument("contact")
@click.option("--thread", "thread_id", default=None, help="The step on this thread.")
@click.option("--note", default="", help="What you said.")
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="How (default: the suggested channel).")
@click.option("--article", "article_id", default=None, help="An article you shared.")
@pass_env
def done(env: Env, contact: str, thread_id: str | None, note: str, channel: str | None,
         article_id: str | None) -> None:
    """Mark CONTACT's most urgent step done (logs the outbound touch on its thread)."""
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        if thread_id:
            resolve_thread(store, thread_id)
        step = _pick(store, env, person.id, thread_id)
        try:
            touch = actions.done(store, step, env.now, channel=channel, note=note,
                                 article_id=article_id)
        except actions.ActionError as exc:
            fail(str(exc))
    where = f" on {step.kind} {step.thread_id}" if step.thread_id else ""
    if touch is None:
        click.echo(f"moved on: {step.thread_id} closed")
    else:
        click.echo(f"{touch.id}\t{step.step} to {person.name}{where}")


@cli.command()
@click.argument("contact")
@click.option("--thread", "thread_id", default=None,
              help="The thread they replied on (default: their only open thread).")
@click.option("--asked", "outcome", flag_value=REPLY_ASKED,
              help="They asked for something (references, samples...): due now.")
@click.option("--rejected", "outcome", flag_value=REPLY_REJECTED,
              help="They chose someone else: a graceful close, then keep in touch.")
@click.option("--paid", "outcome", flag_value=REPLY_PAID, help="The invoice was paid (closes it).")
@click.option("--noted", "outcome", flag_value=REPLY_NOTED,
              help="Just a reply: the follow-ups resume as after any reply.")
@click.option("--note", default="", help="What they said.")
@click.option("--channel", type=click.Choice(CHANNELS), default="email", show_default=True)
@click.option("--at", "at", default=None, help="When (ISO-8601); default now.")
@pass_env
def reply(env: Env, contact: str, thread_id: str | None, outcome: str | None, note: str,
          channel: str, at: str | None) -> None:
    """Log a reply from CONTACT: it pauses the thread's follow-ups; prints the touch id.

    A synced mail from CONTACT waiting to be classified (reply-received) gets the outcome
    instead: no second touch is logged."""
    when = touch_moment(at, env.now)
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        if thread_id:
            resolve_thread(store, thread_id)
        try:
            touch = actions.reply(store, person.id, when, thread_id=thread_id, outcome=outcome,
                                  note=note, channel=channel)
        except actions.ActionError as exc:
            fail(str(exc))
    click.echo(touch.id)


_RELATIVE = re.compile(r"^\+?(\d{1,4})d?$")


@cli.command()
@click.argument("contact")
@click.option("--until", "until", required=True,
              help="An ISO date (YYYY-MM-DD), or +N for N days from today.")
@pass_env
def snooze(env: Env, contact: str, until: str) -> None:
    """Nothing for CONTACT before a date (each snooze is counted and shown)."""
    relative = _RELATIVE.match(until.strip())
    if relative and until.strip().startswith("+"):
        day = (env.now.date() + timedelta(days=int(relative.group(1)))).isoformat()
    else:
        day = parse_when(until, env.now, "--until").format("YYYY-MM-DD")
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        try:
            updated = actions.snooze(store, person.id, day, env.now)
        except actions.ActionError as exc:
            fail(str(exc))
    times = updated.snooze_count
    click.echo(f"{person.name} snoozed until {day} ({times} snooze{'s' if times > 1 else ''})")


@cli.command()
@click.argument("contact")
@pass_env
def skip(env: Env, contact: str) -> None:
    """Hide CONTACT from today's list (back tomorrow)."""
    with open_store(env) as store:
        person = resolve_contact(store, contact)
        actions.skip_today(store, person.id, env.now)
    click.echo(f"{person.name} skipped for today")


@cli.command(name="move-on")
@click.argument("thread_id", metavar="THREAD")
@pass_env
def move_on(env: Env, thread_id: str) -> None:
    """Close THREAD and let its contact return to keep-in-touch."""
    with open_store(env) as store:
        found = resolve_thread(store, thread_id)
        actions.move_on(store, found.id, env.now)
    click.echo(f"moved on: {found.id} closed")
