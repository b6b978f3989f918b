"""Issue 17's table: every screen and action at 10,000 contacts, as ratios to a bare app.

    python bench/screens.py                      # bench store made by bench/gen.py, 5 runs
    python bench/screens.py --runs 3 --no-tmux

In one run, against the same anchor (a bare Textual app's first paint, in tmux when it is
there, else headless; both are printed):

- first paint of Contacts at 10,000 and 50,000 contacts: process start to the first full
  frame, in tmux (``bench/startup.py``'s ``in_tmux``), else headless; each twice: with
  the first screenful kept by the last run (``crm_tui/ui/first_screen.py``: any start
  but the first one on the data, the first of a new version or the first after a setting
  changed; the next day's rows are kept too, and commands that save keep them afresh),
  and cold, with nothing kept (a child process works the rows out while the start
  imports the UI: ``crm_tui/ui/cold_start.py``; in tmux only, the real command);
- in a fresh headless app per run (120x36) on the 10,000-contact store (100,000 touches,
  5,000 articles): open Articles the first time and again, open Today, ``x``, ``d``,
  ``s`` then Escape on Today, open a contact the first time, one filter keystroke; and
  open Articles the first time with nothing kept (``crm_tui/ui/kept_matches.py``: the
  matches are worked out then, in a thread, as on the first start after a feed refresh
  by another program), twice: when the list is shown (its matches column saying
  "finding them…", keys answered) and when the matches are filled in. Each is timed
  from the key to the screen being settled: what it shows is complete (the list is
  filled, no loading indicator, but for the first of the two cold figures) and every
  message queue of the app and the screen is empty (no pilot pauses: those sleep 20 ms
  at least).

Medians of ``--runs``. Prints the table; asserts nothing. Below it, each paint also as the
median of its runs' own ratios (each run's paint over the anchor measured just before it:
the machine's drift between runs cancels out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import startup

PYTHON = sys.executable
SIZE = startup.SIZE
GOALS = {  # the goals, as ratios to the anchor
    "paint10k": 1.2, "paint50k": 1.5, "paint10k_cold": 1.2, "paint50k_cold": 1.5,
    "articles1": 1.5, "articles1_cold_shown": 1.5, "articles1_cold": 1.5, "articles2": 1.0, "today": 1.0,
    "x": 0.5, "d": 0.5, "s": 0.5, "esc": 0.5, "contact": 0.5, "filter": 30 / 250,
}
LABELS = {
    "paint10k": "first paint of Contacts at 10,000 contacts (rows kept by the last run)",
    "paint50k": "first paint at 50,000 contacts (rows kept by the last run)",
    "paint10k_cold": "first paint at 10,000, nothing kept (a first start on the data, a new version, a changed setting)",
    "paint50k_cold": "first paint at 50,000, nothing kept",
    "articles1": "open Articles, first time (matches kept by the last run)",
    "articles1_cold_shown": "open Articles, first time, nothing kept: the list shown, matches \"finding them…\"",
    "articles1_cold": "open Articles, first time, nothing kept: the matches filled in",
    "articles2": "open Articles again",
    "today": "open Today",
    "x": "`x` on Today",
    "d": "`d` on Today",
    "s": "`s` on Today (the snooze dialog shown)",
    "esc": "Escape from the snooze dialog",
    "contact": "open a contact, first time",
    "filter": "filter keystroke",
}


# ---------------------------------------------------------------------- the child
async def _settled(app: Any, done: Callable[[], bool], timeout: float = 120.0) -> None:
    """Wait until ``done()`` holds and every queue of the app and its screen is empty."""
    from crm_tui.ui.keygate import barrier  # the key gate's own "queues handled" wait

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if done():
            nodes = [app, *app.screen.walk_children(with_self=True)]
            await barrier(nodes)
            nodes = [app, *app.screen.walk_children(with_self=True)]
            if done() and not any(node.message_queue_size for node in nodes):
                return
        await asyncio.sleep(0.001)
    raise TimeoutError("the screen did not settle")


async def _key(app: Any, key: str, done: Callable[[], bool]) -> float:
    from textual import events

    start = time.perf_counter()
    app.post_message(events.Key(key, key if len(key) == 1 else None))
    await _settled(app, done)
    return time.perf_counter() - start


def _ready(screen: Any) -> bool:
    """The screen's slow parts are filled (screens that fill in a worker say so)."""
    return not getattr(screen, "filling", False)


