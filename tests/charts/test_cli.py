"""``triggermap chart muscle|intake|assessment``."""

from __future__ import annotations

import json
import struct

import pytest
from typer.testing import CliRunner

from triggermap.charts.cli import app

runner = CliRunner()


@pytest.fixture()
def case_file(tmp_path, case):
    p = tmp_path / "case.json"
    p.write_text(json.dumps(case), encoding="utf-8")
    return p


def test_muscle_png(tmp_path):
    out = tmp_path / "out.png"
    r = runner.invoke(app, ["muscle", "gluteus-minimus", "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24])[0] > 1000


def test_muscle_svg_on_stdout_in_spanish():
    r = runner.invoke(app, ["muscle", "piriformis", "--lang", "es", "--view", "back"])
    assert r.exit_code == 0
    assert r.stdout.startswith("<?xml") and "Solo educativo" in r.stdout
    assert 'data-view="back"' in r.stdout and 'data-view="front"' not in r.stdout


def test_intake_svg(tmp_path, case_file):
    out = tmp_path / "drawing.svg"
    r = runner.invoke(app, ["intake", str(case_file), "-o", str(out), "--lang", "es"])
    assert r.exit_code == 0, r.output
    svg = out.read_text(encoding="utf-8")
    assert "Dibujo del dolor" in svg and 'data-region="hip-lateral" data-side="right"' in svg


def test_intake_yaml_file(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text("version: 1\npain:\n  - {region: calf, side: left, intensity: 8}\n", encoding="utf-8")
    r = runner.invoke(app, ["intake", str(p)])
    assert r.exit_code == 0 and 'data-region="calf" data-side="left"' in r.stdout


def test_assessment_pdf(tmp_path, case_file):
    out = tmp_path / "out.pdf"
    r = runner.invoke(app, ["assessment", str(case_file), "-o", str(out), "--top", "2"])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    "args, field",
    [
        (["muscle", "gluteus-minimu"], "ID"),
        (["muscle", "piriformis", "--lang", "fr"], "--lang"),
        (["muscle", "piriformis", "--side", "middle"], "--side"),
        (["muscle", "piriformis", "--view", "top"], "--view"),
        (["muscle", "piriformis", "-o", "chart.jpg"], "--output"),
        (["intake", "/no/such/file.json"], "FILE"),
        (["assessment", "/no/such/file.json"], "FILE"),
    ],
)
def test_errors_exit_2_with_a_clear_message(args, field):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert f"error: {field}:" in r.stderr
    assert "Traceback" not in r.output and not r.stdout


def test_invalid_intake_names_the_field(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"version": 1, "pain": [{"region": "buttok", "side": "left"}]}), encoding="utf-8")
    for cmd in ("intake", "assessment"):
        r = runner.invoke(app, [cmd, str(p), "-o", str(tmp_path / "x.svg")])
        assert r.exit_code == 2 and "pain[0].region" in r.stderr and "buttock" in r.stderr
        assert not (tmp_path / "x.svg").exists()
    p.write_text("{not json", encoding="utf-8")
    r = runner.invoke(app, ["intake", str(p)])
    assert r.exit_code == 2 and "JSON" in r.stderr


def test_mounted_in_the_main_cli(tmp_path):
    from triggermap.cli import main

    out = tmp_path / "m.svg"
    with pytest.raises(SystemExit) as e:
        main(["chart", "muscle", "soleus", "-o", str(out)])
    assert e.value.code in (0, None)
    assert out.read_text(encoding="utf-8").startswith("<?xml")
