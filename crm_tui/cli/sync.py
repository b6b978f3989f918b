"""`crm-tui sync [PATH...]`: touches from mail (and every other kind of source)."""

from __future__ import annotations

from typing import Any

import click

from crm_tui.cli import cli
from crm_tui.cli.common import echo_json, fail, open_store, pass_env
from crm_tui.env import Env
from crm_tui.sources import sync as syncing
from crm_tui.sources.base import SourceConfigError


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Read and count, save nothing.")
@click.option("--rescan", is_flag=True,
              help="Read every message again, not only new ones (nothing is logged twice).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_env
def sync(env: Env, paths: tuple[str, ...], dry_run: bool, rescan: bool, as_json: bool) -> None:
    """Log touches from your mail: Maildirs, folders of Maildirs, mbox files.

    Without PATHs, reads [sources] mail from config.toml. Only headers are read, and only
    what is new since the last sync.
    """
    try:
        work = syncing.plan(env.settings, list(paths))
    except SourceConfigError as exc:
        fail(str(exc))
    # What was read before comes from a read-only store: no lock while the files are read.
    if rescan or not env.paths.data.exists():
        snapshots: dict[str, Any] = {kind.name: {} for kind, _ in work.work}
    else:
        with open_store(env, write=False) as store:
            snapshots = syncing.snapshot(store, work)
    scanned = syncing.scan(work, snapshots, env.settings, env.now)
    report = syncing.idle(work, scanned, snapshots, dry_run)
    if report is None:  # something to write: now, and only now, the lock
        with open_store(env) as store:
            report = syncing.apply(store, work, scanned, env.settings, env.now, dry_run=dry_run)
    if as_json:
        echo_json(report.to_json())
    else:
        for line in report.lines():
            click.echo(line)
