"""Peak memory (resident) and time of `crm-tui import linkedin` on large exports.

    python bench/import_memory.py [--mb 200] [--workdir .bench-import]

Writes, in --workdir, three LinkedIn Connections.csv files and imports each into a fresh
home, in a child process that reports its own peak resident memory (ru_maxrss):

- typical-10k: 10,000 ordinary rows (~1 MB), as a reference;
- largest-50k: 50,000 ordinary rows (~6 MB), the most a file may hold (LinkedIn allows
  30,000 connections);
- rows-200mb: --mb MB of ordinary rows (~1.3 million, the issue's case): more than one
  person's export; streamed, and refused past 50,000 rows;
- wide-200mb: --mb MB in 50,000 rows with eight 500-character extra columns, all of it
  kept in the contacts (a stress case no real export looks like): streamed, imported.

The anchor is `crm-tui list` on an empty home in the same run (the interpreter and its
imports); figures are printed with their ratio to it. Prints figures, asserts nothing.
Goal (issue 14.5): a 200 MB LinkedIn export within 500 MB resident.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
PREAMBLE = 'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing."\n\n'

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from crm_tui.cli import cli
    started = time.perf_counter()
    try:
        cli.main(args=sys.argv[1:], prog_name="crm-tui", standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    except Exception as exc:  # a refused file is a clean exit 2 through click; anything else
        code = repr(exc)
    print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)


def write_rows(path: Path, megabytes: float, extra_columns: int = 0, rows: int | None = None) -> int:
    """A LinkedIn export of about ``megabytes`` (or of ``rows`` rows); how many rows."""
    extra_header = "".join(f",Extra {i}" for i in range(extra_columns))
    target = int(megabytes * 1024 * 1024)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(PREAMBLE + HEADER + extra_header + "\n")
        written = out.tell()
        if rows is not None and extra_columns:
            pad = max(1, (target - written) // max(rows, 1) // extra_columns - 4)
        else:
            pad = 0
        while (rows is None and written < target) or (rows is not None and count < rows):
            extras = "".join(f',"{chr(97 + (count + i) % 26) * pad}"' for i in range(extra_columns))
            line = (f"Person{count},Surname{count % 997},https://www.linkedin.com/in/person-{count},"
                    f"p{count}@example.com,Company {count % 5000},Engineer,{1 + count % 28:02d} Oct 2024{extras}\n")
            out.write(line)
            written += len(line)
            count += 1
    return count


def run(home: Path, *args: str) -> dict[str, object]:
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_TUI_HOME": str(home),
           "CRM_TUI_NOW": "2026-03-02T09:00:00+00:00"}
    done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result: dict[str, object] = json.loads(lines[-1]) if lines else {"code": done.returncode}
    result["stderr"] = done.stderr.strip().splitlines()[-1:] if done.stderr.strip() else []
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench-import")
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"

    files = {
        "typical-10k": (work / "typical-10k.csv", {"megabytes": 0, "rows": 10_000}),
        "largest-50k": (work / "largest-50k.csv", {"megabytes": 0, "rows": 50_000}),
        f"rows-{args.mb:g}mb": (work / "rows.csv", {"megabytes": args.mb}),
        f"wide-{args.mb:g}mb": (work / "wide.csv", {"megabytes": args.mb, "extra_columns": 8, "rows": 50_000}),
    }
    for _name, (path, spec) in files.items():
        if not path.exists():
            write_rows(path, **spec)  # type: ignore[arg-type]

    anchor = run(home, "list")
    anchor_mb = float(anchor["rss_mb"])  # type: ignore[arg-type]
    print(f"anchor: `crm-tui list` on an empty home: {anchor_mb:.0f} MB resident "
          "(machine shared with other work: times are noisy, memory is not)")
    for name, (path, _spec) in files.items():
        started = time.perf_counter()
        result = run(home, "import", "linkedin", str(path))
        wall = time.perf_counter() - started
        size = path.stat().st_size / (1024 * 1024)
        rss = float(result.get("rss_mb", 0.0))  # type: ignore[arg-type]
        outcome = "imported" if result.get("code") == 0 else f"refused (exit {result.get('code')})"
        print(f"{name:>14}: {size:7.1f} MB file, {outcome}, peak {rss:6.0f} MB resident "
              f"({rss / anchor_mb:4.1f}x the anchor), {wall:6.1f} s")
        for line in result.get("stderr") or []:  # type: ignore[union-attr]
            print(f"{'':>16}{line[:150]}")


if __name__ == "__main__":
    main()
