"""Every imported file is bounded: regular files only, a byte cap counted as bytes arrive
(never trusted from st_size), CSVs streamed, and header names cleaned like values."""

from __future__ import annotations

import os
import threading
import tracemalloc
from pathlib import Path

import orjson
import pytest

from crm_tui.interop import InteropError, csvrows, decode
from crm_tui.interop.decode import open_text
from crm_tui.services.importer import import_file

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def linkedin_csv(path: Path, rows: int, header: str = HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Notes:\n\"When exporting your connection data...\"\n\n")
        out.write(header)
        for i in range(rows):
            out.write(f"Ann{i},Lee,,ann{i}@example.com,Acme,Engineer,09 Oct 2024\n")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def finishes(call, seconds: float = 10.0) -> BaseException | None:
    """Run ``call`` in a thread; fail if it has not finished in time (a hang)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the import hung"
    return outcome[0]


def test_a_fifo_is_refused_at_once(store, paths, now, tmp_path):
    fifo = tmp_path / "Connections.csv"
    os.mkfifo(fifo)
    before = snapshot(paths.data)
    error = finishes(lambda: import_file(store, "linkedin", fifo, now))
    assert isinstance(error, InteropError) and "named pipe" in str(error)
    assert snapshot(paths.data) == before


@pytest.mark.parametrize("kind", ["linkedin", "google", "vcard"])
def test_a_device_is_refused(store, now, kind):
    error = finishes(lambda: import_file(store, kind, Path("/dev/zero"), now))
    assert isinstance(error, InteropError) and "a device" in str(error)


def test_the_byte_cap_is_counted_not_taken_from_st_size(store, paths, now, tmp_path, monkeypatch):
    """A regular file that says it is tiny but never ends (a bounded fake /dev/zero:
    it would give 50 times the cap, so a missing cap fails instead of eating memory)."""
    target = tmp_path / "Connections.csv"
    target.write_bytes(b"")  # st_size 0
    cap = 64 * 1024
    served = [0]

    class Endless:
        def read(self, size: int = -1) -> bytes:
            if served[0] >= 50 * cap:
                return b""
            served[0] += 4096
            return b"A" * 4096

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(decode, "MAX_BYTES", cap)
    monkeypatch.setattr(decode, "open_regular", lambda path: Endless())
    monkeypatch.setattr(decode.open_text, "__defaults__", (cap,))
    with pytest.raises(InteropError, match="larger than"):
        import_file(store, "linkedin", target, now)
    assert served[0] <= cap + 4096
    assert store.contacts() == []


def test_whole_file_reads_are_capped_too(tmp_path):
    big = tmp_path / "big.vcf"
    big.write_bytes(b"BEGIN:VCARD\r\n" * 2000)
    with pytest.raises(InteropError, match="larger than"):
        decode.read_text(big, limit=1024)


def test_csv_is_streamed_with_flat_memory(tmp_path):
    """Reading a 16 MB CSV row by row never holds more than a few chunks of it."""
    path = tmp_path / "big.csv"
    line = "Ann,Lee,,ann@example.com,Acme,Engineer,09 Oct 2024\n"
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for _ in range(16 * 1024 * 1024 // len(line)):
            out.write(line)
    tracemalloc.start()
    try:
        count = sum(1 for _ in csvrows.rows(open_text(path)))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 16 * 1024 * 1024 // len(line) + 1
    assert peak < 14 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while streaming a 16 MB file"


def test_streamed_decoding_matches_whole_decoding(tmp_path, monkeypatch):
    """Chunk borders inside a character or between \\r and \\n change nothing."""
    monkeypatch.setattr(decode, "CHUNK", 7)
    text = 'First Name,Last Name\r\n"Zoë\r\nmulti",Ünal\r\nÅsa,"x\ry"\n€uro,Ω\n'
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"):
        if encoding == "cp1252":
            sample = text.replace("Ω", "O")
        else:
            sample = text
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(sample.encode(encoding))
        streamed = [row.fields for row in csvrows.rows(open_text(path))]
        whole = [row.fields for row in csvrows.rows(decode.decode(path.read_bytes()))]
        assert streamed == whole, encoding


def test_too_many_rows_are_refused_whole(store, paths, now, tmp_path, monkeypatch):
    monkeypatch.setattr(csvrows, "MAX_ROWS", 100)
    before = snapshot(paths.data)
    with pytest.raises(InteropError, match="more than 100 rows"):
        import_file(store, "linkedin", linkedin_csv(tmp_path / "c.csv", 101), now)
    assert snapshot(paths.data) == before and store.contacts() == []
    report = import_file(store, "linkedin", linkedin_csv(tmp_path / "d.csv", 100), now)
    assert len(report.added) == 100


def test_unreadable_rows_are_listed_up_to_a_cap(store, now, tmp_path, monkeypatch):
    monkeypatch.setattr(csvrows, "MAX_PROBLEMS", 5)
    path = tmp_path / "c.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER + "Ann,Lee,,ann@example.com,Acme,Engineer,09 Oct 2024\n")
        out.write("too,few\n" * 12)
    report = import_file(store, "linkedin", path, now, dry_run=True)
    assert len(report.errors) == 6
    assert "7 more rows" in str(report.errors[-1])


def test_header_names_are_cleaned_like_values(run_cli, tmp_path, paths):
    evil = "Pro\u202enouns\x9b31m"
    path = linkedin_csv(tmp_path / "c.csv", 1, HEADER.rstrip("\n") + f",{evil}\n")
    text = path.read_text(encoding="utf-8").splitlines()
    text[-1] += ",she/her"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert run_cli("import", "linkedin", str(path)).exit_code == 0
    listed = run_cli("list", "--json").output
    (contact,) = orjson.loads(listed)
    assert contact["extra"]["linkedin"]["Pronouns"] == "she/her"
    out = tmp_path / "backup.json"
    assert run_cli("export", "json", str(out)).exit_code == 0
    raw = out.read_text(encoding="utf-8")
    assert "\u202e" not in raw and "\x9b" not in raw and "\\u202e" not in raw.lower()
