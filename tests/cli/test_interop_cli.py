"""`crm-tui import / export / restore` end to end (in-process click runner)."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interop"


def test_import_dry_run_then_import_then_reimport(run_cli):
    dry = run_cli("import", "linkedin", str(FIXTURES / "linkedin-malformed.csv"), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[0] == "would add 2, would update 0, skipped 0, errors 3"
    assert "error  line 7: Connected On '32 Foo 2024' is not a date like 09 Oct 2024" in dry.output
    assert json.loads(run_cli("list", "--json").output) == []
    done = run_cli("import", "linkedin", str(FIXTURES / "linkedin-malformed.csv"), "--json")
    report = json.loads(done.output)
    assert report["counts"] == {"added": 2, "updated": 0, "skipped": 0, "errors": 3, "job_changes": 0}
    assert [e["line"] for e in report["errors"]] == [6, 7, 8]
    again = json.loads(run_cli("import", "linkedin", str(FIXTURES / "linkedin-malformed.csv"), "--json").output)
    assert again["counts"]["added"] == 0 and again["counts"]["skipped"] == 2


def test_import_wrong_kind_is_a_clear_error(run_cli):
    result = run_cli("import", "google", str(FIXTURES / "vcard-4.vcf"))
    assert result.exit_code == 2
    assert "not a Google Contacts CSV" in result.output


def test_export_restore_export_byte_identical(run_cli, tmp_path):
    run_cli("import", "google", str(FIXTURES / "google-current.csv"))
    run_cli("import", "linkedin", str(FIXTURES / "linkedin-connections.csv"))
    first = tmp_path / "one.json"
    assert run_cli("export", "json", str(first)).exit_code == 0
    home2 = str(tmp_path / "home2")
    restored = run_cli("--home", home2, "restore", str(first))
    assert restored.exit_code == 0 and "6 contacts" in restored.output
    second = tmp_path / "two.json"
    run_cli("--home", home2, "export", "json", str(second))
    assert first.read_bytes() == second.read_bytes()
    refused = run_cli("--home", home2, "restore", str(first))
    assert refused.exit_code == 2 and "already holds data" in refused.output


def test_export_vcard_folder_file_and_csv(run_cli, tmp_path):
    run_cli("import", "vcard", str(FIXTURES / "vcard-3.vcf"))
    assert "wrote 2 contacts" in run_cli("export", "vcard", str(tmp_path / "cards")).output
    assert sorted(p.name for p in (tmp_path / "cards").iterdir()) == ["c1.vcf", "c2.vcf"]
    run_cli("export", "vcard", str(tmp_path / "all.vcf"))
    assert (tmp_path / "all.vcf").read_bytes().count(b"BEGIN:VCARD") == 2
    run_cli("export", "csv", str(tmp_path / "all.csv"))
    assert "Jürgen Müller" in (tmp_path / "all.csv").read_text(encoding="utf-8-sig")


def test_an_import_or_a_restore_keeps_the_first_screen_for_the_first_start(run_cli, paths, now, tmp_path):
    """The first start on imported or restored data paints at once (crm_tui/ui/first_screen.py):
    an import keeps the first screen even though no TUI kept it before; other saves do not."""
    from crm_tui import config
    from crm_tui.paths import resolve
    from crm_tui.ui import first_screen

    run_cli("add", "Ada Park")  # an ordinary save: nobody keeps rows yet, nor does it
    assert not first_screen.path_of(paths).exists()
    assert run_cli("import", "linkedin", str(FIXTURES / "linkedin-connections.csv")).exit_code == 0
    kept = first_screen.read(paths, now, config.load(paths.config_file))
    assert kept is not None and "Ada Park" in {row.name for row in kept.rows}
    assert kept.total == len(json.loads(run_cli("list", "--json").output))
    backup = tmp_path / "backup.json"
    assert run_cli("export", "json", str(backup)).exit_code == 0
    home2 = tmp_path / "home2"
    assert run_cli("--home", str(home2), "restore", str(backup)).exit_code == 0
    restored = resolve(home2)
    assert first_screen.read(restored, now, config.load(restored.config_file)) is not None
