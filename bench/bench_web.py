"""Web load benchmark: ``POST /api/v1/assess`` against ``GET /healthz`` (the floor) on loopback.

    python bench/bench_web.py [--duration 10] [--connections 32] [--workers 2] [--tool wrk|python] [--json]

Starts the app under uvicorn on 127.0.0.1 with one worker process per core (2 by default), pinned
to those cores with ``taskset`` when available, then drives each endpoint for ``--duration`` seconds after a short
warm-up and prints requests/s and p50/p99 latency for both, and the ratio assess / healthz.
Target (issue 4): assess throughput at least 0.8x the floor.

Every assess request carries a *different* intake (the bench/cases drawings, each with a
request counter folded into ``age`` and ``duration_weeks``), so nothing can be served from a
cache: this measures the real path (parse, validate, assess, serialise).

The load generator is ``wrk`` (apt-get install wrk) when installed, else a small asyncio HTTP/1.1
keep-alive client (``--tool python``, bounded by ``--max-requests`` as well as time). On a
2-core machine the client shares the cores with the server: both endpoints pay that equally,
and the ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "bench" / "cases"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def case_intakes() -> list[dict[str, Any]]:
    import yaml

    out = []
    for p in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        intake = doc.get("intake") if isinstance(doc, dict) else None
        if isinstance(intake, dict):
            intake = {k: v for k, v in intake.items() if k not in ("age", "duration_weeks")}
            out.append(intake)
    if not out:
        out.append({"version": 1, "pain": [{"region": "buttock-lower-inner", "side": "left", "intensity": 6}]})
    return out


def templates() -> list[str]:
    """JSON bodies with two slots (age, weeks) filled per request."""
    out = []
    for intake in case_intakes():
        body = json.dumps(intake, separators=(",", ":"))
        out.append(body[:-1] + ',"age":%d,"duration_weeks":%s}')
    return out


# --------------------------------------------------------------------------- server


#: The server: N uvicorn workers sharing one listening socket, like ``uvicorn --workers N`` but with the
#: socket created as IPPROTO_TCP. uvicorn 0.54 creates it with proto 0, so asyncio does not set
#: TCP_NODELAY on accepted connections and every keep-alive response waits ~40 ms for a delayed ACK
#: (Nagle): 700 req/s for any app, however trivial. This launcher measures the app, not that.
SERVER = """
import os, signal, socket, sys
import uvicorn
port, workers = int(sys.argv[1]), int(sys.argv[2])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen(2048)
sock.set_inheritable(True)
children = []
for _ in range(workers):
    pid = os.fork()
    if pid == 0:
        config = uvicorn.Config("triggermap.web.app:create_app", factory=True, log_level="warning",
                                access_log=False, server_header=False, lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])
        os._exit(0)
    children.append(pid)

