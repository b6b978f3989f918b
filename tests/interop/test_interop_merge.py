"""Merge rules: matching, keeping what the user typed, dry run, re-import no-op."""

from __future__ import annotations

from pathlib import Path

from crm_tui.domain.models import Contact, Thread, Touch
from crm_tui.services.importer import import_file

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interop"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def test_match_by_email_keeps_everything_typed(store, now, tmp_path):
    mine = store.add_contact(Contact(
        name="Dana O.", emails=["Dana.Okafor@example.org"], notes="Owes me a coffee", tags=["mentor"],
        tier="close", every=10, company="", interests=["python"],
    ))
    store.add_thread(Thread(contact_id=mine.id, kind="interview", at=now.isoformat()))
    store.log_touch(Touch(contact_id=mine.id, at=now.shift(days=-3).isoformat(), note="coffee"))
    report = import_file(store, "google", FIXTURES / "google-current.csv", now)
    assert report.updated[0].contact_id == mine.id and "email" in report.updated[0].reason
    dana = store.contact(mine.id)
    assert (dana.name, dana.tier, dana.every, dana.interests) == ("Dana O.", "close", 10, ["python"])
    assert dana.notes == "Owes me a coffee\n\nMet at PyCon, talked about dbt.\nLikes cycling."
    assert dana.tags == ["mentor", "python", "data engineering"]
    assert dana.company == "Larkspur Analytics"  # was empty: filled
    assert dana.extra["google"]["imported name"] == "Dana Okafor"  # differing name kept beside
    assert len(store.threads(mine.id)) == 1 and len(store.touches(contact_ids=[mine.id])) == 1
    assert len(store.contacts()) == 3


def test_match_by_linkedin_url_variants(store, now, tmp_path):
    mine = store.add_contact(Contact(name="Zoe A", linkedin="https://linkedin.com/in/ZOE-akesson"))
    report = import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    assert any(e.contact_id == mine.id and "LinkedIn profile" in e.reason for e in report.updated)
    assert len(store.contacts()) == 4


def test_match_by_normalised_name_and_company(store, now, tmp_path):
    mine = store.add_contact(Contact(name="zoe akesson", company="QUILLON studio"))
    import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    assert store.contact(mine.id).linkedin.endswith("/zoe-akesson")
    assert len(store.contacts()) == 4


def test_same_name_other_company_is_another_person(store, now, tmp_path):
    store.add_contact(Contact(name="Zoë Åkesson", company="Parallax Labs"))
    import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    assert len(store.contacts()) == 5


def test_google_differing_company_kept_beside_not_over(store, now):
    mine = store.add_contact(Contact(name="Marco Bellini", emails=["marco@example.it"], company="Own Co"))
    import_file(store, "google", FIXTURES / "google-legacy.csv", now)
    marco = store.contact(mine.id)
    assert marco.company == "Own Co" and marco.job_changes == []
    assert marco.extra["google"]["imported company"] == "Kestrel Logistics"


def test_duplicates_inside_one_file_become_one_contact(store, now, tmp_path):
    path = write(tmp_path, "dupes.csv", HEADER
                 + "Ana,Lima,,ana@example.org,Verdant Loop,Engineer,01 Jan 2024\n"
                 + "Ana,Lima,https://www.linkedin.com/in/ana-lima,ana@example.org,Verdant Loop,Engineer,01 Jan 2024\n")
    report = import_file(store, "linkedin", path, now)
    assert len(report.added) == 1 and "same person as line 2" in report.skipped[0].reason
    (ana,) = store.contacts()
    assert ana.linkedin.endswith("/ana-lima") and len(store.touches()) == 1


def test_dry_run_changes_nothing_and_says_why(store, paths, now):
    import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    before = snapshot(paths.data)
    report = import_file(store, "linkedin", FIXTURES / "linkedin-job-change.csv", now, dry_run=True)
    assert snapshot(paths.data) == before
    assert all(c.job_changes == [] for c in store.contacts())
    lines = "\n".join(report.lines())
    assert lines.startswith("would add 0, would update 2, skipped 2, errors 0 (2 job changes)")
    assert "job change: Data Engineer / Larkspur Analytics, Inc. -> Staff Data Engineer / Mossgate Software" in lines
    assert "matched by LinkedIn profile; nothing new" in lines


def test_dry_run_on_empty_store_lists_additions(store, paths, now):
    report = import_file(store, "vcard", FIXTURES / "vcard-3.vcf", now, dry_run=True)
    assert [e.name for e in report.added] == ["Jürgen Müller", "Amélie Lefèvre"]
    assert store.contacts() == [] and snapshot(paths.data) == {}


def test_reimport_is_a_no_op(store, paths, now):
    for kind, name in [("linkedin", "linkedin-connections.csv"), ("google", "google-current.csv"),
                       ("google", "google-legacy.csv"), ("vcard", "vcard-3.vcf"), ("vcard", "vcard-4.vcf"),
                       ("vcard", "vcard-folder")]:
        import_file(store, kind, FIXTURES / name, now)
        before = snapshot(paths.data)
        again = import_file(store, kind, FIXTURES / name, now.shift(days=1))
        assert not again.changed, (name, again.lines())
        assert snapshot(paths.data) == before, name


def test_import_between_formats_merges_same_people(store, now):
    import_file(store, "linkedin", FIXTURES / "linkedin-connections.csv", now)
    report = import_file(store, "google", FIXTURES / "google-current.csv", now)
    assert [e.name for e in report.updated] == ["Dana Okafor 🚀"]
    assert len(store.contacts()) == 6
