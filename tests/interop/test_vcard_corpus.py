"""vCards nobody on the team wrote: khard's test fixtures (vCard 3.0 and 4.0, Korean names,
inline photos, ALTID, a text birthday, an unparsable card) and vobject's card with property
groups, unpacked from their sdists into ``.corpora/`` by ``scripts/corpora.py``.

The oracle is the file itself, read independently of vobject: each card's unfolded FN and
EMAIL lines. Every card is read with that name and those addresses, or reported with its
line; nothing raises; and the whole folder imports through the CLI, then re-imports as
"skipped" (nothing doubled)."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import pytest

from crm_tui.domain.text import clean
from crm_tui.interop import vcard
from tests.corpora import corpus, files

CARDS = files("khard", "*.vcf") + [p for p in files("vobject", "*.ics") if "vcard" in p.name]
SEEN: Counter[str] = Counter()
_FOLD = re.compile(r"\r?\n[ \t]")


def _expected(text: str) -> list[tuple[str, list[str]]]:
    """(FN, EMAIL addresses) of each card, straight from the text (grouped names too)."""
    out = []
    for card in re.split(r"(?im)^(?:[\w-]+\.)?begin:vcard\s*$", _FOLD.sub("", text))[1:]:
        fn = re.search(r"(?im)^(?:[\w-]+\.)?fn(?:;[^:]*)?:(.*)$", card)
        n = re.search(r"(?im)^(?:[\w-]+\.)?n(?:;[^:]*)?:(.*)$", card)
        mails = re.findall(r"(?im)^(?:[\w-]+\.)?email(?:;[^:]*)?:\s*(\S+@\S+)\s*$", card)
        name = fn.group(1).strip() if fn else ""
        if not name and n:  # N is family;given;additional;prefix;suffix
            family, given, additional, prefix, suffix = (n.group(1).split(";") + [""] * 5)[:5]
            name = " ".join(p for p in (prefix, given, additional, family, suffix) if p)
        out.append((name, [m.lower() for m in mails]))
    return out


def test_the_corpus_is_there():
    corpus("khard")
    corpus("vobject")
    assert len(CARDS) >= 25


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_every_card_is_read_as_written_or_reported(path):
    text = path.read_text(encoding="utf-8")
    parsed = vcard.parse(text)
    expected = _expected(text)
    assert len(parsed.records) + len(parsed.problems) >= 1
    if parsed.problems:
        SEEN["reported"] += 1
        assert all(p.line >= 1 and p.message for p in parsed.problems)
    for record in parsed.records:
        SEEN["read"] += 1
        names = [clean(fn) for fn, _ in expected]
        assert record.name in names, (path.name, record.name, names)
        fn, mails = expected[names.index(record.name)]
        assert sorted(record.emails) == sorted(mails), path.name
        SEEN["non-ascii names"] += not record.name.isascii()
        SEEN["birthdays"] += bool(record.birthday)


def test_the_corpus_reached_every_case():
    if not CARDS:
        corpus("khard")
    assert SEEN["read"] >= 20 and SEEN["reported"] >= 1, SEEN
    assert SEEN["non-ascii names"] >= 2 and SEEN["birthdays"] >= 1, SEEN


def test_the_folder_imports_through_the_cli_and_again_adds_nothing(run_cli, tmp_path):
    folder = corpus("khard") / "test" / "fixture" / "vcards"
    cards = tmp_path / "cards"
    shutil.copytree(folder, cards)
    for path in sorted(cards.glob("*.vcf")):
        report = json.loads(run_cli("import", "vcard", str(path), "--json").output)
        assert report["counts"]["errors"] == (1 if path.name == "unparsable.vcf" else 0), path.name
    listed = json.loads(run_cli("list", "--json").output)
    names = {c["name"] for c in listed}
    assert {"second contact", "최유림", "text birthday", "with photo v4", "Foo Bar"} <= names
    assert next(c for c in listed if c["name"] == "second contact")["birthday"] == "2018-01-20"
    again = json.loads(run_cli("import", "vcard", str(cards / "contact1.vcf"), "--json").output)
    assert again["counts"]["added"] == 0
    assert len(json.loads(run_cli("list", "--json").output)) == len(listed)
