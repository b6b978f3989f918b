"""Exports: vCard 4.0 (file and folder, read back by our importer and by khard), CSV, JSON
backup and restore (export -> restore -> export is byte-identical)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import arrow
import pytest

from crm_tui import config
from crm_tui.domain.models import Article, Contact, Feed, Share, Thread, Touch
from crm_tui.interop import InteropError, backup, csvexport, vcard
from crm_tui.paths import resolve
from crm_tui.services.importer import import_file
from crm_tui.store.repository import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interop"
# CI installs khard into its own venv and names it in CRM_TUI_KHARD (see .ci/run).
KHARD = os.environ.get("CRM_TUI_KHARD") or shutil.which("khard") or (
    "/tmp/khard-venv/bin/khard" if Path("/tmp/khard-venv/bin/khard").exists() else None)


def fill(store: Store, now: arrow.Arrow) -> None:
    import_file(store, "google", FIXTURES / "google-current.csv", now)
    import_file(store, "vcard", FIXTURES / "vcard-3.vcf", now)
    import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    dana = store.find_contacts("Dana Okafor")[0]
    thread = store.add_thread(Thread(contact_id=dana.id, kind="interview", at=now.shift(days=-2).isoformat(), role="Data lead"))
    feed = store.add_feed(Feed(url="https://example.org/feed.xml", title="Example"))
    article = store.add_article(Article(feed_id=feed.id, title="On pipelines", link="https://example.org/a"))
    touch = store.log_touch(Touch(contact_id=dana.id, at=now.shift(days=-1).isoformat(), thread_id=thread.id,
                                  article_id=article.id, note="Thanks!\nLine two"))
    store.add_share(Share(article_id=article.id, contact_id=dana.id, at=touch.at, touch_id=touch.id))


def test_vcard_file_round_trips_through_our_importer(store, now, tmp_path, paths):
    fill(store, now)
    target = tmp_path / "all.vcf"
    assert vcard.export_file(store.contacts(), target) == len(store.contacts())
    text = target.read_bytes().decode("utf-8")
    assert text.count("BEGIN:VCARD") == len(store.contacts()) and "VERSION:4.0" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded at 75 octets
    with Store.open(tmp_path / "other", today=now) as other:
        report = import_file(other, "vcard", target, now)
        assert not report.errors and len(report.added) == len(store.contacts())
        again = {c.name: c for c in other.contacts()}
    for c in store.contacts():
        back = again[c.name]
        assert (back.email, back.company, back.role, back.tags, back.notes, back.linkedin, back.birthday) == (
            c.email, c.company, c.role, c.tags, c.notes, c.linkedin, c.birthday)


def test_vcard_export_is_stable(store, now, tmp_path):
    fill(store, now)
    vcard.export_folder(store.contacts(), tmp_path / "a")
    vcard.export_folder(store.contacts(), tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(f"{c.id}.vcf" for c in store.contacts())
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)


@pytest.mark.skipif(KHARD is None, reason="khard not installed (pip install khard into any venv to run this)")
def test_khard_reads_the_folder_export(store, now, tmp_path):
    fill(store, now)
    folder = tmp_path / "cards"
    vcard.export_folder(store.contacts(), folder)
    conf = tmp_path / "khard.conf"
    conf.write_text(f"[addressbooks]\n[[crm]]\npath = {folder}\n[general]\ndefault_action = list\n")
    out = subprocess.run([KHARD, "--config", str(conf), "list"], capture_output=True, text=True, timeout=60,
                         env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert out.returncode == 0, out.stderr
    for c in store.contacts():
        assert c.name in out.stdout
    assert "juergen@example.de" in out.stdout


def test_csv_export_stable_columns_and_formula_guard(store, now, tmp_path):
    import_file(store, "linkedin", FIXTURES / "hostile.csv", now)
    store.add_contact(Contact(name="Phone Person", phone="+44 20 7946 0000", tags=["a", "b"]))
    target = tmp_path / "out.csv"
    csvexport.export_csv(store.contacts(), target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == csvexport.COLUMNS
    eve = dict(zip(rows[0], rows[1], strict=False))
    assert eve["company"] == "'=HYPERLINK(\"http://x\")"
    phone = dict(zip(rows[0], rows[2], strict=False))
    assert phone["phone"] == "+44 20 7946 0000" and phone["tags"] == "a; b"


def test_backup_restore_backup_is_byte_identical(store, now, tmp_path, paths):
    fill(store, now)
    paths.config.mkdir(parents=True, exist_ok=True)
    settings = config.Settings()
    settings.me.name = "Sam Rivera"
    config.save(settings, paths.config_file)
    first = tmp_path / "one.json"
    backup.export_json(store, paths, first)
    other = resolve(tmp_path / "home2")
    with Store.open(other.data, today=now) as restored:
        counts = backup.restore(restored, other, first)
        assert counts["contacts"] == len(store.contacts()) and counts["touches"] == len(store.touches())
        assert [c.to_dict() for c in restored.contacts()] == [c.to_dict() for c in store.contacts()]
    with Store.open(other.data, today=now) as reopened:
        assert reopened.recovered == []
        second = tmp_path / "two.json"
        backup.export_json(reopened, other, second)
        assert reopened.add_contact(Contact(name="New")).id == f"c{len(store.contacts()) + 1}"
    assert first.read_bytes() == second.read_bytes()
    assert config.load(other.config_file).me.name == "Sam Rivera"


def test_restore_refuses_a_non_empty_home(store, now, tmp_path, paths):
    fill(store, now)
    target = tmp_path / "b.json"
    backup.export_json(store, paths, target)
    with pytest.raises(InteropError, match="already holds data"):
        backup.restore(store, paths, target)


@pytest.mark.parametrize("content", [b"not json", b'{"format": "other"}', b'{"format": "crm-tui-backup", "version": 99}',
                                     b'{"format": "crm-tui-backup", "version": 1, "tables": {"contacts": [{"name": "x"}]}}'])
def test_restore_rejects_what_is_not_a_backup(store, paths, tmp_path, content):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(InteropError):
        backup.restore(store, paths, path)
    assert store.contacts() == []
