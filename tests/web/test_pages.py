"""The HTML pages without JavaScript: the plain form flow, languages, headers, errors."""

from __future__ import annotations

import json
import re

import pytest

from triggermap.web.security import CSP

FORM_ARTICLE = {
    "pain": ["buttock-lower-inner:left", "buttock-upper-inner:left", "low-back:left"],
    "int:buttock-lower-inner:left": "6",
    "int:buttock-upper-inner:left": "5",
    "int:low-back:left": "4",
    "q": ["cramping", "aching"],
    "agg": ["sitting"],
}


def muscle_ids(html: str) -> list[str]:
    return re.findall(r'<article class="muscle-result" id="m-([a-z0-9-]+)"', html)


def test_home_is_the_safety_questions_first(client, kb):
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="en">' in html
    # every red flag can be asked here (the area-specific ones under "where does it hurt most?"),
    # before anything about the body map
    for fid in kb.red_flags:
        assert re.search(rf'name="rf\.[a-z-]+" value="{fid}"', html), fid
    assert "data-bodymap" not in html
    assert "not a diagnosis" in html
    # emergency questions come first
    first = re.search(r'name="rf\.[a-z-]+" value="([a-z-]+)" data-level="([a-z-]+)"', html)
    assert first and first.group(2) == "emergency"


def test_emergency_answer_shows_emergency_page_first(client):
    r = client.post("/check", data={"rf": ["saddle-anesthesia"]})
    assert r.status_code == 200
    html = r.text
    assert "triage-emergency" in html
    assert "emergency department" in html
    # nothing else comes first: no body map, no muscles
    assert "data-bodymap" not in html and "muscle-result" not in html
    assert html.index("triage-emergency") < html.index("continue to the body map anyway")


def test_combination_rule_reaches_emergency_without_js(client, kb):
    """Rules over red flags only (e.g. both legs + progressive weakness) are applied by the server too."""
    rules = [r for r in kb.rules if r.level == "emergency" and r.min_age is None
             and all(i in kb.red_flags for i in r.all_of + r.any_of)]
    if not rules:
        pytest.skip("no emergency combination rule over red flags only")
    rule = rules[0]
    answers = list(rule.all_of + rule.any_of[:1])
    r = client.post("/check", data={"rf": answers})
    assert "triage-emergency" in r.text


def test_urgent_answer_goes_on_with_a_warning(client, kb):
    urgent = next(f for f, d in kb.red_flags.items() if d.level == "urgent")
    r = client.post("/check", data={"rf": [urgent]})
    assert r.status_code == 200
    assert "alert-urgent" in r.text and 'id="intake-form"' in r.text
    assert f'<input type="hidden" name="rf" value="{urgent}"' in r.text


def test_continue_after_emergency(client):
    r = client.post("/check", data={"rf": ["saddle-anesthesia"], "ack": "1"})
    assert 'id="intake-form"' in r.text and "alert-emergency" in r.text


def test_no_answers_go_to_the_body_map(client, kb):
    r = client.post("/check", data={})
    assert r.status_code == 200
    html = r.text
    # the list-based alternative: a checkbox and an intensity select for every region and side
    for rid, reg in kb.regions.items():
        keys = [rid] if reg.midline else [f"{rid}:left", f"{rid}:right"]
        for key in keys:
            assert f'name="pain" value="{key}"' in html, key
            assert f'name="int:{key}"' in html, key
    for q in kb.vocab["qualities"]:
        assert f'name="q" value="{q}"' in html
    for a in kb.vocab["aggravating"]:
        assert f'name="agg" value="{a}"' in html
    for f in kb.vocab["findings"]:
        assert f'name="find" value="{f}"' in html
    # the clinician section is collapsed by default
    assert '<details class="card clinician">' in html


def test_every_region_is_on_the_body_map_whole_body_views_or_close_ups(client, kb):
    """Each region and side has a clickable path on some body-map view (the finer 1.1 regions on
    the close-ups), and the close-ups have their own tabs, named in the page's language."""
    import re

    from triggermap.web import maps

    for lang, label in (("en", "Head and neck, right"), ("es", "Cabeza y cuello, derecha")):
        html = client.post(f"/check?lang={lang}", data={}).text
        for v in maps.VIEWS:
            assert f'data-view-panel="{v}"' in html and f'data-view="{v}"' in html, v
        assert label in html
    drawn = set(re.findall(r'data-region="([^"]+)"(?: data-side="([^"]+)")?', html))
    for rid, reg in kb.regions.items():
        for side in ([""] if reg.midline else ["left", "right"]):
            assert (rid, side) in drawn, (rid, side)