async def _child(home: str, cold: bool = False) -> None:
    from crm_tui.ui.screens.articles import ArticlesScreen
    from crm_tui.ui.screens.contact import ContactScreen
    from crm_tui.ui.screens.contacts import ContactsScreen
    from crm_tui.ui.screens.today import TodayScreen

    if cold:  # nothing kept by a last run (crm_tui/ui/kept_matches.py): worked out now
        (Path(home) / "data" / "cache" / "article-matches.json").unlink(missing_ok=True)
    # Nothing kept: as `crm-tui` starts (the kept first screen, a child working the matches
    # out: crm_tui/ui/kept_matches.py), the key pressed once the Contacts screen is complete.
    app = startup._crm_app(home, first_screen=cold)
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await _settled(app, lambda: isinstance(app.screen, ContactsScreen))
        contacts = app.screen
        while not (contacts.steps_ready and app.ctx.opened):  # (keys answered: the store is open)
            await pilot.pause(0.01)

        def on(kind: type, need: Callable[[Any], bool] = lambda s: True) -> Callable[[], bool]:
            return lambda: isinstance(app.screen, kind) and _ready(app.screen) and need(app.screen)

        if cold:  # shown at once (the list, "finding them…"), then filled from a thread
            start = time.perf_counter()
            from textual import events

            app.post_message(events.Key("3", "3"))
            await _settled(app, lambda: isinstance(app.screen, ArticlesScreen) and bool(app.screen.articles))
            out["articles1_cold_shown"] = time.perf_counter() - start
            await _settled(app, on(ArticlesScreen, lambda s: bool(s.articles)))
            out["articles1_cold"] = time.perf_counter() - start
            print("RESULT " + json.dumps(out), flush=True)
            return
        out["articles1"] = await _key(app, "3", on(ArticlesScreen, lambda s: bool(s.articles)))
        await _key(app, "1", on(ContactsScreen))
        out["articles2"] = await _key(app, "3", on(ArticlesScreen, lambda s: bool(s.articles)))
        out["today"] = await _key(app, "2", on(TodayScreen, lambda s: bool(s.suggestions)))
        today = app.screen
        for key in ("x", "d"):
            before = today.current_key()
            out[key] = await _key(app, key, on(TodayScreen, lambda s, b=before: s.current_key() != b))
        out["s"] = await _key(app, "s", lambda: app.screen is not today)
        out["esc"] = await _key(app, "escape", on(TodayScreen))
        await _key(app, "1", on(ContactsScreen))
        out["contact"] = await _key(app, "enter", on(ContactScreen))
        await _key(app, "escape", on(ContactsScreen))
        await _key(app, "slash", lambda: any(w.has_focus for w in contacts.query("#filter")))
        out["filter"] = await _key(app, "a", lambda: contacts.query_text == "a")
    print("RESULT " + json.dumps(out), flush=True)


