"""`crm-tui log --mail FILE|-`: the touches of one message, piped from a mail client."""

from __future__ import annotations

import os
import stat
import sys
from datetime import UTC, datetime

import click

from crm_tui.cli.common import fail, open_store
from crm_tui.env import Env
from crm_tui.sources import mailread
from crm_tui.sources.mail import apply_messages, my_addresses


def log_mail(env: Env, source: str) -> None:
    me = my_addresses(env.settings)
    if not me:
        fail("no [me] emails configured: add your addresses to config.toml, e.g.\n"
             "  [me]\n  emails = [\"you@example.com\"]")
    cap = env.settings.sources.max_header_bytes
    try:
        if source == "-":
            block = mailread.header_block_of_stream(sys.stdin.buffer, cap)
            fallback, where = env.now.datetime, "<stdin>"
        else:
            fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise mailread.NotMail("not a regular file")
                block = mailread.header_block_fd(fd, cap)
            finally:
                os.close(fd)
            fallback, where = datetime.fromtimestamp(info.st_mtime, UTC), source
        message = mailread.one_message(block, where, me, fallback=fallback,
                                       keep_subjects=env.settings.sources.keep_subjects,
                                       now=env.now.datetime)
    except mailread.NotMail as exc:
        fail(f"{source}: {exc}")
    except OSError as exc:
        fail(f"{source}: {exc.strerror or exc}")
    with open_store(env) as store, store.batch():
        summary = apply_messages(store, [message], env.settings, env.now)
        names = {c.id: c.name for c in store.contacts()}
    if summary.automatic:
        click.echo("not logged: an automatic reply (Auto-Submitted)")
    elif summary.added_in or summary.added_out:
        who = ", ".join(names[c] for c in summary.contact_ids)
        way = "from" if summary.added_in else "to"
        click.echo(f"logged: mail {way} {who}" + (" (a thread step)" if summary.thread_steps else ""))
    elif summary.known:
        click.echo("already logged")
    else:
        click.echo("not logged: this mail is not between you and a contact")
