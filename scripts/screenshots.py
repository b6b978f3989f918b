"""Write screenshots/*.svg of every screen from the bundled demo at a pinned clock.

    .venv/bin/python scripts/screenshots.py            # into screenshots/
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

The demo is materialised into a temporary home as of 2026-03-02 18:00 UTC (a Monday), so
the pictures only change when the app or the demo data does. 120x36, the app's default
theme.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PINNED_NOW = "2026-03-02T18:00:00+00:00"
SIZE = (120, 36)

# name -> what to do from the Contacts screen (after its next steps are filled in)
Step = Callable[[Any], Awaitable[None]]


async def _keys(pilot: Any, *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause()


async def _richest_contact(pilot: Any) -> None:
    contacts = pilot.app.store.contacts()
    chosen = max(contacts, key=lambda c: (c.touch_count, c.name))
    pilot.app.open_contact(chosen.id)
    await pilot.pause()


async def _compose(pilot: Any) -> None:
    await _richest_contact(pilot)
    await _keys(pilot, "m")


SHOTS: dict[str, Callable[[Any], Awaitable[None]]] = {
    "contacts": lambda p: _keys(p),
    "contacts-filter": lambda p: _keys(p, "slash", *"tidemark"),
    "contact": _richest_contact,
    "compose": _compose,
    "today": lambda p: _keys(p, "2"),
    "articles": lambda p: _keys(p, "3"),
    "feeds": lambda p: _keys(p, "4"),
    "help": lambda p: _keys(p, "question_mark"),
}


async def shoot(out: Path, only: list[str] | None, template: Path) -> list[Path]:
    import shutil

    from crm_tui import clock, config
    from crm_tui.env import Env
    from crm_tui.paths import resolve
    from crm_tui.store.repository import Store
    from crm_tui.ui.app import CrmApp

    now = clock.now()
    written: list[Path] = []
    for name, step in SHOTS.items():
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory(prefix="crm-tui-shots-") as home:
            # A fresh copy of the demo for every shot: no shot sees another's changes.
            shutil.copytree(template, home, dirs_exist_ok=True)
            paths = resolve(home)
            with Store.open(paths.data, today=now) as store:
                app = CrmApp(Env(paths, config.load(paths.config_file), now), store)
                async with app.run_test(size=SIZE) as pilot:
                    await pilot.pause()
                    app.screen._fill_steps()  # normally right after the first paint
                    await pilot.pause()
                    await step(pilot)
                    await pilot.pause(0.2)
                    app.clear_notifications()
                    await pilot.pause()
                    target = out / f"{name}.svg"
                    app.save_screenshot(filename=target.name, path=str(out))
                    written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("names", nargs="*", help=f"only these ({', '.join(SHOTS)})")
    args = parser.parse_args()
    os.environ["CRM_TUI_NOW"] = PINNED_NOW
    os.environ.setdefault("TZ", "UTC")
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    sys.path.insert(0, str(ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    from crm_tui import clock
    from crm_tui.paths import resolve
    from crm_tui.services import demo

    with tempfile.TemporaryDirectory(prefix="crm-tui-demo-") as template:
        # Materialised outside the app's event loop (it fetches the local demo feeds).
        demo.materialize(resolve(template), clock.now())
        for path in asyncio.run(shoot(args.out, args.names or None, Path(template))):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
