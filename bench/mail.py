"""How fast `crm-tui sync` reads mail, against `notmuch new` on the same Maildir in the same
run. Prints figures; asserts nothing. Not run by CI.

    python bench/mail.py                         # 20,000 and 100,000 messages
    python bench/mail.py --sizes 20000 --work /tmp/mailbench

For each size: a Maildir tree (INBOX, Sent, Lists) of generated messages between me and
500 contacts plus mailing-list traffic (about 60%), each with realistic headers
(Received, MIME, Message-ID, References) and a 1-3 KB body. Then, each as a whole process:

- `notmuch new` indexing the tree into a fresh database (the anchor; needs the `notmuch`
  command, apt package notmuch; skipped with a note when it is missing);
- `crm-tui sync` the first time (goal <= 0.3x notmuch new);
- `crm-tui today --limit 1` on the same store (the second anchor, median of 3);
- `crm-tui sync` with nothing new (goal <= 1.5x today --limit 1);
- `crm-tui sync` after 100 new messages (goal <= 2x today --limit 1; median of 3 rounds).

The machine may be shared: the ratios against anchors measured in the same run are the
figures to read, not the absolute times.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_tui.domain.models import Contact
from crm_tui.paths import resolve
from crm_tui.store.repository import Store

NOW = "2026-03-18T09:00:00+00:00"
ME = "sam@example.com"
OLD = 1_700_000_000
WORDS = ["pipeline", "warehouse", "roadmap", "survey", "interview", "latency", "model", "team", "growth", "market", "hiring", "design", "system", "budget", "launch", "platform", "feedback", "metric", "onboarding", "release", "migration"]


def body(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(15, 45)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))))
    return "\n".join(lines) + "\n"


def message(rng: random.Random, i: int, sender: str, to: str, cc: str, subject: str, when: float,
            refs: str) -> bytes:
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(when))
    received = "\n".join(
        f"Received: from mx{n}.example.net (mx{n}.example.net [192.0.2.{n}])\n"
        f"\tby mail.example.com (Postfix) with ESMTPS id {i:X}{n}\n\tfor <{ME}>; {date}"
        for n in range(rng.randint(2, 5)))
    head = [
        f"Return-Path: <{sender}>",
        received,
        f"From: {sender.split('@')[0].title()} <{sender}>",
        f"To: {to}",
    ]
    if cc:
        head.append(f"Cc: {cc}")
    head += [
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: <{i}.{rng.getrandbits(40):x}@bench.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "User-Agent: bench/1.0",
    ]
    if refs:
        head.append(f"In-Reply-To: <{refs}>\nReferences: <{refs}>")
    return ("\n".join(head) + "\n\n" + body(rng)).encode()


def generate(root: Path, count: int, contacts: list[str], seed: int = 7) -> None:
    rng = random.Random(seed)
    for folder in ("INBOX", "Sent", "Lists"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    start = OLD - 2 * 365 * 86400
    for i in range(count):
        when = start + i * (2 * 365 * 86400 / count)
        roll = rng.random()
        other = rng.choice(contacts)
        if roll < 0.2:  # me -> a contact
            folder, raw = "Sent", message(rng, i, ME, other, "", f"Re: {rng.choice(WORDS)}", when, "")
        elif roll < 0.4:  # a contact -> me
            folder, raw = "INBOX", message(rng, i, other, ME, "", f"{rng.choice(WORDS)} {i}", when, "")
        else:  # list traffic: not addressed to me
            sender = f"member{rng.randint(1, 3000)}@lists-people.example"
            folder, raw = "Lists", message(rng, i, sender, "dev@lists.example", "",
                                           f"[dev] {rng.choice(WORDS)} {i}", when, "")
        name = f"{int(when)}.M{i}P1.bench:2,S"
        path = root / folder / "cur" / name
        path.write_bytes(raw)
    for folder in ("INBOX", "Sent", "Lists"):
        for sub in ("cur", "new", "tmp"):
            os.utime(root / folder / sub, (OLD, OLD))


def add_new(root: Path, count: int, contacts: list[str], seed: int) -> None:
    rng = random.Random(seed)
    for i in range(count):
        other = rng.choice(contacts)
        raw = message(rng, 10_000_000 + seed * 1000 + i, other, ME, "", f"new {i}", OLD + 86400 + i, "")
        (root / "INBOX" / "new" / f"{OLD + 86400 + i}.N{seed}_{i}.bench").write_bytes(raw)


def make_home(home: Path, contacts: list[str]) -> None:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "config.toml").write_text(f'[me]\nemails = ["{ME}"]\n', encoding="utf-8")
    with Store.open(resolve(home).data) as store, store.batch():
        for n, address in enumerate(contacts):
            store.add_contact(Contact(name=f"Person {n}", emails=[address], tier="active"))


def timed(cmd: list[str], env: dict[str, str]) -> float:
    # Dirty pages of the previous step (notmuch's database, generated mail) written out
    # first: otherwise this command's fsyncs wait behind that writeback.
    os.sync()
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def notmuch_new(root: Path, work: Path, env: dict[str, str]) -> float | None:
    if shutil.which("notmuch") is None:
        print("  notmuch: not installed (apt-get install notmuch): no anchor")
        return None
    shutil.rmtree(root / ".notmuch", ignore_errors=True)
    config = work / "notmuch-config"
    config.write_text(f"[database]\npath={root}\n[user]\nname=Sam\nprimary_email={ME}\n"
                      "[new]\ntags=unread;inbox;\nignore=\n[maildir]\nsynchronize_flags=true\n",
                      encoding="utf-8")
    return timed(["notmuch", "new", "--quiet"], {**env, "NOTMUCH_CONFIG": str(config)})


def run_size(count: int, work: Path, env: dict[str, str]) -> None:
    crm = str(Path(sys.executable).with_name("crm-tui"))
    contacts = [f"person{n}@people.example" for n in range(500)]
    root = work / f"maildir-{count}"
    home = work / f"home-{count}"
    print(f"\n{count:,} messages (500 contacts, ~60% list traffic)")
    if not (root / "Lists" / "cur").exists() or sum(1 for _ in (root / "Lists" / "cur").iterdir()) == 0:
        started = time.perf_counter()
        generate(root, count, contacts)
        print(f"  generated in {time.perf_counter() - started:.1f} s")
    for stale in (root / "INBOX" / "new").iterdir():
        stale.unlink()
    os.utime(root / "INBOX" / "new", (OLD, OLD))
    make_home(home, contacts)
    henv = {**env, "CRM_TUI_HOME": str(home)}
    anchor = notmuch_new(root, work, env)
    first = timed([crm, "sync", str(root)], henv)
    today = statistics.median(timed([crm, "today", "--limit", "1"], henv) for _ in range(3))
    nothing = statistics.median(timed([crm, "sync", str(root)], henv) for _ in range(3))
    rounds = []
    for round_ in range(3):  # median of 3: 100 new messages each time
        add_new(root, 100, contacts, seed=count + round_)
        rounds.append(timed([crm, "sync", str(root)], henv))
    hundred = statistics.median(rounds)

    def ratio(value: float, base: float | None) -> str:
        return f"{value / base:.2f}x" if base else "n/a"

    if anchor is not None:
        print(f"  notmuch new (anchor)        {anchor:8.2f} s")
    print(f"  crm-tui sync, first         {first:8.2f} s   {ratio(first, anchor)} notmuch new (goal <= 0.3x)")
    print(f"  crm-tui today --limit 1     {today:8.2f} s   (anchor, median of 3)")
    print(f"  crm-tui sync, nothing new   {nothing:8.2f} s   {ratio(nothing, today)} today (goal <= 1.5x)")
    print(f"  crm-tui sync, 100 new       {hundred:8.2f} s   {ratio(hundred, today)} today (goal <= 2x, median of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench-mail")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CRM_TUI_NOW": NOW, "TZ": "UTC"}
    print(f"cpus: {os.cpu_count()} (figures are noisy on a shared machine: read the ratios)")
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args.work.resolve(), env)


if __name__ == "__main__":
    main()
