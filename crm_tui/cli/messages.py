"""`crm-tui draft`: the suggested message for a contact, ready to paste."""

from __future__ import annotations

import click

from crm_tui.cli import cli
from crm_tui.cli.common import (
    check,
    echo_json,
    fail,
    open_store,
    pass_env,
    resolve_contact,
    resolve_thread,
)
from crm_tui.domain import drafts, template_library, validate
from crm_tui.domain.models import CHANNELS, STEPS
from crm_tui.env import Env


@cli.command()
@click.argument("contact")
@click.option("--thread", "thread_id", default=None, help="The thread the message is about.")
@click.option("--step", default=None, metavar="STEP",
              help=f"The step to write for (default: the contact's most urgent). "
                   f"One of: {', '.join(STEPS)}.")
@click.option("--article", "article_id", default=None,
              help="An article id to share (implies --step share-article).")
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="Write for this channel (default: the step's, or what the contact has).")
@click.option("--variant", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which variant of the template (1 = the best fit; `--json` says how many).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: subject, body, channel, step, variant, variants, words.")
@pass_env
def draft(env: Env, contact: str, thread_id: str | None, step: str | None, article_id: str | None,
          channel: str | None, variant: int, as_json: bool) -> None:
    """Print the message suggested for CONTACT (an id or a unique name).

    Emails print a subject line, a blank line, then the body. Templates can be added or
    replaced in templates.toml in the config folder (see docs/templates.md).
    """
    from crm_tui.services import drafting

    if step is not None and step not in STEPS:
        fail(f"unknown step {step!r}; valid steps: {', '.join(STEPS)}")
    library, problems = template_library.load_library(env.paths.templates_file)
    for problem in problems:
        click.echo(f"crm-tui: warning: {problem}", err=True)
    with open_store(env, write=False) as store:
        person = resolve_contact(store, contact)
        thread = resolve_thread(store, thread_id) if thread_id else None
        if thread is not None and person.id not in (thread.contact_id, thread.via) \
                and person.id not in thread.interviewers:
            fail(f"thread {thread.id} is not with {person.name}")
        article = None
        if article_id:
            article = store.article(article_id)
            if article is None:
                fail(f"no article {article_id!r}")
        result = drafting.draft_for(store, env.settings, env.now, person, step=step, thread=thread,
                                    article=article, channel=channel, variant=variant - 1,
                                    library=library)
    check(validate.variant(variant, result.variants))
    if as_json:
        echo_json({
            "subject": result.subject,
            "body": result.body,
            "channel": result.channel,
            "step": result.step,
            "variant": result.variant + 1,
            "variants": result.variants,
            "words": result.words,
            "warnings": result.warnings,
        })
        return
    for warning in result.warnings:
        click.echo(f"crm-tui: warning: {warning}", err=True)
    if result.over_limit:
        click.echo(f"crm-tui: note: {result.words} words; shorter notes get more replies "
                   f"(aim for {drafts.WORD_LIMIT} or fewer)", err=True)
    if result.hint:
        click.echo(f"crm-tui: note: {result.hint}", err=True)
    if not env.settings.me.name.strip():
        click.echo("crm-tui: note: no [me] name in config.toml, so the message is not signed "
                   "(the TUI's composer asks for it once)", err=True)
    click.echo(drafts.as_text(result))
