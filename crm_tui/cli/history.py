"""`crm-tui undo|redo`, `crm-tui touches`, `crm-tui touch edit|delete`: fixing the past."""

from __future__ import annotations

import click

from crm_tui.cli import cli
from crm_tui.cli.common import (
    echo_json,
    fail,
    open_store,
    parse_when,
    pass_env,
    resolve_contact,
    resolve_thread,
)
from crm_tui.domain.models import CHANNELS
from crm_tui.env import Env
from crm_tui.services import touch_edits


@cli.command()
@pass_env
def undo(env: Env) -> None:
    """Take back the last change (repeat to go further back; `redo` re-applies it)."""
    with open_store(env) as store:
        label = store.undo()
    click.echo(f"Undid: {label}" if label else "Nothing to undo.")


@cli.command()
@pass_env
def redo(env: Env) -> None:
    """Apply again the last change that `undo` took back."""
    with open_store(env) as store:
        label = store.redo()
    click.echo(f"Redid: {label}" if label else "Nothing to redo.")


@cli.command()
@click.argument("contact")
@click.option("--json", "as_json", is_flag=True,
              help="Print the touch records (as `export json` writes them), newest first.")
@pass_env
def touches(env: Env, contact: str, as_json: bool) -> None:
    """The touches with CONTACT, newest first (ids for `touch edit` and `touch delete`)."""
    with open_store(env, write=False) as store:
        person = resolve_contact(store, contact)
        found = list(reversed(store.touches(contact_ids={person.id})))
    if as_json:
        echo_json([t.to_dict() for t in found])
        return
    if not found:
        click.echo(f"No touches with {person.name}.")
        return
    for t in found:
        arrow_ = "<-" if t.direction == "in" else "->"
        extra = " ".join(x for x in (t.step or "", f"thread {t.thread_id}" if t.thread_id else "") if x)
        note = t.note.splitlines()[0][:60] if t.note.strip() else ""
        click.echo(f"{t.id}\t{t.at[:16].replace('T', ' ')}\t{arrow_} {t.channel}"
                   f"\t{extra}\t{note}".rstrip())


@cli.group()
def touch() -> None:
    """Correct or remove a logged touch (see `crm-tui touches CONTACT` for the ids)."""


@touch.command(name="edit")
@click.argument("touch_id", metavar="ID")
@click.option("--at", "at", default=None, help="When it happened (ISO-8601).")
@click.option("--note", default=None, help="The note (replaces it; '' clears it).")
@click.option("--channel", type=click.Choice(CHANNELS), default=None)
@click.option("--in/--out", "inbound", default=None, help="They reached me / I reached out.")
@click.option("--thread", "thread_id", default=None, help="The thread it belongs to ('' for none).")
@pass_env
def touch_edit(env: Env, touch_id: str, at: str | None, note: str | None, channel: str | None,
               inbound: bool | None, thread_id: str | None) -> None:
    """Change a touch's date, note, channel, direction or thread; prints its id (a new
    date in another month gives it a new id)."""
    when = parse_when(at, env.now) if at else None
    with open_store(env) as store:
        if store.touch(touch_id) is None:
            fail(f"no touch {touch_id!r} (try `crm-tui touches CONTACT`)")
        if thread_id:
            resolve_thread(store, thread_id)
        edit = touch_edits.TouchEdit(
            at=when, note=note, channel=channel,
            direction=None if inbound is None else ("in" if inbound else "out"),
            thread_id=thread_id,
        )
        try:
            edited = touch_edits.edit_touch(store, touch_id, edit, env.now)
        except touch_edits.EditError as exc:
            fail(str(exc))
    _warn_unusual(edit)
    click.echo(edited.id)


@touch.command(name="delete")
@click.argument("touch_id", metavar="ID")
@pass_env
def touch_delete(env: Env, touch_id: str) -> None:
    """Delete a touch (undo brings it back)."""
    with open_store(env) as store:
        try:
            label = touch_edits.delete_touch(store, touch_id)
        except touch_edits.EditError as exc:
            fail(str(exc))
    click.echo(f"deleted {touch_id}: {label}")


def _warn_unusual(edit: touch_edits.TouchEdit) -> None:
    from crm_tui.domain import validate

    if edit.at is not None and (question := validate.touch_time_unusual(edit.at)):
        click.echo(f"crm-tui: warning: {question}", err=True)


