"""A hostile environment: disks that fill, writes that fail (EIO), read-only folders,
readers during recovery, other users on the machine. Every failure is a clear message, a
command fails only when nothing was saved, and the data stays private."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from crm_tui import demo_home
from crm_tui.store import backups, storage
from crm_tui.store.repository import Store
from tests.feeds.helpers import rss

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interop"


class Fault:
    """Make the ``fail_at``-th call of ``os.<name>`` (counted from arming) raise ``code``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, code: int, fail_at: int) -> None:
        self.calls = 0
        self.hit = False
        real = getattr(os, name)

        def faulty(*args, **kwargs):
            self.calls += 1
            if self.calls == fail_at:
                self.hit = True
                raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, faulty)


def touches_of(folder: Path) -> tuple[int, int]:
    """(touches stored, Ada's touch count in the summaries): both or neither saved."""
    with Store.open(folder, readonly=True) as store:
        (ada,) = store.contacts()
        return len(store.touches()), ada.touch_count


@pytest.fixture
def seeded_home(tmp_path, run_cli, isolated_home) -> Path:
    assert run_cli("add", "Ada").exit_code == 0  # (and the day's backup is taken)
    template = tmp_path / "template"
    shutil.copytree(isolated_home, template)
    return template


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
@pytest.mark.parametrize("call", ["write", "fsync", "replace"])
def test_a_failed_log_saved_nothing_and_a_successful_one_everything(
    seeded_home, isolated_home, run_cli, monkeypatch, call, code
):
    """Issue 14.1: a fault at each step of `crm-tui log` in turn. Exit 0 means the touch
    and its summary are saved (once); exit 2 means neither is, and says so."""
    outcomes = set()
    for fail_at in range(1, 60):
        shutil.rmtree(isolated_home)
        shutil.copytree(seeded_home, isolated_home)
        with monkeypatch.context() as patch:
            fault = Fault(patch, call, code, fail_at)
            result = run_cli("log", "Ada", "--note", "hello")  # a traceback fails the test
        data = isolated_home / "data"
        saved = touches_of(data)
        if result.exit_code == 0:
            assert saved == (1, 1), (fail_at, result.output)
            outcomes.add("saved" if not fault.hit else "saved despite the fault")
        else:
            assert result.exit_code == 2, result.output
            assert saved == (0, 0), (fail_at, result.output)
            assert "nothing was saved" in result.output or "previous version is intact" in result.output
            assert os.strerror(code) in result.output and "Traceback" not in result.output
            outcomes.add("refused")
        # Whatever happened, the next writer finds a clean, consistent folder.
        with Store.open(data) as store:
            assert len(store.touches()) == saved[0]
        assert not [p for p in data.iterdir() if p.name.endswith(".tmp") or p.name == storage.JOURNAL]
        if not fault.hit:
            break
    else:
        pytest.fail("the fault never stopped being hit")
    assert "refused" in outcomes and "saved" in outcomes


WRITING_COMMANDS = [
    ("add", "Grace"),
    ("log", "Ada"),
    ("thread", "open", "Ada", "--kind", "interview", "--at", "2026-03-01T10:00"),
    ("import", "linkedin", str(FIXTURES / "linkedin-connections.csv")),
    ("feeds", "refresh"),
]


@pytest.mark.parametrize("args", WRITING_COMMANDS, ids=lambda a: a[0] if a[0] != "feeds" else "feeds-refresh")
def test_a_full_disk_is_a_clear_message_for_every_writing_command(run_cli, monkeypatch, tmp_path, paths, args):
    """Issue 14.3: every write fails with ENOSPC (the lock-owner note too): exit 2, a
    sentence saying so, no traceback, nothing changed."""
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss([{"title": "Python at scale", "link": "https://e.example/1", "guid": "1"}]))
    assert run_cli("add", "Ada").exit_code == 0
    assert run_cli("feeds", "add", str(feed)).exit_code == 0
    before = {p.name: p.read_bytes() for p in paths.data.glob("*.json")}

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    result = run_cli(*args)
    monkeypatch.undo()
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output
    assert "nothing was saved" in result.output or "previous version is intact" in result.output
    after = {p.name: p.read_bytes() for p in paths.data.glob("*.json")}
    assert after == before


def test_a_failed_lock_owner_note_is_not_fatal(run_cli, paths):
    assert run_cli("add", "Ada").exit_code == 0
    (paths.data / ".lock.owner").mkdir()  # the note cannot be written (EISDIR)
    assert run_cli("add", "Grace").exit_code == 0
    assert "Grace" in run_cli("list").output