def child_run(home: str, cold: bool = False) -> dict[str, float]:
    proc = subprocess.run([PYTHON, __file__, "--child", home, *(["--cold"] if cold else [])],
                          capture_output=True, text=True, env=startup._env(), timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"child failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


# ---------------------------------------------------------------------- the report
def _gen(home: Path, contacts: int, touches_per_contact: int, articles: int) -> None:
    marker = home / ".generated"
    if marker.exists():
        return
    subprocess.run([PYTHON, str(ROOT / "bench" / "gen.py"), "--home", str(home),
                    "--contacts", str(contacts), "--touches-per-contact", str(touches_per_contact),
                    "--articles", str(articles)], check=True, env=startup._env(),
                   stdout=subprocess.DEVNULL)
    marker.touch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "crm-tui-screens")
    parser.add_argument("--no-tmux", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(_child(args.child, args.cold))
        return

    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "crm_tui")], check=True)
    home10, home50 = args.work / "10k", args.work / "50k"
    _gen(home10, 10_000, 10, 5_000)
    _gen(home50, 50_000, 2, 500)
    use_tmux = not args.no_tmux and shutil.which("tmux") is not None
    med = statistics.median
    base_tmux: list[float] = []
    base_headless: list[float] = []
    paints: dict[str, list[float]] = {"paint10k": [], "paint50k": [], "paint10k_cold": [],
                                      "paint50k_cold": []}
    actions: dict[str, list[float]] = {}
    opened: dict[str, list[float]] = {}
    paired: dict[str, list[float]] = {}  # each paint over the same run's anchor
    for _ in range(args.runs):
        base_headless.append(startup.headless("baseline", str(home10))[1])
        run_anchor = base_headless[-1]
        if use_tmux:
            base = startup.in_tmux("baseline", str(home10))
            if base:
                base_tmux.append(base)
                run_anchor = base
        for name, home in (("paint10k", home10), ("paint50k", home50)):
            # Cold: nothing kept by a last run; then warm: the rows the last run kept
            # (crm_tui/ui/first_screen.py), as on most starts.
            startup.forget_first_screen(str(home))
            cold = startup.in_tmux("app", str(home)) if use_tmux else None
            startup.forget_first_screen(str(home))  # (the tmux run kept them)
            startup.OPENED.clear()
            cold_headless = startup.headless("kept", str(home))[0]  # and when keys are answered
            opened.setdefault(f"{name}_cold", []).extend(startup.OPENED)
            paints[f"{name}_cold"].append(cold if cold else cold_headless)
            paired.setdefault(f"{name}_cold", []).append(paints[f"{name}_cold"][-1] / run_anchor)
            if not startup.keep_first_screen(str(home)):
                raise RuntimeError("the app kept no first screen")
            warm = startup.in_tmux("app", str(home)) if use_tmux else None
            paints[name].append(warm if warm else startup.headless("kept", str(home))[0])
            paired.setdefault(name, []).append(paints[name][-1] / run_anchor)
            startup.OPENED.clear()
            startup.headless("kept", str(home))  # when keys are answered (headless)
            opened.setdefault(name, []).extend(startup.OPENED)
        for cold in (True, False):  # the cold run keeps the matches for the other
            for name, seconds in child_run(str(home10), cold).items():
                actions.setdefault(name, []).append(seconds)
    anchor = med(base_tmux) if base_tmux else med(base_headless)
    print(f"crm-tui screens bench: {SIZE[0]}x{SIZE[1]}, median of {args.runs} runs; "
          f"anchor: bare Textual app's first paint {anchor:.3f} s "
          f"({'tmux' if base_tmux else 'headless'}; headless {med(base_headless):.3f} s)")
    print("| action | now | ratio | goal | met |\n|---|---|---|---|---|")
    for name, label in LABELS.items():
        values = paints.get(name) or actions.get(name)
        if not values:
            continue
        value = med(values)
        ratio = value / anchor
        shown = f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
        goal = GOALS[name]
        # The filter's goal, 30 ms, was set against a 0.25 s anchor: judged as that ratio
        # (as every other row), so a slower machine is not held to a faster one's figure.
        goal_text = f"<= {goal:.2f}x" if name != "filter" else f"<= {goal:.2f}x (30 ms at 0.25 s)"
        met = ratio <= goal
        print(f"| {label} | {shown} | {ratio:.2f}x | {goal_text} | {'yes' if met else 'NO'} |")
    for name, ratios in paired.items():  # the same paints, each against its own run's anchor
        print(f"{LABELS[name]}: median of each run's ratio {med(ratios):.2f}x "
              f"(runs: {', '.join(f'{r:.2f}' for r in ratios)})")
    for name, values in opened.items():
        print(f"{LABELS[name]}: keys answered {med(values):.3f} s after the process started "
              f"({med(values) / anchor:.2f}x; headless, the store opened after the first frame)")
    print("paints: process start to the first full frame (tmux: rows, next steps, footer on the "
          "pane); actions: key to settled screen, headless, fresh app per run.")


if __name__ == "__main__":
    main()
