"""The benchmarks never rot (issue 12): the quick pass of every workload runs and produces numbers.
Nothing here asserts a time: a loaded CI machine must not fail the build."""
import json
import math

import bench
from bench.harness import Row, percentile, table


def test_the_quick_pass_runs_every_workload_and_writes_its_numbers(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert bench.main(["--quick", "--no-install", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    rows = results["rows"]
    assert results["quick"] is True
    for workload in bench.WORKLOADS:
        assert any(r["workload"].startswith(_label(workload)) for r in rows), workload
    for r in (r for r in rows if r["baseline_name"] != "skipped"):  # a skipped row says why in its note
        assert isinstance(r["figure"], (int, float)) and math.isfinite(r["figure"]) and r["figure"] > 0, r
        assert r["baseline"] is None or r["baseline"] > 0, r
    assert "| workload | figure | baseline | ratio | goal | met? |" in capsys.readouterr().out


def _label(workload: str) -> str:
    return {"fanout": "fan-out", "startup": "start-up"}.get(workload, workload)


def test_percentiles_are_by_nearest_rank_and_the_table_says_what_was_not_met():
    samples = list(range(1, 101))
    assert percentile(samples, 99) == 99 and percentile(samples, 50) == 50 and math.isnan(percentile([], 99))
    text = table([Row("x", 3.0, "ms", 1.5, "base", 2.0, "≤ 2 ms", False, "why")])
    assert "| x | 3.00 ms | 1.50 ms (base) | 2.00× | ≤ 2 ms | **no** |" in text and "- x: why" in text