def stop(*_):
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
for pid in children:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
"""


def start_server(port: int, workers: int, cores: str | None, installed: bool = False) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", SERVER, str(port), str(workers)]
    if cores and shutil.which("taskset"):
        cmd = ["taskset", "-c", cores, *cmd]
    if installed:  # the package this interpreter has installed (e.g. the compiled wheel in a venv)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    else:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    import urllib.request

    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    time.sleep(1.0)  # let every worker finish loading
                    return proc
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
    stop_server(proc)
    raise RuntimeError("the server did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --------------------------------------------------------------------------- wrk

WRK_LUA = """
local templates = {%s}
local n = 0
local headers = {["Content-Type"] = "application/json"}
request = function()
  n = n + 1
  local t = templates[(n %% #templates) + 1]
  local body = string.format(t, n %% 121, string.format("%%.3f", (n %% 5000) / 1000))
  return wrk.format("POST", "/api/v1/assess", headers, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. string.sub(body, 1, 200) .. "\\n")
  end
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_run(url: str, duration: float, connections: int, threads: int, script: str | None) -> dict[str, float]:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:.0f}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]

    def lat(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else (v * 1000 if unit == "s" else v)

    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    total = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50_ms": lat("50"), "p99_ms": lat("99"), "requests": total, "errors": errors}


# --------------------------------------------------------------------------- python client


async def _py_load(host: str, port: int, make_request: Any, duration: float, connections: int,
                   max_requests: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop_at = time.perf_counter() + duration

    async def one_conn() -> None:
        nonlocal counter, errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop_at and counter < max_requests:
                counter += 1
                req = make_request(counter)
                t0 = time.perf_counter()
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                length = int(m.group(1)) if m else 0
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not head.startswith(b"HTTP/1.1 200"):
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_conn() for _ in range(connections)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {
        "rps": n / elapsed,
        "p50_ms": latencies[n // 2] * 1000 if n else float("nan"),
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
        "requests": n,
        "errors": errors,
    }


def py_run(port: int, endpoint: str, duration: float, connections: int, max_requests: int) -> dict[str, float]:
    if endpoint == "healthz":
        req = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()

        def make(n: int) -> bytes:
            return req
    else:
        tpls = templates()

        def make(n: int) -> bytes:
            body = (tpls[n % len(tpls)] % (n % 121, f"{(n % 5000) / 1000:.3f}")).encode()
            return (f"POST /api/v1/assess HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    return asyncio.run(_py_load("127.0.0.1", port, make, duration, connections, max_requests))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint (default 10)")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per endpoint")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers = cores (default 2)")
    ap.add_argument("--cores", default=None, help="CPU list for taskset (default: the first --workers cores)")
    ap.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--max-requests", type=int, default=200_000, help="python client: request bound per run")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--installed", action="store_true",
                    help="serve the triggermap installed for this interpreter instead of src/ (run the bench with "
                         "a venv's python that has the compiled wheel: the compiled engine)")
    a = ap.parse_args(argv)

    tool = a.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    cores = a.cores or ",".join(str(i) for i in range(min(a.workers, os.cpu_count() or 1)))
    port = free_port()
    proc = start_server(port, a.workers, cores, a.installed)
    results: dict[str, dict[str, float]] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as tmp:
            lua = Path(tmp) / "assess.lua"
            lua.write_text(WRK_LUA % ", ".join(_lua_string(t) for t in templates()), encoding="utf-8")
            # sanity: one real request of each kind
            import urllib.request

            body = (templates()[0] % (42, "1.000")).encode()
            req = urllib.request.Request(base + "/api/v1/assess", data=body, headers={"content-type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200 and json.loads(r.read())["version"] == 1
            for name, path, script in (("healthz", "/healthz", None), ("assess", "/api/v1/assess", str(lua))):
                if tool == "wrk":
                    wrk_run(base + path, a.warmup, a.connections, 1, script)
                    results[name] = wrk_run(base + path, a.duration, a.connections, 1, script)
                else:
                    py_run(port, name, a.warmup, a.connections, a.max_requests)
                    results[name] = py_run(port, name, a.duration, a.connections, a.max_requests)
    finally:
        stop_server(proc)

    ratio = results["assess"]["rps"] / results["healthz"]["rps"]
    summary = {
        "tool": tool, "workers": a.workers, "cores": cores, "connections": a.connections, "duration_s": a.duration,
        "cpu_count": os.cpu_count(), **{k: v for k, v in results.items()}, "ratio_assess_to_floor": ratio,
    }
    if a.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"triggermap web benchmark: uvicorn x{a.workers} workers on cores {cores}, {a.connections} connections, "
          f"{a.duration:.0f} s per endpoint, load generator: {tool} (machine: {os.cpu_count()} CPUs)")
    print(f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>11}{'errors':>8}")
    for name, label in (("healthz", "GET /healthz (floor)"), ("assess", "POST /api/v1/assess")):
        r = results[name]
        print(f"{label:<22}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{int(r['requests']):>11}"
              f"{int(r['errors']):>8}")
    print(f"assess / floor throughput: {ratio:.2f}x (target >= 0.80x)")
    if statistics.fmean([results[k]["errors"] for k in results]) > 0:
        print("warning: some requests failed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