def test_a_failed_backup_warns_leaves_no_partial_and_carries_on(run_cli, paths, monkeypatch):
    assert run_cli("add", "Ada").exit_code == 0
    assert run_cli("add", "Bob").exit_code == 0  # (the first open with files: today's backup)
    real = shutil.copy2

    def disk_fills(src, dst, *args, **kwargs):
        Path(dst).write_bytes(b"half")  # a part of the copy got written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copy2", disk_fills)
    result = run_cli("add", "Grace", env={"CRM_TUI_NOW": "2026-03-03T09:00:00+00:00"})
    monkeypatch.setattr(shutil, "copy2", real)
    assert result.exit_code == 0
    assert "could not take today's backup (the disk is full)" in result.output
    assert "Traceback" not in result.output
    root = paths.data / "backups"
    assert sorted(p.name for p in root.iterdir()) == ["2026-03-02"]  # no .partial, no half day
    assert "Grace" in run_cli("list").output
    # The next day's first open tries again and succeeds.
    assert run_cli("add", "Lin", env={"CRM_TUI_NOW": "2026-03-04T09:00:00+00:00"}).exit_code == 0
    assert sorted(p.name for p in root.iterdir()) == ["2026-03-02", "2026-03-04"]
    assert backups.listed(paths.data)[0].name == "2026-03-04"


def test_eio_on_the_renames_after_the_journal_is_saved_with_a_warning(run_cli, paths, monkeypatch):
    """Once the journal is written the import is saved: a failure to move the files into
    place is a warning, readers see the import, and the next writer finishes it."""
    assert run_cli("add", "Ada").exit_code == 0
    real = os.replace

    def eio_on_renames(src, dst, *args, **kwargs):
        if Path(dst).name != storage.JOURNAL and str(src).endswith(storage.TMP_SUFFIX) and (
            Path(dst).parent / storage.JOURNAL
        ).exists():
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", eio_on_renames)
    result = run_cli("import", "linkedin", str(FIXTURES / "linkedin-connections.csv"))
    monkeypatch.setattr(os, "replace", real)
    assert result.exit_code == 0, result.output
    assert "the changes were saved, but putting the files in place" in result.output
    assert "Traceback" not in result.output
    assert (paths.data / storage.JOURNAL).exists()
    listed = json.loads(run_cli("list", "--json").output)  # a reader applies the journal
    assert len(listed) > 1
    assert (paths.data / storage.JOURNAL).exists()  # ... without changing anything
    assert run_cli("add", "Grace").exit_code == 0  # the next writer finishes it
    assert not (paths.data / storage.JOURNAL).exists()
    assert len(json.loads(run_cli("list", "--json").output)) == len(listed) + 1


def test_a_reader_during_recovery_sees_what_recovery_produces(run_cli, paths, now, tmp_path):
    """Issue 14.2: after a crash between a batch's journal and its renames, a read-only
    command shows exactly the state the next writable open then produces."""
    assert run_cli("add", "Ada").exit_code == 0
    newer = tmp_path / "newer-home" / "data"
    shutil.copytree(paths.data, newer)
    assert run_cli("--home", str(newer.parent), "import", "linkedin",
                   str(FIXTURES / "linkedin-connections.csv")).exit_code == 0
    entries = []
    for path in sorted(newer.glob("*.json")):
        if (paths.data / path.name).exists() and (paths.data / path.name).read_bytes() == path.read_bytes():
            continue
        temp = f".{path.name}.4242{storage.TMP_SUFFIX}"
        shutil.copy2(path, paths.data / temp)
        entries.append([temp, path.name])
    assert len(entries) >= 2
    (paths.data / storage.JOURNAL).write_text(json.dumps(entries))
    before = sorted(p.name for p in paths.data.iterdir())

    read = run_cli("list", "--json")
    assert read.exit_code == 0
    assert sorted(p.name for p in paths.data.iterdir()) == before  # the reader changed nothing
    with Store.open(paths.data, readonly=True) as reader:
        seen = reader.export_tables()
    with Store.open(paths.data, today=now) as writer:  # recovery
        assert "finished saving changes a crash had interrupted" in writer.recovered
        recovered = writer.export_tables()
    assert seen == recovered
    assert orjson.loads(read.output) == orjson.loads(run_cli("list", "--json").output)


