"""Write tests/fixtures/seed-5grams.txt: hashes of every five-word run of the seed articles.

The templates must be in our own words; the test that checks it compares hashed five-word
runs, so the repository needs neither the articles nor a path outside itself.
Usage: python scripts/seed_grams.py PATH_TO_SEEDS_FOLDER
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seed-5grams.txt"
HEADER = (
    "# sha256[:16] of every run of five words in the seed articles the follow-up rules came\n"
    "# from (the articles themselves are not ours to commit). tests/unit/test_drafts.py checks\n"
    "# that no default template repeats one. Regenerate with scripts/seed_grams.py.\n"
)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))


def gram_hash(gram: tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(gram).encode()).hexdigest()[:16]


def main(folder: Path) -> None:
    hashes: set[str] = set()
    for path in sorted(folder.glob("*.txt")):
        ws = words(path.read_text(encoding="utf-8"))
        hashes |= {gram_hash(tuple(ws[i:i + 5])) for i in range(len(ws) - 4)}
    OUT.write_text(HEADER + "\n".join(sorted(hashes)) + "\n", encoding="utf-8")
    print(f"{len(hashes)} five-word runs -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
