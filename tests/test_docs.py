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


# -- contract 1.1 in docs/api.md and docs/data.md -------------------------------------------------------
def _doc(name: str) -> str:
    from tmhelpers import ROOT

    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def _table(text: str, after: str) -> list[list[str]]:
    """The rows (cells, without the header) of the first Markdown table after ``after`` (a
    heading, or the start of the table's header line)."""
    rest = text.split(after, 1)[1]
    lines = (after + rest if after.startswith("|") else rest).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def test_api_doc_names_every_contract_11_field():
    from triggermap.schemas import AbsentIn, NextQuestion, PalpationIn
    from triggermap.vocabulary import ANSWER_LISTS, ASKERS, PALPATION_FIELDS, QUESTION_FIELDS

    api = _doc("api.md")
    palpation = [r[0].strip("`") for r in _table(api, "### Intake `palpation`")]
    assert palpation == list(PalpationIn.model_fields) == list(PALPATION_FIELDS)
    questions = [r[0].strip("`") for r in _table(api, "### Assessment `next_questions`")]
    assert questions == list(NextQuestion.model_fields)
    absent = api.split("### Intake `absent`", 1)[1].split("\n### ", 1)[0]
    assert all(f"`{k}`" in absent for k in [*AbsentIn.model_fields, *ANSWER_LISTS])
    block = api.split("### Assessment `next_questions`", 1)[1].split("\n### ", 1)[0]
    assert all(f"`{f}`" in block for f in QUESTION_FIELDS) and all(f"`{w}`" in block for w in ASKERS)


@pytest.mark.parametrize(
    "extra",
    [
        {"absent": []},
        {"absent": {"pain": ["x"]}},
        {"absent": {"findings": "faber-positive"}},
        {"absent": {"findings": ["faber-positve"]}},
        {"findings": ["faber-positive"], "absent": {"findings": ["faber-positive"]}},
        {"palpation": {}},
        {"palpation": ["gluteus-medius"]},
        {"palpation": [{"muscle": "gluteus-medius", "side": "left", "tender": True, "depth": 1}]},
        {"palpation": [{"side": "left", "tender": True}]},
        {"palpation": [{"muscle": "gluteus-medus", "side": "left", "tender": True}]},
        {"palpation": [{"muscle": "gluteus-medius", "side": "left"}]},
        {"palpation": [{"muscle": "gluteus-medius", "side": "left", "tender": "yes"}]},
        {"palpation": [{"muscle": "gluteus-medius", "tender": True}]},
        {"palpation": [{"muscle": "sphincter-ani", "side": "left", "tender": True}]},
        {"palpation": [{"muscle": "gluteus-medius", "side": "lft", "tender": True}]},
        {"palpation": [{"muscle": "gluteus-medius", "side": "both", "tender": True},
                       {"muscle": "gluteus-medius", "side": "left", "tender": False}]},
    ],
)
def test_api_doc_shows_the_errors_the_engine_gives(kb, extra):
    """Each error row of the absent and palpation tables: the engine names the documented field
    and its message starts as documented."""
    from triggermap.engine import IntakeError, parse_intake

    rows = [r for head in ("### Intake `absent`", "### Intake `palpation`")
            for r in _table(_doc("api.md").split(head, 1)[1], "| invalid")]
    with pytest.raises(IntakeError) as info:
        parse_intake({"pain": [{"region": "buttock-lower-outer", "side": "left", "intensity": 6}], **extra}, kb)
    err = info.value
    shown = [(r[1].strip("`"), r[2]) for r in rows]
    documented = [msg for field, msg in shown if field == err.field]
    assert documented, f"{err.field} is not documented"
    starts = [s.strip("`").split("...")[0].rstrip(" .") for m in documented for s in m.split(" / ")]
    assert any(err.message.startswith(s) for s in starts), (err.field, err.message, starts)


def test_data_doc_describes_the_reasoning_fields():
    from triggermap.knowledge.schema import Feature, Muscle, VocabItem

    models = {"vocabulary item": VocabItem, "condition feature": Feature, "muscle": Muscle}
    rows = _table(_doc("data.md"), "## Reasoning fields (contract 1.1)")
    documented = set()
    for where, field, default, *_ in rows:
        model = next(m for k, m in models.items() if where.startswith(k))
        name = field.strip("`")
        assert name in model.model_fields, (where, name)
        value = model.model_fields[name].default
        if isinstance(value, bool):  # the documented default is the schema's
            assert default == f"`{str(value).lower()}`", (name, default, value)
        else:
            assert value is None, name
        documented.add((model.__name__, name))
    assert documented == {("VocabItem", "question"), ("VocabItem", "who"), ("Feature", "lr_absent"),
                          ("Feature", "anchor"), ("Muscle", "midline")}