def test_form_results_match_the_api(client):
    r = client.post("/results", data=FORM_ARTICLE)
    assert r.status_code == 200, r.text[:2000]
    api = client.post("/api/v1/assess", json={
        "version": 1,
        "pain": [{"region": "buttock-lower-inner", "side": "left", "intensity": 6},
                 {"region": "buttock-upper-inner", "side": "left", "intensity": 5},
                 {"region": "low-back", "side": "left", "intensity": 4}],
        "qualities": ["cramping", "aching"], "aggravating": ["sitting"],
    }).json()
    assert muscle_ids(r.text) == [m["id"] for m in api["muscles"]]
    assert f"triage-{api['triage']['level']}" in r.text
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    # in words: explained / unexplained, conditions, plan, references, disclaimer
    for needle in ("Explains", "Leaves unexplained", "Conditions to rule out", "Self-care plan", "References",
                   api["disclaimer"]):
        assert needle in html
    # the triage banner comes before the muscles
    assert html.index('class="triage') < html.index("muscle-result")
    # an inline chart per top muscle, CSP-clean (no style elements/attributes, no scripts)
    assert html.count("<svg") >= 3
    assert "<style" not in html and " style=" not in html and "<script>" not in html
    # ids stay unique with several charts on the page
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]


def test_results_in_spanish(client, kb):
    r = client.post("/results?lang=es", data=FORM_ARTICLE)
    html = r.text
    assert '<html lang="es">' in html
    assert "Autocuidado" in html or "Consulte" in html
    # the page's one disclaimer is the result's own (issue 12: once per page), in Spanish
    from triggermap.present.messages import MESSAGES

    assert "izquierda" in html and MESSAGES["disclaimer"]["es"] in html
    top = muscle_ids(html)[0]
    assert kb.muscles[top].names.es in html


def test_emergency_results_have_no_plan_and_advice_first(client):
    data = dict(FORM_ARTICLE, rf=["bowel-incontinence"])
    html = client.post("/results", data=data).text
    assert "triage-emergency" in html
    assert "What to do now" in html
    assert html.index("What to do now") < html.index("muscle-result")
    assert "No self-care plan is offered" in html


def test_nothing_marked_gives_a_friendly_422(client):
    r = client.post("/results", data={"q": ["aching"]})
    assert r.status_code == 422
    assert "Mark at least one painful area" in r.text
    assert 'id="intake-form"' in r.text
    assert 'value="aching" id="q-aching" checked' in r.text  # answers kept


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"pain": ["calf:left"], "age": "200"}, "Age must be"),
        ({"pain": ["calf:left"], "weeks": "many"}, "How long it has hurt"),
        ({"pain": ["calf:left"], "int:calf:left": "12"}, "Pain intensity"),
        ({"pain": ["calves:left"]}, "could not be used"),
        ({"pain": ["coccyx:left"]}, "could not be used"),
        ({"pain": ["calf:left"], "q": ["itchy"]}, "could not be used"),
    ],
)
def test_invalid_form_gives_a_friendly_page(client, data, words):
    r = client.post("/results", data=data)
    assert r.status_code == 422
    assert words in r.text
    assert "Traceback" not in r.text


def test_spanish_error_messages(client):
    r = client.post("/results?lang=es", data={"q": ["aching"]})
    assert "Marque al menos una zona dolorosa" in r.text


def test_edit_prefills_the_form(client):
    intake = {"version": 1, "pain": [{"region": "calf", "side": "both", "intensity": 7}], "aggravating": ["walking"],
              "red_flags": [], "age": 50}
    r = client.post("/edit", data={"intake": json.dumps(intake)})
    html = r.text
    assert 'value="calf:left" id="p-calf-left" data-label="Calf (left)" checked' in html
    assert 'value="calf:right" id="p-calf-right" data-label="Calf (right)" checked' in html
    assert 'value="walking" id="agg-walking" checked' in html
    assert 'name="age" min="0" max="120" step="1" inputmode="numeric" value="50"' in html


def test_view_renders_results_from_the_carried_intake(client):
    intake = {"version": 1, "pain": [{"region": "calf", "side": "left", "intensity": 5}]}
    r = client.post("/view?lang=es", data={"intake": json.dumps(intake)})
    assert r.status_code == 200 and '<html lang="es">' in r.text and "muscle-result" in r.text
    assert client.post("/view", data={"intake": "{broken"}).status_code in (303, 200)


def test_handout_pdf(client):
    intake = {"version": 1, "pain": [{"region": "buttock-lower-inner", "side": "left", "intensity": 6}],
              "aggravating": ["sitting"]}
    r = client.post("/handout.pdf?lang=es", data={"intake": json.dumps(intake)})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert "attachment" in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "no-store"
    bad = client.post("/handout.pdf", data={"intake": json.dumps({"version": 1, "pain": "x"})})
    assert bad.status_code == 422 and "Traceback" not in bad.text


