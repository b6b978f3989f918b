"""`crm-tui feeds refresh` ends its process without the interpreter's teardown
(cli.common.leave): what it printed is all there, what it saved is on disk, its parse
workers are gone (none holds the output pipe open), atexit handlers still ran. It also
freezes the collector's view of what exists before fetching (cli.common.freeze_what_exists),
in the console script's process only."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import arrow

from crm_tui.cli import common
from crm_tui.domain.models import Feed
from crm_tui.paths import resolve
from crm_tui.store.repository import Store
from tests.feeds.helpers import simple_rss

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-03-02T18:00:00+00:00"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crm_tui", *args], env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, text=True, timeout=120)


def test_a_refresh_through_the_console_script_saves_prints_and_leaves_no_worker(tmp_path):
    home = tmp_path / "home"
    paths = resolve(home)
    with Store.open(paths.data, today=arrow.get(NOW)) as store, store.batch():
        for i in range(6):  # enough feeds for the parse pool (where there are 2+ cores)
            feed_file = tmp_path / f"feed{i}.xml"
            feed_file.write_bytes(simple_rss(3, prefix=f"f{i}"))
            store.add_feed(Feed(url=str(feed_file)))
    # (capture_output: a worker left alive would hold the pipes open and this would time out)
    done = _run(["feeds", "refresh", "--json"], {"CRM_TUI_HOME": str(home), "CRM_TUI_NOW": NOW})
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["fetched"] == 6 and summary["new_articles"] == 18
    with Store.open(paths.data, readonly=True, today=arrow.get(NOW)) as store:
        assert len(store.articles()) == 18
    again = _run(["feeds", "refresh"], {"CRM_TUI_HOME": str(home), "CRM_TUI_NOW": NOW})
    assert again.returncode == 0 and again.stdout.strip() == "0 fetched, 6 not modified, 0 failed; 0 new articles"


def test_atexit_handlers_still_run_a_demo_home_is_removed(tmp_path):
    env = {"TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "crm_tui", "--demo", "feeds", "refresh"],
                          env={k: v for k, v in {**os.environ, "PYTHONPATH": str(ROOT), **env}.items()
                               if k != "CRM_TUI_HOME"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "not modified" in done.stdout
    assert not list(tmp_path.glob("crm-tui-demo-*"))


def test_a_failure_keeps_its_exit_status(tmp_path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "data").write_text("a file where the data folder should be")
    done = _run(["feeds", "refresh"], {"CRM_TUI_HOME": str(home)})
    assert done.returncode == common.EXIT_USAGE, (done.returncode, done.stderr)
    assert done.stderr.startswith("crm-tui: ")


def test_in_process_commands_are_not_ended_nor_freeze_the_collector(run_cli):
    frozen = gc.get_freeze_count()
    assert run_cli("feeds", "refresh").exit_code == 0  # CliRunner: main() is not involved
    assert common.quick_exit_asked()  # asked, and only main() acts on it
    assert gc.get_freeze_count() == frozen  # a test session's garbage is still collected
