"""Engine benchmark: in-process assess latency, knowledge-base load, batch throughput, CLI start-up.

    python bench/bench_engine.py [--quick]

A benchmark, not a test: it prints figures (also as JSON with --json) and asserts nothing.
Targets (issue 2): assess p50 < 100 us; batch > 5,000 drawings/s on 2 cores;
``triggermap assess`` end to end within 3x the start-up of bare ``python -c pass``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHOIR = ROOT / "tests" / "data" / "choir" / "choir_validation_7068.csv"

SAMPLE = {
    "version": 1,
    "age": 42,
    "sex": "female",
    "duration_weeks": 3,
    "pain": [
        {"region": "buttock-lower-inner", "side": "left", "intensity": 6},
        {"region": "buttock-upper-inner", "side": "left", "intensity": 5},
        {"region": "low-back", "side": "left", "intensity": 4},
        {"region": "thigh-posterior", "side": "left", "intensity": 3},
        {"region": "coccyx", "intensity": 3},
    ],
    "qualities": ["aching", "cramping"],
    "aggravating": ["sitting", "walking-uphill"],
    "findings": [],
    "red_flags": [],
    "history": ["new-training-load"],
}


def choir_intakes() -> list[dict]:
    out = []
    with open(CHOIR, newline="") as fh:
        for row in csv.DictReader(fh):
            codes = [int(c) for c in row["bodymap_regions_csv"].split(",") if c.strip()]
            doc: dict = {"version": 1, "choir": codes}
            if row["age"].isdigit():
                doc["age"] = min(int(row["age"]), 120)
            out.append(doc)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def bench_assess(n: int) -> dict:
    from triggermap.assess import assess, parse_intake
    from triggermap.knowledge import load

    kb = load()
    assess(SAMPLE, kb)  # warm the prepared index
    intake = parse_intake(SAMPLE, kb)
    out = {}
    for name, arg in (("assess_dict_us", SAMPLE), ("assess_parsed_us", intake)):
        times = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            assess(arg, kb)
            times.append((time.perf_counter_ns() - t0) / 1000)
        out[name] = {"p50": round(statistics.median(times), 1), "p99": round(pct(times, 0.99), 1)}
    return out


def bench_load() -> dict:
    code = (
        "import time,os; t=time.perf_counter();"
        "from triggermap.knowledge import load; load(); print((time.perf_counter()-t)*1000)"
    )
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "TRIGGERMAP_CACHE_DIR": d}
        cold = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout)
        warm = [
            float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout)
            for _ in range(5)
        ]
    return {"kb_load_cold_ms": round(cold, 1), "kb_load_warm_ms": round(statistics.median(warm), 2)}


def bench_batch(workers: int) -> dict:
    intakes = choir_intakes()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for doc in intakes:
            fh.write(json.dumps(doc) + "\n")
        path = fh.name
    cmd = [sys.executable, "-m", "triggermap", "assess", "--batch", path, "--workers", str(workers)]
    subprocess.run(cmd, capture_output=True)  # warm the cache
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True)
    dt = time.perf_counter() - t0
    lines = res.stdout.count(b"\n")
    os.unlink(path)
    return {
        f"batch_{workers}w": {
            "drawings": len(intakes),
            "lines_out": lines,
            "exit": res.returncode,
            "seconds": round(dt, 3),
            "per_s": round(len(intakes) / dt),
        }
    }


def bench_cli(repeats: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(SAMPLE, fh)
        path = fh.name

    def timeit(cmd: list[str]) -> float:
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            runs.append((time.perf_counter() - t0) * 1000)
        return statistics.median(runs)

    timeit([sys.executable, "-m", "triggermap", "assess", path, "--format", "json"])  # warm cache
    bare = timeit([sys.executable, "-c", "pass"])
    exe = Path(sys.executable).with_name("triggermap")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "triggermap"]
    cli = timeit([*cmd, "assess", path, "--format", "json"])
    os.unlink(path)
    return {"python_c_pass_ms": round(bare, 1), "cli_assess_ms": round(cli, 1), "cli_ratio": round(cli / bare, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res: dict = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    res.update(bench_assess(2000 if a.quick else 20000))
    res.update(bench_load())
    res.update(bench_batch(1))
    res.update(bench_batch(2))
    res.update(bench_cli(5 if a.quick else 20))
    if a.json:
        print(json.dumps(res, indent=2))
        return
    for k, v in res.items():
        print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
