"""`crm-tui add` / `crm-tui log` end to end through the command line."""

from __future__ import annotations

import json

from crm_tui.paths import resolve
from crm_tui.store.repository import Store


def test_add_then_log_by_name(run_cli, isolated_home):
    added = run_cli("add", "Ada Lovelace", "--email", "ada@example.org", "--company", "Analytical",
                    "--tag", "math", "--interest", "engines", "--tier", "close")
    assert added.exit_code == 0, added.output
    contact_id = added.output.strip()
    logged = run_cli("log", "ada lovelace", "--in", "--channel", "call", "--note", "Loved the talk",
                     "--at", "2026-03-01T09:30:00+00:00")
    assert logged.exit_code == 0, logged.output
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        contact = store.contact(contact_id)
        assert contact.tier == "close" and contact.tags == ["math"]
        assert contact.last_in == "2026-03-01T09:30:00+00:00"
        (touch,) = store.touches()
        assert (touch.direction, touch.channel, touch.note) == ("in", "call", "Loved the talk")


def test_ambiguous_and_unknown_names_exit_2_with_candidates(run_cli):
    run_cli("add", "Ada Lovelace")
    run_cli("add", "Ada Byron")
    ambiguous = run_cli("log", "Ada")
    assert ambiguous.exit_code == 2
    assert "Ada Lovelace" in ambiguous.output and "Ada Byron" in ambiguous.output
    unknown = run_cli("log", "Grace")
    assert unknown.exit_code == 2
    assert "no contact matches" in unknown.output


def test_log_defaults_to_pinned_now_and_outbound_email(run_cli, isolated_home):
    contact_id = run_cli("add", "Grace Hopper").output.strip()
    assert run_cli("log", contact_id).exit_code == 0
    listed = json.loads(run_cli("list", "--json").output)
    assert listed[0]["last_out"] == "2026-03-02T18:00:00+00:00"


def test_add_rejects_bad_email(run_cli):
    bad = run_cli("add", "X", "--email", "not an email")
    assert bad.exit_code == 2
    assert "email" in bad.output


def test_untrusted_name_is_cleaned_on_the_way_in(run_cli):
    contact_id = run_cli("add", "Eve\x1b]52;c;ZXZpbA==\x07 [bold]x[/]").output.strip()
    listed = json.loads(run_cli("list", "--json").output)
    assert listed[0]["id"] == contact_id
    assert listed[0]["name"] == "Eve [bold]x[/]"


def test_every_subcommand_is_mapped_for_lazy_loading():
    """`crm-tui X` imports only X's module: the map must name every command's module."""
    import click

    from crm_tui.cli import COMMAND_MODULES, _import_all, cli

    _import_all()
    registered = {name: cmd.callback.__module__.rsplit(".", 1)[-1] for name, cmd in cli.commands.items()}
    assert registered == COMMAND_MODULES
    assert all(isinstance(cmd, click.Command) for cmd in cli.commands.values())


def test_global_options_work_after_the_subcommand(run_cli, tmp_path):
    other = tmp_path / "elsewhere"
    assert run_cli("add", "Ada", "--home", str(other)).exit_code == 0
    assert run_cli("log", "Ada", "--note", "--home is a fine note", f"--home={other}").exit_code == 0
    listed = run_cli("list", "--json", "--home", str(other))
    assert '"Ada"' in listed.output
    assert run_cli("list", "--json").output.strip() == "[]"  # the default home is untouched


def test_hoisting_leaves_option_values_and_double_dash_alone():
    from crm_tui.cli import hoist_global_options

    assert hoist_global_options(["log", "A", "--note", "--demo"]) == ["log", "A", "--note", "--demo"]
    assert hoist_global_options(["today", "--json", "--demo"]) == ["--demo", "today", "--json"]
    assert hoist_global_options(["add", "--", "--home", "x"]) == ["add", "--", "--home", "x"]


def test_every_flag_is_known_to_the_hoister():
    """A flag missing from the list would make the hoister take the next word as its value."""
    import click

    from crm_tui.cli import _FLAGS, _import_all, cli

    _import_all()
    flags: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and param.is_flag:
                flags.update(param.opts + param.secondary_opts)
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(cli)
    assert flags <= _FLAGS