# ------------------------------------------------------------------ read-only folder
@contextlib.contextmanager
def read_only_mount(folder: Path) -> Iterator[None]:
    """``folder`` bind-mounted read-only on itself: even root cannot write in it."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) for a read-only bind mount")
    made = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {made.stderr.decode().strip()}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_reads_and_refuses_writes_clearly(run_cli, paths, tmp_path):
    assert run_cli("add", "Ada").exit_code == 0
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss([{"title": "Python at scale", "link": "https://e.example/1", "guid": "1"}]))
    assert run_cli("feeds", "add", str(feed)).exit_code == 0
    before = {p.name: p.read_bytes() for p in paths.data.iterdir() if p.is_file()}
    with read_only_mount(paths.data):
        assert "Ada" in run_cli("list").output
        for args in (("add", "Grace"), ("log", "Ada"),
                     ("import", "linkedin", str(FIXTURES / "linkedin-connections.csv")),
                     ("feeds", "refresh")):
            result = run_cli(*args)
            assert result.exit_code == 2, (args, result.output)
            assert f"the data folder {paths.data} is read-only" in result.output
            assert "nothing was saved" in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in paths.data.iterdir() if p.is_file()} == before


def test_the_tui_on_a_read_only_folder_opens_read_only_with_a_banner(paths, now, run_cli):
    from crm_tui import config
    from crm_tui.cli.tui import make_app
    from crm_tui.env import Env

    assert run_cli("add", "Ada").exit_code == 0
    env = Env(paths=paths, settings=config.load(paths.config_file), now=now)
    with read_only_mount(paths.data):
        app = make_app(env)
        try:
            assert app.store.readonly and "is read-only" in (app.ctx.readonly_reason or "")
            assert app.ctx.refuse_if_readonly()
        finally:
            app.store.close()


# ------------------------------------------------------------------ private
@pytest.fixture
def default_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def modes(folder: Path) -> dict[str, int]:
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in [".", *dirs, *files]:
            path = Path(root) / name if name != "." else Path(root)
            found[str(path.relative_to(folder))] = path.stat().st_mode & 0o777
    return found


def test_the_data_folder_and_everything_in_it_is_private(run_cli, paths, tmp_path, default_umask):
    assert run_cli("add", "Ada").exit_code == 0
    assert run_cli("log", "Ada").exit_code == 0
    found = modes(paths.data)
    assert {".lock", ".generation", "contacts.json", "backups", "backups/2026-03-02"} <= set(found)
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if (paths.data / name).is_dir() else 0o600)}
    assert wrong == {}
    for kind, target in (("json", tmp_path / "b.json"), ("csv", tmp_path / "c.csv"), ("vcard", tmp_path / "d.vcf")):
        assert run_cli("export", kind, str(target)).exit_code == 0
        assert target.stat().st_mode & 0o777 == 0o600, kind


def test_an_open_folder_is_made_private_on_open_with_a_notice(run_cli, paths, default_umask):
    assert run_cli("add", "Ada").exit_code == 0
    for root, _dirs, files in os.walk(paths.data):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(Path(root) / name, 0o644)
    result = run_cli("add", "Grace")
    assert result.exit_code == 0
    assert f"note: made {paths.data} private" in result.output
    assert all(mode & 0o077 == 0 for mode in modes(paths.data).values())
    assert "private" not in run_cli("add", "Lin").output  # said once


# ------------------------------------------------------------------ demo homes
def test_stale_demo_homes_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{demo_home.PREFIX}stale"
    live = tmp_path / f"{demo_home.PREFIX}live"
    old_unmarked = tmp_path / f"{demo_home.PREFIX}old"
    new_unmarked = tmp_path / f"{demo_home.PREFIX}new"
    for home in (stale, live, old_unmarked, new_unmarked):
        (home / "data").mkdir(parents=True)
    (stale / demo_home.OWNER).write_text(f"{dead.pid} 1\n")
    (live / demo_home.OWNER).write_text(f"{os.getpid()} {demo_home._start_time(os.getpid())}\n")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_unmarked, (two_days_ago, two_days_ago))
    removed = demo_home.clean_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted([stale.name, old_unmarked.name])
    assert live.exists() and new_unmarked.exists()


def test_the_next_demo_removes_a_killed_demos_home(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("CRM_TUI_HOME", None)
    # A --demo killed with SIGKILL: its home stays behind (simulated by a dead owner).
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f"{demo_home.PREFIX}killed"
    (left / "data").mkdir(parents=True)
    (left / demo_home.OWNER).write_text(f"{dead.pid} 1\n")
    done = subprocess.run([sys.executable, "-m", "crm_tui", "--demo", "list"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not left.exists()
    assert not list(tmp_path.glob(f"{demo_home.PREFIX}*"))  # its own removed at exit too


def test_an_io_error_while_finishing_a_committed_save_is_a_sentence(run_cli, paths, monkeypatch):
    assert run_cli("add", "Ada").exit_code == 0
    real = os.replace

    def eio_after_journal(src, dst, *args, **kwargs):
        if Path(dst).name != storage.JOURNAL and (Path(dst).parent / storage.JOURNAL).exists():
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", eio_after_journal)
    assert run_cli("log", "Ada").exit_code == 0  # saved (journal), with a warning
    result = run_cli("add", "Grace")  # must finish it first, and cannot
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "could not finish saving changes" in result.output and "Input/output error" in result.output
    listed = json.loads(run_cli("list", "--json").output)  # reading still works, with the touch
    assert [c["name"] for c in listed] == ["Ada"] and listed[0]["touch_count"] == 1
    monkeypatch.setattr(os, "replace", real)
    assert run_cli("add", "Grace").exit_code == 0
    assert not (paths.data / storage.JOURNAL).exists()
