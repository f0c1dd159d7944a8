"""Where a result's URL goes (issue 12). A result is ``/results?i=<intake>``, so that Back, reload
and the language switch work without storing health data on the server; the intake in the query
must then reach no log, no other site and no cache: ``triggermap serve`` keeps no access log, and
every page says ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``. (Behind a
reverse proxy, its own access log must leave out query strings: see the README.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from webhelpers import free_port

from triggermap.web.forms import encode_intake

INTAKE = {"version": 1, "pain": [{"region": "buttock-lower-outer", "side": "right", "intensity": 6}],
          "aggravating": ["sitting"]}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):  # type: ignore[no-untyped-def]
        return None


def test_the_intake_in_a_result_url_reaches_no_log(tmp_path: Path):
    from triggermap.store import db

    port = free_port()
    env = {**os.environ, db.ENV_URL: f"sqlite:///{tmp_path / 'd.sqlite3'}", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "triggermap", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    token = encode_intake(INTAKE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "triggermap serve did not start"
                time.sleep(0.2)
        # the form's answer redirects to the result's own URL
        body = urllib.parse.urlencode({"pain": "buttock-lower-outer:right", "int:buttock-lower-outer:right": "6",
                                       "agg": "sitting"}).encode()
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(urllib.request.Request(base + "/results", data=body), timeout=30)
            raise AssertionError("no redirect")
        except urllib.error.HTTPError as exc:
            assert exc.code == 303
            location = exc.headers["location"]
        assert location.startswith("/results?i=")
        sent = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["i"][0]
        for path in (location, f"/results?i={token}&lang=es", f"/handout?i={token}", f"/results?i={token}x"):
            with urllib.request.urlopen(base + path, timeout=60) as r:
                assert r.status == 200
                assert r.headers["cache-control"] == "no-store"
                assert r.headers["referrer-policy"] == "no-referrer"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    logged = (out + err).decode("utf-8", "replace")
    assert f"http://127.0.0.1:{port}/" in logged  # the server did say something: its start-up line
    for secret in (token, sent, "buttock-lower-outer", "results?i="):
        assert secret not in logged, f"{secret!r} reached the server's output"
