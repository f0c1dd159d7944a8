"""The knowledge loader's fast YAML reader gives exactly what ``yaml.safe_load`` gives."""

from __future__ import annotations

import datetime

import pytest
import yaml

from triggermap.knowledge.loader import DATA_DIR, _data_files, load_yaml


def test_every_data_file_reads_the_same_as_safe_load():
    files = _data_files(DATA_DIR)
    assert len(files) > 100
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        assert load_yaml(text) == yaml.safe_load(text), path


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: ''\ng: 'yes'\nh: yes\ni: 0x1F\nj: 1_000\nk: .inf\nl: -.5e3\n",
        "when: 2024-01-02\nat: 2001-12-14t21:59:43.10-05:00\nlist: [1, two, 3.0, No, off, On]\n",
        "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",  # anchors and merge keys fall back to safe_load
        "? [1, 2]\n: complex key\n",  # a key that is not hashable as a list: safe_load's error too
        "- !!str 12\n- !!int '7'\n- !!float '1'\n- 'quoted: yes'\n- plain text, with: colon\n",
        "",
        "just a string",
        "x: 1\nx: 2\n",  # a repeated key: the last one, as safe_load
    ],
)
def test_edge_cases_match_safe_load(text):
    try:
        want = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)):
            load_yaml(text)
        return
    got = load_yaml(text)
    assert got == want
    assert type(got) is type(want)
    if isinstance(want, dict) and "when" in want:
        assert isinstance(got["when"], datetime.date)
