"""Start-up and filter speed of the Contacts screen, as ratios to a minimal Textual app.

    python bench/startup.py                       # 100, 1k, 10k, 50k contacts, 10 touches each
    python bench/startup.py --sizes 100 10000 --runs 5 --no-tmux

For every size it measures, from process start to the first full paint of the Contacts
screen (120x36): the table with its rows, their next steps and statuses, and the footer.

- headless: a fresh interpreter runs the app under ``App.run_test`` and reports when the
  first frame is painted, and when the engine has computed every contact's next step
  ("all steps": the rows below the first screen get theirs right after the first paint);
- real terminal: the app runs in a detached tmux session; the pane is polled until the
  table shows rows with their next steps and the footer (skipped when tmux is missing);

and the same for a baseline app (Header, a 100-row DataTable, Footer) in the same run. It
also times filter keystrokes at each size (the whole press -> repaint, and the part spent
filtering and reordering). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PINNED_NOW = "2026-03-02T18:00:00+00:00"
SIZE = (120, 36)
OPENED: list[float] = []  # headless runs: process start -> store open (keys answered)


# ---------------------------------------------------------------------- child processes
def _baseline_app():  # type: ignore[no-untyped-def]
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Baseline(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Name", "Company", "Last touch", "Status")
            table.add_rows((f"row {i}", "Larkspur Analytics", "3 weeks ago", "due") for i in range(100))

    return Baseline()


def _crm_app(home: str, first_screen: bool = False):  # type: ignore[no-untyped-def]
    """The app as `crm-tui` makes it (crm_tui.cli.tui.make_app), for run_test; with
    ``first_screen``, from the rows the last run kept when they match (as `crm-tui` does)."""
    sys.path.insert(0, str(ROOT))
    from crm_tui import clock, config
    from crm_tui.cli.tui import make_app
    from crm_tui.env import Env
    from crm_tui.paths import resolve

    paths = resolve(home)
    return make_app(Env(paths, config.load(paths.config_file), clock.now()), first_screen=first_screen)


async def _child_headless(kind: str, home: str, t0: float, keys: str) -> None:
    app = _baseline_app() if kind == "baseline" else _crm_app(home, kind == "kept")
    marks: dict[str, float] = {}
    if kind == "kept":  # when the store is open after a kept frame: keys are answered
        opened = app._store_opened

        def store_opened(*args: object) -> None:
            opened(*args)
            marks["opened"] = time.time() - t0

        app._store_opened = store_opened
    async with app.run_test(size=SIZE) as pilot:
        if kind != "kept":
            await pilot.pause()
        # (kept: the first frame is up when run_test lets us in. An idle pause would wait
        # for the store being opened in a thread: it waits until the process uses little CPU.)
        if kind != "baseline":
            from crm_tui.ui.widgets.contact_table import ContactTable

            table = app.screen.query_one(ContactTable)
            # The same procedure as the baseline (ready, then one idle pause) when the rows
            # are there by then, as they are today (loaded at mount). Each pause sleeps at
            # least 20 ms, so a second one would be a cost of the measurement, not the app.
            if not table.row_count:
                while not table.row_count:  # loaded later: wait, then let it paint
                    await pilot.pause(0.001)
                await pilot.pause()
            painted = time.time() - t0
            shown = [table.rows[i] for i in table.order[: table.size.height - 1]]
            with_steps = sum(bool(row.next_step) for row in shown)
            print(f"PAINT {painted:.4f} {with_steps}/{len(shown)}", flush=True)
            while not app.ctx.opened:  # painted from kept rows: the store opens just after
                await pilot.pause(0.001)
            if "opened" in marks:
                print(f"OPENED {marks['opened']:.4f}", flush=True)
            while not app.screen.steps_ready:  # the other rows' steps follow the first paint
                await pilot.pause(0.001)
            # Every queue handled (the key gate's wait), not an idle pause: the work done
            # ahead (ui/warmup.py) keeps a thread busy for a second, which an idle pause
            # would wait for.
            from crm_tui.ui.keygate import barrier

            await barrier([app, *app.screen.walk_children(with_self=True)])
        print(f"FULL {time.time() - t0:.4f}", flush=True)
        if kind == "baseline" or not keys:
            return
        await pilot.press("slash")
        await pilot.pause()
        for key in keys:
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            total = (time.perf_counter() - start) * 1000
            # The table's own repaint: every visible line drawn again (what a keystroke costs).
            start = time.perf_counter()
            for y in range(table.size.height):
                table.render_line(y)
            lines = (time.perf_counter() - start) * 1000
            part = app.screen.last_filter_ms + lines
            print(f"KEY {key} {total:.2f} {part:.2f} {table.row_count}", flush=True)


def _child_run(kind: str, home: str) -> None:
    _baseline_app().run()  # the app itself runs as `python -m crm_tui` (see in_tmux)


# ---------------------------------------------------------------------- measurements
def headless(
    kind: str, home: str, keys: str = ""
) -> tuple[float, float, list[tuple[str, float, float, int]], str]:
    t0 = time.time()
    out = subprocess.run(
        [PYTHON, __file__, "--child", f"headless-{kind}", "--home", home, "--t0", repr(t0),
         "--keys", keys],
        capture_output=True, text=True, env=_env(), check=True,
    ).stdout
    full = next(float(line.split()[1]) for line in out.splitlines() if line.startswith("FULL"))
    paint_line = next((line.split() for line in out.splitlines() if line.startswith("PAINT")), None)
    paint = float(paint_line[1]) if paint_line else full
    opened = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("OPENED")), None)
    if opened is not None:
        OPENED.append(opened)
    steps = paint_line[2] if paint_line else "-"
    presses = [
        (p[1], float(p[2]), float(p[3]), int(p[4]))
        for p in (line.split() for line in out.splitlines() if line.startswith("KEY"))
    ]
    return paint, full, presses, steps


def in_tmux(kind: str, home: str, timeout: float = 120.0) -> float | None:
    """Seconds until the first full frame shows (rows, their next steps, the footer)."""
    if not shutil.which("tmux"):
        return None
    session = "bench"
    tmux = ["tmux", "-L", f"crm-bench-{os.getpid()}"]  # our own server: others' sessions untouched
    # The app is the real command, as a user starts it; the baseline is a child of ours.
    command = (f"{PYTHON} -m crm_tui --home {home}" if kind == "app"
               else f"{PYTHON} {__file__} --child run-{kind} --home {home}")
    env_args = [arg for k, v in _env().items() if k in ("CRM_TUI_NOW", "TZ")
                for arg in ("-e", f"{k}={v}")]
    t0 = time.perf_counter()
    for _attempt in range(3):  # a server that is still exiting refuses new sessions
        started = subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", str(SIZE[0]),
                                  "-y", str(SIZE[1]), *env_args, command], capture_output=True)
        if started.returncode == 0:
            break
        time.sleep(0.5)
        t0 = time.perf_counter()
    else:
        return None
    try:
        while time.perf_counter() - t0 < timeout:
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout
            if _painted(kind, screen):
                return time.perf_counter() - t0
            time.sleep(0.005)
        return None
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
        time.sleep(0.2)


def forget_first_screen(home: str) -> None:
    """No rows kept by a last run (crm_tui/ui/first_screen.py): the start opens the store first."""
    (Path(home) / "data" / "cache" / "first-screen.json").unlink(missing_ok=True)


def keep_first_screen(home: str) -> bool:
    """Rows kept, as a run that got as far as every next step leaves them (the headless
    child waits for that); True when they are there."""
    headless("app", home)
    return (Path(home) / "data" / "cache" / "first-screen.json").exists()


def _painted(kind: str, screen: str) -> bool:
    lines = screen.splitlines()
    if kind == "baseline":
        return any("row 0" in line for line in lines) and "^p" in screen
    # The table header, a first row under it, next steps with their status, the footer.
    for i, line in enumerate(lines[:-1]):
        if line.startswith("Name ") and "Next step" in line and lines[i + 1].strip():
            statuses = (" overdue ", " due ", " upcoming ", " waiting ")
            return "Filter" in screen and any(word in screen for word in statuses)
    return False


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CRM_TUI_NOW=PINNED_NOW, TZ=env.get("TZ", "UTC"), TEXTUAL_ANIMATIONS="none")
    env.setdefault("TERM", "xterm-256color")
    return env


def generate(home: Path, contacts: int) -> None:
    marker = home / f".generated-{contacts}"
    if marker.exists():
        return
    subprocess.run(
        [PYTHON, str(ROOT / "bench" / "gen.py"), "--home", str(home), "--contacts", str(contacts),
         "--touches-per-contact", "10", "--articles", "200", "--feeds", "10"],
        check=True, env=_env(), stdout=subprocess.DEVNULL,
    )
    marker.touch()


# ---------------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1_000, 10_000, 50_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "crm-tui-bench")
    parser.add_argument("--no-tmux", action="store_true")
    parser.add_argument("--keys", default="anna", help="filter keystrokes to time")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        mode, kind = args.child.split("-", 1)
        if mode == "headless":
            asyncio.run(_child_headless(kind, args.home, args.t0, args.keys))
        else:
            _child_run(kind, args.home)
        return

    # Installed packages come with their bytecode compiled (pip does it), and an editable
    # install writes it on first run; but PYTHONDONTWRITEBYTECODE (set on some machines,
    # CI ones especially) would make every run here compile crm_tui from source (~0.1 s)
    # while Textual, the baseline's only import, is precompiled. Compile ours once first.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "crm_tui")], check=True)
    use_tmux = not args.no_tmux and shutil.which("tmux") is not None
    print(f"crm-tui start-up bench: {SIZE[0]}x{SIZE[1]}, median of {args.runs} runs, "
          f"10 touches per contact; tmux: {'yes' if use_tmux else 'no'}")
    print(f"{'contacts':>9} | {'headless: paint / all steps s':>29} {'base s':>6} {'ratio':>12} | "
          f"{'tmux: paint s':>13} {'base s':>6} {'ratio':>5} | filter key ms")
    med = statistics.median
    for size in args.sizes:
        home = args.work / str(size)
        t = time.perf_counter()
        generate(home, size)
        gen_s = time.perf_counter() - t
        h_paint, h_full, h_base, t_paint, t_base, totals, parts = ([] for _ in range(7))
        shown_steps: list[str] = []
        for _ in range(args.runs):
            h_base.append(headless("baseline", str(home))[1])  # baseline: paint == full
            paint, full, presses, steps = headless("app", str(home), args.keys)
            shown_steps.append(steps)
            h_paint.append(paint)
            h_full.append(full)
            totals += [p[1] for p in presses]
            parts += [p[2] for p in presses]
            if use_tmux:
                base = in_tmux("baseline", str(home))
                forget_first_screen(str(home))  # a cold start (bench/screens.py has both)
                mine = in_tmux("app", str(home))
                if base and mine:
                    t_base.append(base)
                    t_paint.append(mine)

        def cols(paint: list[float], full: list[float], base: list[float]) -> str:
            b = med(base)
            return (f"{med(paint):16.2f} / {med(full):5.2f}    {b:6.2f} "
                    f"{med(paint) / b:4.2f}x/{med(full) / b:4.2f}x")

        def tmux_cols(t_paint: list[float] = t_paint, t_base: list[float] = t_base) -> str:
            if not t_paint:
                return f"{'-':>13} {'-':>6} {'-':>5}"
            b = med(t_base)
            return f"{med(t_paint):13.2f} {b:6.2f} {med(t_paint) / b:4.2f}x"

        # Visible rows that had their next step in the first frame (rows without one have none).
        steps_note = f" [first frame: {shown_steps[-1]} rows with a next step]" if shown_steps else ""
        keys = (f"{med(parts):5.1f} in app (press+pause {med(totals):5.1f}, max {max(parts):.1f})"
                if parts else "-")
        print(f"{size:>9} | {cols(h_paint, h_full, h_base)} | {tmux_cols()} | "
              f"{keys}   [data {gen_s:.0f} s]{steps_note}", flush=True)
    print("paint: the first frame: rows with their next steps and status, and the footer. "
          "all steps: the engine has computed every contact's next step (rows below the "
          "first screen get theirs after the first paint). filter key: filtering + redrawing "
          "the visible lines; press+pause adds the test pilot's own waits.")


if __name__ == "__main__":
    main()
