import pytest


@pytest.fixture(scope="session")
def case():
    """A lateral-hip drawing (gluteus minimus, pseudo-sciatica pattern) plus a midline region."""
    return {
        "version": 1,
        "age": 42,
        "sex": "female",
        "duration_weeks": 3,
        "pain": [
            {"region": "buttock-lower-outer", "side": "right", "intensity": 7},
            {"region": "hip-lateral", "side": "right", "intensity": 6},
            {"region": "thigh-lateral", "side": "right", "intensity": 5},
            {"region": "leg-lateral", "side": "right", "intensity": 4},
            {"region": "coccyx", "intensity": 3},
        ],
        "qualities": ["aching"],
        "aggravating": ["lying-on-affected-side", "walking"],
    }
