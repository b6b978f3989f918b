"""Store figures at scale: open time, durable touch-log time (median of 20), peak memory.

    python bench/gen.py --home .bench-home      # once: 10k contacts, 100k touches, 5k articles
    python bench/store.py --home .bench-home

Prints figures; asserts nothing. Goals (issue 2): open <= 0.5 s, log one touch <= 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_tui import clock
from crm_tui.domain.models import Touch
from crm_tui.paths import resolve
from crm_tui.store.repository import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    data = resolve(args.home).data
    now = clock.now()
    size = sum(p.stat().st_size for p in data.glob("*.json")) / 1e6

    # The first open of a day also copies the data into backups/DATE.
    import shutil
    shutil.rmtree(data / "backups" / now.format("YYYY-MM-DD"), ignore_errors=True)
    started = time.perf_counter()
    Store.open(data, today=now).close()
    first_of_day = time.perf_counter() - started

    opens = []
    for _ in range(5):
        started = time.perf_counter()
        store = Store.open(data, today=now)
        opens.append(time.perf_counter() - started)
        counts = (len(store.contacts()), len(store.articles()), len(store.threads()))
        store.close()

    # Cold-ish: a fresh interpreter opening the store (imports included).
    code = (
        "import time,sys; t=time.perf_counter(); from crm_tui.store.repository import Store;"
        f"s=Store.open(__import__('pathlib').Path({str(data)!r})); s.close();"
        "print(time.perf_counter()-t)"
    )
    fresh = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(3)]

    tracemalloc.start()
    store = Store.open(data, today=now)
    _, peak_open = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    people = store.contacts()
    logs = []
    for i in range(args.runs):
        person = people[(i * 997) % len(people)]
        touch = Touch(contact_id=person.id, at=now.shift(seconds=-i).isoformat(), note=f"bench {i}")
        started = time.perf_counter()
        store.log_touch(touch)
        logs.append(time.perf_counter() - started)
    all_touches_started = time.perf_counter()
    total_touches = len(store.touches())
    all_touches = time.perf_counter() - all_touches_started
    store.close()

    print(f"store: {counts[0]:,} contacts, {total_touches:,} touches, {counts[1]:,} articles, "
          f"{counts[2]:,} threads, {size:.1f} MB on disk")
    print(f"open (in process, median of 5):        {statistics.median(opens) * 1000:7.1f} ms   goal <= 500 ms")
    print(f"open, first of the day (with backup):  {first_of_day * 1000:7.1f} ms")
    print(f"open (fresh interpreter, median of 3): {statistics.median(fresh) * 1000:7.1f} ms   (imports included)")
    print(f"log one touch, durable (median of {args.runs}):  {statistics.median(logs) * 1000:7.1f} ms   "
          f"goal <= 50 ms (max {max(logs) * 1000:.1f} ms)")
    print(f"read every touch (lazy shards):        {all_touches * 1000:7.1f} ms")
    print(f"peak Python memory while opening:      {peak_open / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()
