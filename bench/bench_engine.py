"""Engine benchmark: in-process assess latency, knowledge-base load, batch throughput, CLI start-up.

    python bench/bench_engine.py [--quick]

A benchmark, not a test: it prints figures (also as JSON with --json) and asserts nothing.
The compiled engine: run this file with the python of a venv that has the compiled wheel
(scripts/test-compiled.sh build DIR makes one: DIR/venv/bin/python) and without PYTHONPATH.
Targets (issues 10, 13): assess p50 < 150 us; warm knowledge-base load < 20 ms; batch >= 8,000
drawings/s on 2 workers (1.7x one worker) with peak memory under 400 MB at 70,680 drawings;
``triggermap assess`` end to end within 4x bare ``python -c pass``; the first run (empty cache)
within 4x a warm run. On a machine shared with other work, repeat and compare medians: the
figures include ``load_average_start``/``_end`` and CPU seconds beside wall time.
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
    from triggermap.engine import assess, parse_intake
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


def _child_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def bench_load(repeats: int = 9) -> dict:
    """Knowledge-base load in a fresh process (import included): a cold compile into an empty
    cache, then warm loads (median wall and CPU time of ``repeats``)."""
    code = (
        "import time; t=time.perf_counter(); c=time.process_time();"
        "from triggermap.knowledge import load; load();"
        "print((time.perf_counter()-t)*1000, (time.process_time()-c)*1000)"
    )
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "TRIGGERMAP_CACHE_DIR": d}

        def once() -> tuple[float, float]:
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            wall, cpu = out.stdout.split()
            return float(wall), float(cpu)

        cold = once()
        warm = [once() for _ in range(repeats)]
    return {
        "kb_load_cold_ms": round(cold[0], 1),
        "kb_load_warm_ms": round(statistics.median(w for w, _ in warm), 2),
        "kb_load_warm_cpu_ms": round(statistics.median(c for _, c in warm), 2),
    }


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(x) for x in fh.read().split())
        except OSError:
            pass
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) of ``pids`` in kB (PSS shares each page among the processes using it)."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def run_batch(path: str, workers: int, out: str, sample_memory: bool = False, fmt: str = "json") -> dict:
    """One ``--batch`` run (stdout to ``out``, in ``fmt``: json documents or csv rows): wall and CPU
    seconds, exit code, and with ``sample_memory`` the peak total RSS/PSS of the command and its
    workers (sampled every 20 ms)."""
    import threading

    cmd = [sys.executable, "-m", "triggermap", "assess", "--batch", path, "--workers", str(workers),
           "--format", fmt]
    cpu0 = _child_cpu()
    peak = [0, 0]
    with open(out, "wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.DEVNULL)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                rss, pss = _memory(_tree(proc.pid))
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_memory:
            sampler.start()
        code = proc.wait()
        dt = time.perf_counter() - t0
        done.set()
        if sample_memory:
            sampler.join()
    res = {"exit": code, "seconds": round(dt, 3), "cpu_s": round(_child_cpu() - cpu0, 2)}
    if sample_memory:
        res.update(peak_rss_mb=round(peak[0] / 1024), peak_pss_mb=round(peak[1] / 1024))
    return res


def _choir_file(copies: int = 1) -> tuple[str, int]:
    intakes = choir_intakes()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for _ in range(copies):
            for doc in intakes:
                fh.write(json.dumps(doc) + "\n")
    return fh.name, len(intakes) * copies


def _warm_cache() -> None:
    subprocess.run([sys.executable, "-m", "triggermap", "assess", "-", "--format", "json"],
                   input=json.dumps(SAMPLE).encode(), capture_output=True, check=True)


def bench_batch(workers: int, repeats: int = 1, fmt: str = "json") -> dict:
    """``--batch`` on the 7,068 CHOIR drawings into a file: drawings/s (median of ``repeats``);
    ``fmt`` csv: the summary rows (no next questions in them, so none are computed)."""
    path, n = _choir_file()
    _warm_cache()
    runs = []
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.jsonl")
        for _ in range(repeats):
            r = run_batch(path, workers, out, fmt=fmt)
            with open(out, "rb") as fh:
                r["lines_out"] = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            runs.append(r)
    os.unlink(path)
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {f"batch_{workers}w" + ("" if fmt == "json" else f"_{fmt}"): {"drawings": n, **best, "per_s": round(n / best["seconds"]),
                                  "per_s_runs": [round(n / r["seconds"]) for r in runs]}}


def bench_batch_memory(copies: int, workers: int = 2) -> dict:
    """Peak memory of ``--batch`` over the CHOIR drawings ``copies`` times (10: 70,680 drawings),
    output to /dev/null."""
    path, n = _choir_file(copies)
    _warm_cache()
    r = run_batch(path, workers, os.devnull, sample_memory=True)
    os.unlink(path)
    return {f"batch_memory_{workers}w": {"drawings": n, **r, "per_s": round(n / r["seconds"])}}


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall ms, CPU ms of the process and its children) of one run."""
    cpu0 = _child_cpu()
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    return (time.perf_counter() - t0) * 1000, (_child_cpu() - cpu0) * 1000


