"""`triggermap serve`: the command the README runs first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from webhelpers import free_port


def test_serve_starts_the_app_and_stops_cleanly():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "triggermap", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    assert "server" not in {k.lower() for k in r.headers}
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "triggermap serve did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert b"safety questions" in r.read()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert f"http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err


def test_serve_help_lists_the_options():
    out = subprocess.run([sys.executable, "-m", "triggermap", "serve", "--help"], capture_output=True, timeout=60)
    assert out.returncode == 0
    text = out.stdout.decode()
    for opt in ("--host", "--port", "--clinic"):
        assert opt in text
