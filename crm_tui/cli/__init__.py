"""The `crm-tui` command line (click). Without a subcommand it opens the TUI."""

from __future__ import annotations

import atexit
import importlib
import shutil

import click

from crm_tui import __version__, clock, config, paths
from crm_tui.cli.common import fail
from crm_tui.env import Env

# Which module defines each subcommand: only that one is imported, so a one-shot command
# does not pay for the imports of every other (start-up time matters for `today` in cron).
COMMAND_MODULES = {
    "add": "contacts", "log": "contacts", "list": "contacts", "edit": "edit",
    "thread": "threads", "today": "threads", "done": "threads", "reply": "threads",
    "snooze": "threads", "skip": "threads", "move-on": "threads",
    "draft": "messages",
    "feeds": "feeds", "articles": "feeds", "share": "feeds",
    "import": "interop", "export": "interop", "restore": "interop",
    "undo": "history", "redo": "history", "touches": "history", "touch": "history",
    "sync": "sync", "correspondents": "correspondents",
}


class LazyGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

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


def hoist_global_options(args: list[str]) -> list[str]:
    """Let `--home DIR` and `--demo` stand anywhere (`crm-tui today --home DIR`), not only
    before the subcommand, by moving them to the front. Nothing after `--` is touched, and
    the value of another option (e.g. `--note --demo`) is left alone."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--home" and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if arg.startswith("--home=") or arg == "--demo":
            front.append(arg)
            i += 1
            continue
        rest.append(arg)
        if arg.startswith("-") and arg not in _FLAGS and "=" not in arg and i + 1 < len(args):
            rest.append(args[i + 1])  # that option's value, whatever it looks like
            i += 1
        i += 1
    return front + rest


# Flags (options without a value) that may precede a global option.
_FLAGS = frozenset({"--demo", "--json", "--in", "--all", "--dry-run", "--print", "--asked",
                    "--rejected", "--paid", "--open", "--out", "--first", "--no-check",
                    "--noted", "--rescan", "-h", "--help", "--version", "--count",
                    "--even-if-dormant", "--not-if-dormant", "--no-contact"})


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
        from crm_tui import demo_home
        from crm_tui.services import demo as demo_data

        home = str(demo_home.make())  # (also removes the homes of demos that were killed)
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
    from crm_tui.cli import common

    common.console_script()
    try:
        cli(prog_name="crm-tui")
    except SystemExit as exc:
        if common.quick_exit_asked():
            common.leave(exc.code)
        raise

