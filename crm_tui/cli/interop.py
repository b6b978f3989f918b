"""`crm-tui import`, `crm-tui export`, `crm-tui restore`: moving contacts in and out."""

from __future__ import annotations

from pathlib import Path

import click

from crm_tui.cli import cli
from crm_tui.cli.common import echo_json, fail, open_store, pass_env
from crm_tui.domain.models import TIERS
from crm_tui.env import Env
from crm_tui.interop import KINDS, InteropError, backup, csvexport, vcard
from crm_tui.services.importer import import_file


@cli.command(name="import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be added, updated and skipped; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--tier", type=click.Choice(TIERS), default=None,
              help="Keep-in-touch tier of the new contacts (default: dormant for linkedin, "
                   "else casual); contacts already there keep theirs.")
@click.option("--tag", "tags", multiple=True, help="A tag for the new contacts (repeat for more).")
@pass_env
def import_contacts(env: Env, kind: str, path: Path, dry_run: bool, as_json: bool,
                    tier: str | None, tags: tuple[str, ...]) -> None:
    """Import contacts from a LinkedIn Connections.csv, a Google Contacts CSV, or vCards.

    KIND is linkedin, google or vcard; PATH is the file (for vcard also a folder of .vcf).
    Matching contacts (by email, LinkedIn URL, or name + company) are updated without
    losing anything you typed; a re-import of the same file changes nothing.
    """
    if not path.exists():
        fail(f"no such file or folder: {path}")
    with open_store(env, write=not dry_run, keep_first_screen=True) as store:
        try:
            report = import_file(store, kind, path, env.now, dry_run=dry_run, tier=tier, tags=tags)
        except InteropError as exc:
            fail(str(exc))
    if as_json:
        echo_json(report.to_json())
    else:
        for line in report.lines():
            click.echo(line)


@cli.command(name="export")
@click.argument("kind", type=click.Choice(("vcard", "csv", "json", "ics")))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True,
              help="ics: the steps due within this many days (overdue ones go on today).")
@pass_env
def export_contacts(env: Env, kind: str, path: Path, days: int) -> None:
    """Export to PATH: vcard (a .vcf file, or a folder: one card per contact, for khard and
    vdirsyncer), csv (one row per contact), json (a full backup for `crm-tui restore`) or
    ics (the open follow-ups as all-day events with a 09:00 alarm: a .ics file, or a
    folder written as a vdir for khal and vdirsyncer)."""
    with open_store(env, write=False) as store:
        try:
            if kind == "ics":
                from crm_tui.services import reminders

                result = reminders.export(store, env.settings, env.now, path, days)
                for problem in result.problems:
                    click.echo(f"crm-tui: warning: {problem}", err=True)
                click.echo(f"wrote {result.items} follow-up{'s' if result.items != 1 else ''} "
                           f"to {path} ({result.written} file{'s' if result.written != 1 else ''} "
                           f"changed, {result.removed} removed)")
                return
            if kind == "json":
                counts = backup.export_json(store, env.paths, path)
                click.echo(f"wrote {path}: " + ", ".join(f"{n} {name}" for name, n in sorted(counts.items())))
                return
            contacts = store.contacts()
            if kind == "csv":
                count = csvexport.export_csv(contacts, path)
            elif path.is_dir() or path.suffix.lower() != ".vcf":
                count = vcard.export_folder(contacts, path)
            else:
                count = vcard.export_file(contacts, path)
        except OSError as exc:
            fail(f"cannot write {path}: {exc.strerror or exc}")
    click.echo(f"wrote {count} contact{'s' if count != 1 else ''} to {path}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pass_env
def restore(env: Env, file: Path) -> None:
    """Restore a JSON backup (from `crm-tui export json`) into an empty home."""
    with open_store(env, keep_first_screen=True) as store:
        try:
            counts = backup.restore(store, env.paths, file)
        except InteropError as exc:
            fail(str(exc))
    click.echo("restored " + ", ".join(f"{n} {name}" for name, n in sorted(counts.items())))