def bench_first_run(repeats: int = 3) -> dict:
    """``triggermap assess FILE --format json`` with an empty knowledge-base cache (the first run on a
    fresh machine) against the same with a warm cache; medians of ``repeats``, wall and CPU time
    (CPU time is the steadier figure on a machine shared with other work). An installed wheel
    (``pip install .``, as the README's first command) ships the compiled knowledge base, which the
    first run copies into the cache (``prebuilt``: true); an editable checkout compiles its YAML
    (false): run this file with a wheel's Python (scripts/test-compiled.sh build DIR) for the former."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(SAMPLE, fh)
        path = fh.name
    cmd = [sys.executable, "-m", "triggermap", "assess", path, "--format", "json"]
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as d:
        for k in range(repeats):
            env = {**os.environ, "TRIGGERMAP_CACHE_DIR": os.path.join(d, f"fresh{k}")}
            cold.append(_timed(cmd, env))
            warm.append(_timed(cmd, env))
    os.unlink(path)
    cw, cc = statistics.median(w for w, _ in cold), statistics.median(c for _, c in cold)
    ww, wc = statistics.median(w for w, _ in warm), statistics.median(c for _, c in warm)
    probe = "import os, triggermap.knowledge.loader as l; print(os.path.isdir(l.prebuilt_dir(l.DATA_DIR)))"
    prebuilt = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "True"
    return {"prebuilt": prebuilt, "first_run_ms": round(cw, 1), "warm_run_ms": round(ww, 1), "first_to_warm": round(cw / ww, 2),
            "first_run_cpu_ms": round(cc, 1), "warm_run_cpu_ms": round(wc, 1), "first_to_warm_cpu": round(cc / wc, 2)}


def bench_cli(repeats: int) -> dict:
    """``triggermap assess FILE --format json`` end to end against bare ``python -c pass`` (warm cache),
    medians of ``repeats`` taken in turn, wall and CPU time."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(SAMPLE, fh)
        path = fh.name
    exe = Path(sys.executable).with_name("triggermap")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "triggermap"]
    cli_cmd = [*cmd, "assess", path, "--format", "json"]
    _timed(cli_cmd)  # warm the cache
    bare, cli = [], []
    for _ in range(repeats):
        bare.append(_timed([sys.executable, "-c", "pass"]))
        cli.append(_timed(cli_cmd))
    os.unlink(path)
    bw, bc = statistics.median(w for w, _ in bare), statistics.median(c for _, c in bare)
    cw, cc = statistics.median(w for w, _ in cli), statistics.median(c for _, c in cli)
    return {"python_c_pass_ms": round(bw, 1), "cli_assess_ms": round(cw, 1), "cli_ratio": round(cw / bw, 2),
            "python_c_pass_cpu_ms": round(bc, 1), "cli_assess_cpu_ms": round(cc, 1), "cli_ratio_cpu": round(cc / bc, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--memory-copies", type=int, default=10,
                    help="peak memory over the CHOIR drawings this many times (10: 70,680; 0: skip)")
    ap.add_argument("--only", default="", help="comma-separated parts: assess,load,batch,memory,first,cli")
    a = ap.parse_args()
    parts = set(a.only.split(",")) if a.only else {"assess", "load", "batch", "memory", "first", "cli"}
    res: dict = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_average_start": os.getloadavg()}
    if "assess" in parts:
        res.update(bench_assess(2000 if a.quick else 20000))
    if "load" in parts:
        res.update(bench_load())
    if "batch" in parts:
        res.update(bench_batch(1, 1 if a.quick else 3))
        res.update(bench_batch(2, 1 if a.quick else 3))
        res.update(bench_batch(2, 1 if a.quick else 3, fmt="csv"))
    if "memory" in parts and a.memory_copies:
        res.update(bench_batch_memory(a.memory_copies))
    if "first" in parts:
        res.update(bench_first_run())
    if "cli" in parts:
        res.update(bench_cli(5 if a.quick else 20))
    res["load_average_end"] = os.getloadavg()
    if a.json:
        print(json.dumps(res, indent=2))
        return
    for k, v in res.items():
        print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