def test_language_negotiation(client):
    assert '<html lang="es">' in client.get("/", headers={"accept-language": "es-AR,es;q=0.9"}).text
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "de-DE,en;q=0.5"}).text
    r = client.get("/muscles?lang=es")
    assert '<html lang="es">' in r.text and "Biblioteca de músculos" in r.text
    assert "lang=es" in r.headers.get("set-cookie", "")
    # the toggle links to the same page in the other language
    assert 'href="/muscles?lang=en"' in r.text
    client.cookies.set("lang", "es")
    try:
        assert '<html lang="es">' in client.get("/", headers={"accept-language": "en"}).text
    finally:
        client.cookies.clear()


def test_muscle_library(client, kb):
    r = client.get("/muscles")
    for mid in kb.muscles:
        assert f'href="/muscles/{mid}"' in r.text
    r = client.get("/muscles?q=piriform")
    assert 'href="/muscles/piriformis"' in r.text and 'href="/muscles/soleus"' not in r.text
    r = client.get("/muscles?q=pantorrilla&lang=es")  # by where it hurts, in Spanish, any accent
    assert 'href="/muscles/soleus"' in r.text or 'href="/muscles/gastrocnemius"' in r.text
    r = client.get("/muscles?q=zzzz&lang=en")
    assert "No muscle matches" in r.text


def test_muscle_page(client, kb):
    r = client.get("/muscles/gluteus-minimus?lang=es")
    assert r.status_code == 200
    assert kb.muscles["gluteus-minimus"].names.es in r.text
    assert "<svg" in r.text
    r = client.get("/muscles/gluteus-minimu")
    assert r.status_code == 404 and 'href="/muscles/gluteus-minimus"' in r.text


SAMPLE_PAGES = [("get", "/", None), ("get", "/muscles", None), ("get", "/muscles/piriformis", None),
                ("get", "/api", None), ("get", "/nope", None), ("post", "/check", {}),
                ("post", "/results", FORM_ARTICLE), ("get", "/healthz", None), ("get", "/api/v1/vocab", None),
                ("get", "/static/app.css", None), ("get", "/openapi.json", None)]


@pytest.mark.parametrize(("method", "path", "data"), SAMPLE_PAGES)
def test_security_headers_everywhere(client, method, path, data):
    r = client.request(method.upper(), path, data=data)
    h = r.headers
    assert h["content-security-policy"] == CSP
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"
    assert "camera=()" in h["permissions-policy"]
    assert "server" not in h
    if not path.startswith("/static/"):
        assert h["cache-control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client):
    for method, path, data in SAMPLE_PAGES:
        r = client.request(method.upper(), path, data=data)
        if "text/html" not in r.headers["content-type"]:
            continue
        html = r.text
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), path
        assert "<style" not in html and not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers
        assert "https://" not in re.sub(r">[^<]*<", "><", html).replace("http://www.w3.org", ""), path


def test_server_error_shows_no_traceback(client, monkeypatch):
    from triggermap.web import pages

    def boom(*a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(pages, "intake_from_form", boom)
    r = client.post("/results", data=FORM_ARTICLE)
    assert r.status_code == 500
    assert "Traceback" not in r.text and "secret internal detail" not in r.text
    assert "Something went wrong" in r.text
    assert r.headers["content-security-policy"] == CSP


def test_api_server_error_is_json_without_details(client, monkeypatch):
    from triggermap.web import api

    def boom(*a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api, "assess_document", boom)
    r = client.post("/api/v1/assess", json={"version": 1, "red_flags": ["fever"]})
    assert r.status_code == 500
    assert r.json() == {"field": "(server)", "message": "internal error; the request was not processed"}


def test_form_over_the_limit_gives_413(client):
    r = client.post("/results", data={"q": ["x" * 70000]})
    assert r.status_code == 413
    assert "Traceback" not in r.text


def test_static_files_are_self_hosted(client):
    for name in ("app.css", "app.js", "handout.css", "favicon.svg"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200
        assert "cdn" not in r.text.lower() and "https://" not in r.text


def test_gzip_for_pages_not_for_the_api(client):
    r = client.post("/check", data={}, headers={"accept-encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    r = client.get("/api/v1/vocab", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in r.headers


def test_clinic_mode_opens_the_clinician_section(kb):
    from fastapi.testclient import TestClient

    from triggermap.web.app import create_app

    with TestClient(create_app(clinic=True, kb=kb)) as c:
        html = c.post("/check", data={}).text
        assert '<details class="card clinician" open>' in html


def test_allowed_hosts_refuse_other_host_headers(kb):
    from fastapi.testclient import TestClient

    from triggermap.web.app import create_app
    from triggermap.web.security import CSP

    with TestClient(create_app(kb=kb, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://127.0.0.1") as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/healthz", headers={"host": "evil.example"})
        assert r.status_code == 400
        assert r.headers["content-security-policy"] == CSP
