"""Benchmarks at real scale (issue 12): `./dev bench` or `studybot bench` runs every workload, prints one
table (workload, figure, baseline, ratio, goal, met?) and writes bench/results.json. Each workload
measures its baseline in the same process, in shuffled rounds; `--quick` is a scaled-down pass in
under a minute (a test runs it, so the benchmarks never rot).

  ingest.py       events through LiveScheduler.handle on a file database, open-loop at fixed rates
  disk.py         max ingest against the naive baseline again, with each fsync made slower (cloud disks)
  leaderboard.py  /leaderboard over a year of answers, against GROUP BY and a Redis sorted set
  fanout.py       a thousand channels' questions due in one minute, through a rate-limited fake platform
  streaks.py      a streak update per answer, against recomputing from the history
  startup.py      `studybot console` to "up", and peak RSS with a thousand groups
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from .harness import Row, Scale, table, write_results

WORKLOADS = ("ingest", "disk", "leaderboard", "fanout", "streaks", "startup")
HERE = Path(__file__).parent


async def run(scale: Scale, only: tuple[str, ...] = WORKLOADS) -> list[Row]:
    from importlib import import_module

    rows: list[Row] = []
    for name in only:
        print(f"… {name}", file=sys.stderr, flush=True)
        rows += await import_module(f".{name}", __name__).run(scale)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="studybot bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a scaled-down pass, under a minute")
    p.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS), help="run only these workloads")
    p.add_argument("--out", type=Path, help="results file (default bench/results.json; bench/results-quick.json with --quick)")
    p.add_argument("--no-install", action="store_true", help="never apt-get install redis-server for the Redis baseline")
    args = p.parse_args(argv)
    scale = Scale(quick=args.quick, install=not args.no_install)
    begin = time.perf_counter()
    rows = asyncio.run(run(scale, tuple(args.only)))
    out = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
    write_results(rows, out, scale, time.perf_counter() - begin)
    print(table(rows))
    print(f"\n{len(rows)} figures in {time.perf_counter() - begin:.0f} s; written to {out}")
    return 0
