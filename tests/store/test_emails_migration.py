"""Schema 2: a contact's addresses are one list. Migration from schema 1, the CLI, imports."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from crm_tui.services.importer import import_file
from crm_tui.store import schema
from crm_tui.store.repository import Store

V1_CONTACTS = {
    "_meta": {"next_id": 3},
    "_schema": 1,
    "contacts": {
        "1": {"name": "Tomás Ferreira", "email": "tomas@example.com",
              "extra": {"emails": ["T.Ferreira@example.org", "TOMAS@example.com"], "google": {"x": "y"}}},
        "2": {"name": "Nobody Mailable"},
        "3": {"name": "Only Extra", "extra": {"emails": ["only@example.net"]}},
    },
}


def _write_v1(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "contacts.json").write_bytes(orjson.dumps(V1_CONTACTS, option=orjson.OPT_INDENT_2))
    (folder / "threads.json").write_bytes(b'{"_schema": 1, "threads": {}}')


def test_schema_1_contacts_migrate_to_one_list_of_addresses(paths, now):
    _write_v1(paths.data)
    with Store.open(paths.data, today=now) as store:
        tomas, nobody, extra_only = (store.contact(f"c{i}") for i in (1, 2, 3))
        assert tomas.emails == ["tomas@example.com", "T.Ferreira@example.org"]
        assert tomas.email == "tomas@example.com" and tomas.extra == {"google": {"x": "y"}}
        assert nobody.emails == [] and nobody.email == ""
        assert extra_only.emails == ["only@example.net"] and extra_only.extra == {}
    raw = json.loads((paths.data / "contacts.json").read_text())
    assert raw["_schema"] == schema.VERSION == 2
    assert raw["contacts"]["1"]["emails"] == ["tomas@example.com", "T.Ferreira@example.org"]
    assert "email" not in raw["contacts"]["1"]
    (backup,) = (paths.data / "backups").glob("pre-migration-*")
    assert json.loads((backup / "contacts.json").read_text()) == V1_CONTACTS


def test_old_backup_documents_restore_with_their_addresses(paths, now):
    from crm_tui.domain.models import Contact

    contact = Contact.from_dict({"name": "Ada", "email": "ada@example.org",
                                 "extra": {"emails": ["ada@home.example"]}})
    assert contact.emails == ["ada@example.org", "ada@home.example"]
    again = Contact.from_dict(contact.to_dict())  # to_dict carries "email" for JSON readers
    assert again.emails == contact.emails and again.to_dict() == contact.to_dict()


def test_add_takes_several_emails_and_sync_knows_them_all(run_cli, isolated_home, tmp_path):
    from tests.sources.maildirs import ME, configure, deliver, message

    configure(isolated_home)
    added = run_cli("add", "Ada Lovelace", "--email", "ada@work.example", "--email", "Ada@Home.example",
                    "--email", "ADA@work.example", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["emails"] == ["ada@work.example", "Ada@Home.example"]
    assert run_cli("add", "X", "--email", "not-an-address").exit_code == 2
    deliver(tmp_path / "Mail" / "INBOX", message("ada@home.example", ME, "from home",
                                                 "Mon, 2 Mar 2026 09:00:00 +0000", "h@x"))
    out = json.loads(run_cli("sync", str(tmp_path / "Mail"), "--json").output)
    assert out["mail"]["touches_added"] == {"out": 0, "in": 1}


def test_imports_merge_on_any_of_a_contacts_addresses(store, now, tmp_path):
    from crm_tui.domain.models import Contact

    store.add_contact(Contact(name="Dana Okafor", emails=["dana@work.example", "dana@home.example"]))
    card = tmp_path / "dana.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana O.\r\nEMAIL:DANA@HOME.EXAMPLE\r\n"
                    "EMAIL:dana@third.example\r\nTEL:+44 1\r\nEND:VCARD\r\n", encoding="utf-8")
    report = import_file(store, "vcard", card, now)
    assert not report.added and len(report.updated) == 1
    (dana,) = store.contacts()
    assert dana.emails == ["dana@work.example", "dana@home.example", "dana@third.example"]
