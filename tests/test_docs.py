"""Keep vendored copies and documentation honest."""

from __future__ import annotations

import re

import pytest

from tmhelpers import CHOIR_DIR, CONTRACT, SHARED


@pytest.mark.skipif(not (SHARED / "spec").is_dir(), reason="shared/ is not beside this checkout")
def test_vendored_contract_matches_shared():
    assert CONTRACT.read_text(encoding="utf-8") == (SHARED / "spec" / "assessment-contract.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="shared/ is not beside this checkout")
def test_vendored_choir_data_matches_shared():
    for name in ("choir_codes.csv", "choir_validation_7068.csv"):
        assert (CHOIR_DIR / name).read_bytes() == (SHARED / "data" / "choir" / name).read_bytes()


def test_readme_commands_and_ci_agree():
    from tmhelpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -c requirements.lock . && triggermap serve" in readme
    assert "bash scripts/test.sh" in readme
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # both commands install the locked set, and the lock covers every declared dependency
    assert "-c requirements.lock" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.M)}
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    declared = {norm(re.match(r"[A-Za-z0-9_.-]+", d).group(0)) for d in specs}
    assert declared <= {norm(p) for p in pinned}, declared - {norm(p) for p in pinned}


def test_readme_example_runs_as_shown(tmp_path):
    """The README's example, run as the README runs it: same triage, same best muscle, the
    muscles and conditions shown in the order shown, the same sections (scores and texts may
    move with the data)."""
    import json
    import os
    import subprocess
    import sys

    from tmhelpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intake = json.loads(re.search(r"\$ cat intake.json\n(.*?)\n\$ triggermap assess", readme, re.S).group(1))
    shown = re.search(r"```\n(Triage:.*?)\n```", readme, re.S).group(1)
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, "-m", "triggermap", "assess", str(path)], capture_output=True,
                         text=True, env=env, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    text = run.stdout

    def muscles(report: str) -> list[str]:
        return re.findall(r"^  \d+\. (.+?) \(Musculus", report, re.M)

    def conditions(report: str) -> list[str]:
        block = report.split("Conditions to rule out:\n", 1)[1].split("\n\n", 1)[0]
        return re.findall(r"^  - (.+?) \(\d\.\d\d\)", block, re.M)

    def in_order(part: list[str], whole: list[str]) -> bool:  # ``part`` is a subsequence of ``whole``
        rest = iter(whole)
        return all(x in rest for x in part)

    assert text.splitlines()[0] == shown.splitlines()[0]  # the triage level
    # the ranking shown: the same best muscle, and the muscles shown that are still listed in the
    # order shown (new muscles in the knowledge base may rank between them and push some out)
    ranked, listed = muscles(shown), muscles(text)
    assert ranked and listed[0] == ranked[0]
    kept = [m for m in ranked if m in listed]
    assert len(kept) >= min(3, len(ranked)) and in_order(kept, listed), (ranked, listed)
    assert in_order(conditions(shown), conditions(text)), (conditions(shown), conditions(text))
    for m in re.finditer(r"^  \d+\. .+ (\d\.\d\d)$", text, re.M):
        assert 0 < float(m.group(1)) <= 1
    for heading in ("Muscles whose trigger points may refer this pain:", "Conditions to rule out:",
                    "Self-care plan:", "References:"):
        assert heading in shown and heading in text
    assert text.rstrip().endswith(shown.rstrip().splitlines()[-1])  # the disclaimer
