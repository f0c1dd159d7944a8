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


def test_readme_example_matches_the_engine():
    """The README's example report is what the engine says today (first lines of each muscle)."""
    import json
    import re

    from tmhelpers import ROOT
    from triggermap.assess import assess
    from triggermap.fastcli import report
    from triggermap.knowledge import load

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intake = json.loads(re.search(r"\$ cat intake.json\n(.*?)\n\$ triggermap assess", readme, re.S).group(1))
    kb = load()
    text = report(assess(intake, kb), "en", kb.regions)
    shown = re.search(r"```\n(Triage:.*?)\n```", readme, re.S).group(1)
    for line in shown.splitlines():
        if line.strip() in ("...", "") or line.startswith("  [travell"):
            continue
        assert line in text, line
