"""The static atlas: complete, linked, bilingual, and searchable in a browser from file://."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from triggermap.opendata import site, source


@pytest.fixture(scope="module")
def atlas_dir(kb: Any, tmp_path_factory: Any) -> Path:
    out = tmp_path_factory.mktemp("atlas")
    site.build(kb, out)
    return out


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and not value.startswith(("http:", "https:", "#", "data:")):
                self.links.append(value)


def test_every_entity_has_a_page_in_both_languages(atlas_dir: Path, kb: Any) -> None:
    ents = source.entities(kb)
    for lang in ("en", "es"):
        for folder, name in (("muscles", "muscles"), ("regions", "regions"), ("conditions", "conditions")):
            for e in ents[name]:
                assert (atlas_dir / lang / folder / f"{e['id']}.html").is_file(), (lang, folder, e["id"])
        index = json.loads((atlas_dir / lang / "search.json").read_text(encoding="utf-8"))
        assert len(index) == len(ents["muscles"]) + len(ents["regions"]) + len(ents["conditions"])
        assert all((atlas_dir / lang / item["u"]).is_file() for item in index)
    assert (atlas_dir / "index.html").is_file()


def test_every_local_link_resolves(atlas_dir: Path) -> None:
    broken = []
    for page in atlas_dir.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            target = (page.parent / link.split("#")[0].split("?")[0]).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(atlas_dir)} -> {link}")
    assert not broken, broken[:10]


def test_muscle_page_has_chart_zones_self_care_and_references(atlas_dir: Path, kb: Any) -> None:
    html = (atlas_dir / "en" / "muscles" / "gluteus-minimus.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'href="../regions/thigh-lateral.html"' in html
    m = kb.muscles["gluteus-minimus"]
    for e in m.self_care:
        assert kb.exercises[e].title.en in html
    for r in m.references:
        assert f'id="ref-{r}"' in html
    es = (atlas_dir / "es" / "muscles" / "gluteus-minimus.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in es and m.summary.es in es


def test_region_page_lists_essential_before_spillover_and_mimics(atlas_dir: Path, kb: Any) -> None:
    html = (atlas_dir / "en" / "regions" / "thigh-lateral.html").read_text(encoding="utf-8")
    ess, spill = html.index('class="refers-essential"'), html.index('class="refers-spillover"')
    assert ess < spill
    essential = re.findall(r'href="\.\./muscles/([a-z0-9-]+)\.html#([a-z0-9-]+)"', html[ess:spill])
    want = [(mid, tp.id) for mid, m in kb.muscles.items() for tp in m.trigger_points
            if any(z.region == "thigh-lateral" for z in tp.essential)]
    assert set(want) <= set(essential)
    mimics = [c for c in kb.conditions.values()
              if any(f.kind == "region" and "thigh-lateral" in f.ids for f in c.features)]
    for c in mimics:
        assert f'href="../conditions/{c.id}.html"' in html
    assert "scherrer-2021" in html  # the CHOIR roll-up is cited


def test_condition_page_has_accuracy_figures(atlas_dir: Path, kb: Any) -> None:
    cid, c = next((cid, c) for cid, c in kb.conditions.items() if any(f.sensitivity for f in c.features))
    html = (atlas_dir / "en" / "conditions" / f"{cid}.html").read_text(encoding="utf-8")
    f = next(f for f in c.features if f.sensitivity)
    assert str(f.lr) in html and str(f.sensitivity) in html
    assert c.confirm.en.split(".")[0].replace("'", "&#39;") in html


def test_same_look_as_the_web_app(atlas_dir: Path) -> None:
    web = Path(site.WEB_STATIC) / "app.css"
    assert (atlas_dir / "assets" / "app.css").read_bytes() == web.read_bytes()
    html = (atlas_dir / "en" / "index.html").read_text(encoding="utf-8")
    assert 'class="muscle-list"' in html and "assets/app.css" in html


# --- browser (the browser fixture: tests/conftest.py) ------------------------------------


@pytest.mark.browser
def test_browser_search_and_follow_links_offline(atlas_dir: Path, browser: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((atlas_dir / "en" / "index.html").as_uri())
        assert page.locator("#atlas-all").is_visible()
        page.fill("#atlas-q", "gluteus min")
        results = page.locator("#atlas-result-list li")
        results.first.wait_for()
        assert page.locator("#atlas-all").is_hidden()
        assert "Gluteus minimus" in page.locator("#atlas-result-list").inner_text()
        page.locator("#atlas-result-list a", has_text="Gluteus minimus").first.click()
        page.wait_for_url("**/en/muscles/gluteus-minimus.html")
        assert page.locator("h1").inner_text() == "Gluteus minimus"
        assert page.locator("figure.chart svg").is_visible()
        # follow a zone to its region page: "what refers pain here" links back to the muscle
        page.locator(".tp a[href$='regions/thigh-lateral.html']").first.click()
        page.wait_for_url("**/en/regions/thigh-lateral.html")
        assert page.locator("#refers a[href*='gluteus-minimus']").count() >= 1
        # searching by where it hurts, in Spanish, without accents, from another page's form
        page.locator(".lang-toggle").click()
        page.wait_for_url("**/es/regions/thigh-lateral.html")
        page.fill("#atlas-q", "gluteo menor")
        page.locator("[data-atlas-search] button").click()
        page.wait_for_url("**/es/index.html?q=*")
        page.locator("#atlas-result-list li").first.wait_for()
        assert "Glúteo menor" in page.locator("#atlas-result-list").inner_text()
        page.fill("#atlas-q", "zzzz-nothing")
        assert page.locator("[data-none]").is_visible()
        if os.environ.get("TRIGGERMAP_SAVE_SCREENSHOTS"):
            page.goto((atlas_dir / "en" / "muscles" / "gluteus-minimus.html").as_uri())
            page.screenshot(path="docs/screenshots/atlas-muscle.png", full_page=False)
        assert not errors, errors
    finally:
        ctx.close()


def test_cli_site(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    from triggermap.cli import main
    from triggermap.opendata import site as atlas

    calls = []
    monkeypatch.setattr(atlas, "build", lambda kb, d: calls.append(d) or 7)
    with pytest.raises(SystemExit) as exc:
        main(["site", str(tmp_path / "atlas")])
    assert exc.value.code in (0, None) and calls == [str(tmp_path / "atlas")]
    assert "7 pages" in capsys.readouterr().err
