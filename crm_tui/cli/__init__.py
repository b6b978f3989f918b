"""The `crm-tui` command line (click). Without a subcommand it opens the TUI."""

from __future__ import annotations

import atexit
import importlib
import shutil
import tempfile

import click

from crm_tui import __version__, clock, config, paths
from crm_tui.cli.common import Env, fail


# Which module defines each subcommand: only that one is imported, so a one-shot command
# does not pay for the imports of every other (start-up time matters for `today` in cron).
COMMAND_MODULES = {
    "add": "contacts", "log": "contacts", "list": "contacts",
    "thread": "threads", "today": "threads", "done": "threads", "reply": "threads",
    "snooze": "threads", "skip": "threads", "move-on": "threads",
    "draft": "messages",
    "feeds": "feeds", "articles": "feeds", "share": "feeds",
    "import": "interop", "export": "interop", "restore": "interop",
}


class LazyGroup(click.Group):
    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            module = COMMAND_MODULES.get(name)
            if module:
                importlib.import_module(f"crm_tui.cli.{module}")
            else:
                _import_all()
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _import_all()
        return super().list_commands(ctx)


def _import_all() -> None:
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"crm_tui.cli.{module}")


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar=paths.ENV_HOME,
    help="Folder holding the data and config files (env CRM_TUI_HOME). "
    "Default: your platform's user data and config folders.",
)
@click.option("--demo", is_flag=True, help="Use a fresh temporary copy of the bundled demo data.")
@click.version_option(__version__, prog_name="crm-tui")
@click.pass_context
def cli(ctx: click.Context, home: str | None, demo: bool) -> None:
    """A keyboard-driven terminal CRM: who to ping today, what to say, what to share.

    The clock can be pinned with CRM_TUI_NOW (ISO-8601) for scripts and demos.
    """
    try:
        now = clock.now()
    except ValueError as exc:
        fail(str(exc))
    if demo:
        from crm_tui import demo as demo_data

        home = tempfile.mkdtemp(prefix="crm-tui-demo-")
        atexit.register(shutil.rmtree, home, True)
        demo_data.materialize(paths.resolve(home), now)
    resolved = paths.resolve(home)
    settings = config.load(resolved.config_file)
    ctx.obj = Env(paths=resolved, settings=settings, now=now, demo=demo)
    for problem in settings.problems:
        click.echo(f"crm-tui: warning: {problem}", err=True)
    if ctx.invoked_subcommand is None:
        from crm_tui.cli.tui import run_tui

        run_tui(ctx.obj)


def main() -> None:
    cli(prog_name="crm-tui")

