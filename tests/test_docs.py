"""Keep vendored copies and documentation honest."""

from __future__ import annotations

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
