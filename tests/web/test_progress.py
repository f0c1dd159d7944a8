"""The diary's progress loop (issue 12): the painful-area series in the plot, and the advice to see a
clinician when nothing improved after six weeks."""

from __future__ import annotations

import datetime as dt
import warnings
from types import SimpleNamespace
from typing import Any

from tmhelpers import csrf_of
from triggermap.store import db, plot, repo
from triggermap.web.diary import no_progress

with warnings.catch_warnings():
    warnings.simplefilter("ignore")

EN = "Please see a clinician"
ES = "Consulte a un profesional de la salud"


def _diary(c: Any, entries: list[tuple[int, int, list[str]]]) -> str:
    """Add entries (days before today, pain, areas); return the diary page's path."""
    r = c.get("/diary", follow_redirects=False)
    path = r.headers["location"].split("?")[0]
    token = csrf_of(c.get(path).text)
    today = dt.date.today()
    for ago, pain, regions in entries:
        day = (today - dt.timedelta(days=ago)).isoformat()
        r = c.post(f"{path}/entries", data={"csrf": token, "date": day, "pain": str(pain), "region": regions},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
    return str(path)


BACK = ["low-back:left", "low-back:right"]


def test_flat_six_weeks_says_see_a_clinician_en_and_es(c):
    path = _diary(c, [(43, 6, BACK), (21, 7, BACK), (0, 6, BACK)])
    page = c.get(path).text
    assert EN in page and 'id="see-clinician"' in page and "After 6 weeks" in page
    es = c.get(path + "?lang=es").text
    assert ES in es and EN not in es


def test_improving_diary_has_no_message(c):
    path = _diary(c, [(43, 6, BACK), (21, 5, BACK), (0, 3, BACK)])
    page = c.get(path).text
    assert 'id="see-clinician"' not in page and EN not in page


def test_under_six_weeks_has_no_message(c):
    path = _diary(c, [(41, 6, BACK), (0, 6, BACK)])
    page = c.get(path).text
    assert 'id="see-clinician"' not in page and EN not in page


def test_fewer_painful_areas_counts_as_improvement(c):
    path = _diary(c, [(50, 6, BACK + ["coccyx"]), (0, 6, ["coccyx"])])
    assert 'id="see-clinician"' not in c.get(path).text


def _e(day: dt.date, pain: int, *sides: str | None) -> Any:
    return SimpleNamespace(entry_date=day, pain=pain, regions=[SimpleNamespace(region="r", side=s) for s in sides])


def test_no_progress_counts_from_the_plan_start():
    d0 = dt.date(2026, 1, 1)
    flat = [_e(d0, 5, "left"), _e(d0 + dt.timedelta(days=20), 5, "left"), _e(d0 + dt.timedelta(days=42), 5, "left")]
    assert no_progress(flat, None)
    assert no_progress(flat, d0)
    # a plan started on day 20: only 22 days of it so far
    assert not no_progress(flat, d0 + dt.timedelta(days=20))
    # no pain left is not a reason to see anyone
    assert not no_progress([_e(d0, 0), _e(d0 + dt.timedelta(days=60), 0)], None)
    # worse counts as "nothing improved"
    assert no_progress([_e(d0, 3, "left"), _e(d0 + dt.timedelta(days=60), 8, "both")], None)


def test_plot_points_carry_the_painful_areas(c, db_url):
    path = _diary(c, [(3, 6, BACK + ["coccyx"]), (0, 4, ["coccyx"])])
    with db.session_scope(db_url, readonly=True) as s:
        person = repo.get_person(s, "me")
        entries = repo.list_entries(s, person)
        points = plot.points_from(repo.adherence(s, person, entries), entries)
    assert [p["areas"] for p in points] == [3, 1]  # low back on both sides and the coccyx; then the coccyx
    assert plot.area_count(_e(dt.date(2026, 1, 1), 5, "both", None)) == 3
    svg = c.get(f"{path}/plot.svg").text
    assert "Painful areas" in svg
    assert "Zonas con dolor" in c.get(f"{path}/plot.svg?lang=es").text
