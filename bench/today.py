"""How long "who to ping today" takes on a big store. Prints figures; asserts nothing.

    python bench/today.py                       # generates .bench-home once (bench/gen.py)
    python bench/today.py --home /tmp/h --runs 9

Figures:
- engine.suggestions (all contacts, all open threads) on an open store: the first call
  (touch shards read from disk) and the median of --runs warm calls; target <= 200 ms;
- `crm-tui today` as a whole process (start-up, open read-only, compute, print):
  median of --process-runs; target <= 1 s.
The clock is pinned (CRM_TUI_NOW, default below) so runs are comparable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_NOW = "2026-03-18T09:00:00+00:00"


def ensure_store(home: Path, contacts: int, touches: int, env: dict[str, str]) -> None:
    from crm_tui.paths import resolve

    data = resolve(home).data
    if (data / "contacts.json").exists():
        return
    print(f"generating {contacts:,} contacts / {touches:,} touches into {home} (once) ...", flush=True)
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen.py"), "--home", str(home),
         "--contacts", str(contacts), "--touches", str(touches)],
        check=True, env=env,
    )


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / ".bench-home")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--touches", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--process-runs", type=int, default=5)
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("CRM_TUI_NOW", DEFAULT_NOW)
    env.setdefault("TZ", "UTC")
    os.environ.update({"CRM_TUI_NOW": env["CRM_TUI_NOW"], "TZ": env["TZ"]})
    ensure_store(args.home, args.contacts, args.touches, env)

    from crm_tui import clock, config
    from crm_tui.domain import cadence
    from crm_tui.paths import resolve
    from crm_tui.services import engine
    from crm_tui.store.repository import Store

    paths = resolve(args.home)
    settings = config.load(paths.config_file)
    now = clock.now()

    started = time.perf_counter()
    store = Store.open(paths.data, readonly=True, today=now)
    opened = time.perf_counter() - started
    try:
        started = time.perf_counter()
        found = engine.suggestions(store, settings, now)
        first = time.perf_counter() - started
        warm = []
        for _ in range(args.runs):
            started = time.perf_counter()
            found = engine.suggestions(store, settings, now)
            warm.append(time.perf_counter() - started)
        ranked = []
        for _ in range(args.runs):
            started = time.perf_counter()
            today = cadence.who_to_ping(found)
            ranked.append(time.perf_counter() - started)
        contacts = len(store.contacts())
        threads = len(store.threads(open_only=True))
    finally:
        store.close()

    command = [sys.executable, "-m", "crm_tui", "--home", str(args.home), "today"]
    process = []
    for _ in range(args.process_runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        process.append(time.perf_counter() - started)
        if done.returncode != 0:
            print(f"crm-tui today failed ({done.returncode}): {done.stderr.strip()[:500]}")
            break

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    started = time.perf_counter()
    sum(range(10_000_000))
    calibration = time.perf_counter() - started
    print(f"store: {contacts:,} contacts, {threads:,} open threads; now {now.isoformat()}; "
          f"load average {load:.2f} on {os.cpu_count()} cores")
    print(f"calibration: sum(range(10**7)) took {calibration * 1000:.0f} ms "
          "(about 150-250 ms on an idle core: scale the figures below by it)")
    print(f"open store (read-only):          {opened * 1000:.0f} ms")
    print(f"engine.suggestions, first call:  {first * 1000:.0f} ms "
          f"({len(found):,} suggestions, {len(today):,} due today)")
    print(f"engine.suggestions, warm median: {median_ms(warm)} over {args.runs} runs "
          f"(min {min(warm) * 1000:.0f} ms)   target <= 200 ms")
    print(f"who_to_ping ranking, median:     {median_ms(ranked)}")
    print(f"`crm-tui today` process, median: {median_ms(process)} over {len(process)} runs "
          f"(min {min(process) * 1000:.0f} ms)   target <= 1000 ms")


if __name__ == "__main__":
    main()
