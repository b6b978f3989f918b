"""Importers: each format and quirk, bad input, cleaning, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_tui.interop import InteropError
from crm_tui.interop.decode import decode
from crm_tui.services.importer import import_file
from crm_tui.store.repository import Store

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interop"


def by_name(store: Store) -> dict[str, object]:
    return {c.name: c for c in store.contacts()}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


# ----------------------------------------------------------------- LinkedIn
def test_linkedin_preamble_quotes_newlines_emoji_and_first_touch(store, now):
    report = import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    assert (len(report.added), len(report.updated), len(report.errors)) == (4, 0, 0)
    people = by_name(store)
    dana = people["Dana Okafor 🚀"]
    assert dana.company == "Larkspur Analytics, Inc."
    assert dana.linkedin == "https://www.linkedin.com/in/dana-okafor"
    assert people["Lee Halvorsen"].role == "Analyst, Risk (London)"  # quoted newline, one line
    assert people["Zoë Åkesson ✨"].linkedin == "https://www.linkedin.com/in/zoe-akesson"
    assert people["Priya Raman"].role == 'Head of "Climate" Data'
    touches = store.touches(contact_ids=[dana.id])
    assert [(t.at, t.direction, t.channel, t.note, t.step) for t in touches] == [
        ("2024-10-09T12:00:00+00:00", "in", "linkedin", "Connected on LinkedIn", None)
    ]
    assert dana.last_in == "2024-10-09T12:00:00+00:00" and dana.touch_count == 1
    assert report.added[0].line == 5 and report.added[2].line == 8  # row 2 spans two lines


def test_linkedin_old_export_without_url(store, now):
    report = import_file(store, "linkedin", FIXTURES / "linkedin-old.csv", now)
    assert len(report.added) == 2
    assert by_name(store)["Marco Bellini"].last_in == "2019-06-03T12:00:00+00:00"


def test_linkedin_malformed_rows_reported_with_lines_rest_imported(store, now):
    report = import_file(store, "linkedin", FIXTURES / "linkedin-malformed.csv", now)
    assert [(p.line, p.message.split(" ")[0]) for p in report.errors] == [(6, "8"), (7, "Connected"), (8, "no")]
    assert sorted(by_name(store)) == ["Dana Okafor", "Nadia Qureshi (she/her)"]


def test_linkedin_job_change_recorded_and_company_updated(store, now):
    import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    report = import_file(store, "linkedin", FIXTURES / "linkedin-job-change.csv", now.shift(days=30))
    assert report.job_changes == 2 and len(report.updated) == 2 and len(report.added) == 0
    dana = by_name(store)["Dana Okafor 🚀"]
    assert (dana.company, dana.role) == ("Mossgate Software", "Staff Data Engineer")
    assert dana.job_changes == [{
        "at": now.shift(days=30).isoformat(), "company": "Mossgate Software", "role": "Staff Data Engineer",
        "prev_company": "Larkspur Analytics, Inc.", "prev_role": "Data Engineer", "congratulated": False,
    }]
    priya = by_name(store)["Priya Raman"]
    assert priya.job_changes[0]["prev_role"] == 'Head of "Climate" Data' and priya.role == "VP Data"
    assert len(store.touches(contact_ids=[dana.id])) == 1  # no second "connected" touch
    again = import_file(store, "linkedin", FIXTURES / "linkedin-job-change.csv", now.shift(days=31))
    assert again.job_changes == 0 and not again.changed


# ----------------------------------------------------------------- Google
def test_google_current_layout(store, now):
    report = import_file(store, "google", FIXTURES / "google-current.csv", now)
    assert len(report.added) == 3 and not report.errors
    dana = by_name(store)["Dana Okafor"]
    assert dana.tags == ["python", "data engineering"]  # minus "* myContacts"
    assert dana.notes == "Met at PyCon, talked about dbt.\nLikes cycling."
    assert (dana.phone, dana.extra["phones"]) == ("+44 7700 900123", ["+44 20 7946 0000"])
    assert dana.emails[1:] == ["dana@home.example"] and "emails" not in dana.extra
    assert dana.birthday == "1990-04-12" and dana.linkedin.endswith("/dana-okafor")
    assert dana.extra["google"]["Address 1 - Formatted"] == "1 Example Row\nLondon"  # never lost
    assert dana.extra["google"]["Organization Department"] == "Platform"
    tomas = by_name(store)["Tomás Ferreira"]
    assert tomas.emails == ["tomas@example.com", "t.ferreira@example.org"]
    assert tomas.tags == ["starred", "media"] and tomas.birthday == "--06-30"
    assert by_name(store)["Harborline Insurance"].company == "Harborline Insurance"
    assert store.touches() == []  # Google has no "connected on"


def test_google_legacy_layout(store, now):
    import_file(store, "google", FIXTURES / "google-legacy.csv", now)
    marco = by_name(store)["Marco Bellini"]
    assert (marco.company, marco.role, marco.tags) == ("Kestrel Logistics", "COO", ["Friends"])
    assert marco.extra["google"]["Hobby"] == "cycling"
    assert by_name(store)["Amara Nwosu"].tags == ["fintech"]


def test_google_malformed(store, now):
    report = import_file(store, "google", FIXTURES / "google-malformed.csv", now)
    assert [p.line for p in report.errors] == [3, 4]
    assert sorted(by_name(store)) == ["Ines Moreau", "Kofi Mensah"]


# ----------------------------------------------------------------- vCard
def test_vcard_3_folding_quoted_printable_non_ascii(store, now):
    report = import_file(store, "vcard", FIXTURES / "vcard-3.vcf", now)
    assert len(report.added) == 2
    j = by_name(store)["Jürgen Müller"]
    assert j.notes == "Met at a meetup, talked about vector search.\nFollow up in spring."
    assert (j.company, j.role, j.birthday) == ("Cobalt & Finch", "Principal Researcher", "1979-02-14")
    assert j.tags == ["machine learning", "open source"]
    assert j.linkedin == "https://www.linkedin.com/in/juergen-mueller"
    assert j.extra["phones"] == ["+49 30 0000000"] and "Berlin" in j.extra["vcard"]["ADR"][0]
    amelie = by_name(store)["Amélie Lefèvre"]
    assert amelie.notes == "Café near the office\nLikes long walks and photography."


def test_vcard_with_a_group_on_begin_and_end(store, now, tmp_path):
    """vobject reads "home.begin:vcard" (a property group on BEGIN); so do we (was: "not a vCard")."""
    path = tmp_path / "groups.vcf"
    path.write_text("home.begin:vcard\nversion:3.0\nfn:Meister Berger\nemail;internet:mb@example.de\nhome.end:vcard\n")
    report = import_file(store, "vcard", path, now)
    assert len(report.added) == 1 and by_name(store)["Meister Berger"].emails == ["mb@example.de"]


def test_vcard_4_social_profile_and_partial_birthday(store, now):
    import_file(store, "vcard", FIXTURES / "vcard-4.vcf", now)
    hana = by_name(store)["Hana Sato"]
    assert hana.linkedin == "https://www.linkedin.com/in/hana-sato"
    assert (hana.birthday, hana.phone) == ("--04-12", "+81-90-0000-0000")
    assert hana.notes == "Prefers email. [bold]not markup[/bold]"  # kept inert, as text


def test_vcard_folder(store, now):
    report = import_file(store, "vcard", FIXTURES / "vcard-folder", now)
    assert sorted(e.name for e in report.added) == ["Kari Nordmann", "Ola Nordmann", "Per Hansen"]


def test_vcard_malformed_cards_skipped_with_lines(store, now):
    report = import_file(store, "vcard", FIXTURES / "vcard-malformed.vcf", now)
    assert [p.line for p in report.errors] == [6, 11, 20]
    assert sorted(by_name(store)) == ["Another Good", "Good Person"]


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("linkedin", "binary.csv", "binary"),
        ("google", "binary.csv", "binary"),
        ("vcard", "empty.csv", "empty"),
        ("linkedin", "empty.csv", "empty"),
        ("linkedin", "vcard-3.vcf", "use `import vcard`"),
        ("linkedin", "google-current.csv", "not a LinkedIn"),
        ("google", "linkedin-connections.csv", "use `import linkedin`"),
        ("vcard", "google-current.csv", "not a vCard"),
        ("linkedin", "does-not-exist.csv", "does not exist"),
    ],
)
def test_file_level_errors_are_clear_and_change_nothing(store, paths, now, kind, name, expected):
    before = snapshot(paths.data)
    with pytest.raises(InteropError, match=expected.replace("`", ".").replace("(", ".")):
        import_file(store, kind, FIXTURES / name, now)
    assert snapshot(paths.data) == before and store.contacts() == []


@pytest.mark.parametrize("name", ["linkedin-cp1252.csv", "linkedin-utf16.csv"])
def test_other_encodings(store, now, name):
    import_file(store, "linkedin", FIXTURES / name, now)
    renee = by_name(store)["Renée Dubois"]
    assert (renee.company, renee.role) == ("Société Générale Test", "Ingénieure")


def test_decode_bom_and_latin1():
    assert decode("\ufeffFirst Name".encode("utf-8")) == "First Name"
    assert decode("Zoë".encode("utf-16-le")) == "Zoë"  # no BOM: told by the NUL pattern
    assert decode("Åsa".encode("latin-1")) == "Åsa"


def test_imported_text_is_cleaned(store, now):
    import_file(store, "linkedin", FIXTURES / "hostile.csv", now)
    (eve,) = store.contacts()
    assert eve.name == "Eve[bold] Mallory"  # RLO, OSC 52 and BEL gone; brackets kept (shown inert)
    assert "\x1b" not in repr(eve.to_dict()) and "\u202e" not in eve.name
    assert eve.role == "[red]Boss[/red]"


# ----------------------------------------------------------------- all-or-nothing
def test_failure_halfway_through_writing_leaves_store_as_it_was(store, paths, now, monkeypatch):
    import_file(store, "google", FIXTURES / "google-legacy.csv", now)
    before = snapshot(paths.data)
    contacts_before = [c.to_dict() for c in store.contacts()]

    def boom(touches):
        raise OSError("disk full (injected)")

    # Contacts are written into the batch first, then the touches fail.
    monkeypatch.setattr(store, "log_touches", boom)
    with pytest.raises(OSError, match="injected"):
        import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    assert snapshot(paths.data) == before
    assert [c.to_dict() for c in store.contacts()] == contacts_before


def test_failure_on_fifth_record_leaves_store_as_it_was(store, paths, now, monkeypatch, tmp_path):
    import_file(store, "vcard", FIXTURES / "vcard-4.vcf", now)
    before = snapshot(paths.data)
    real = store.save_contacts
    saved: list[str] = []

    def one_by_one(added=(), updated=()):
        # Save each new contact on its own and fail on the 5th, so four are already
        # written into the batch when the failure comes (independent of store internals).
        for contact in list(added):
            if len(saved) == 4:
                raise RuntimeError("injected failure on the 5th record")
            real(added=[contact])
            saved.append(contact.id)
        return list(added)

    monkeypatch.setattr(store, "save_contacts", one_by_one)
    rows = [f"Person,Number {i},,p{i}@example.org,Parallax Labs,Engineer,0{i} Jan 2024" for i in range(1, 9)]
    big = tmp_path / "eight.csv"
    big.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + "\n".join(rows) + "\n")
    with pytest.raises(RuntimeError, match="5th"):
        import_file(store, "linkedin", big, now)
    assert len(saved) == 4  # four were written into the batch before the failure
    assert snapshot(paths.data) == before
    assert [c.name for c in store.contacts()] == ["Hana Sato"]
    assert store.touches() == []
