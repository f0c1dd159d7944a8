"""The static, offline atlas (``triggermap site DIR``).

One page per muscle (its chart as inline SVG, trigger points, zones, self-care, references),
per region ("what refers pain here": essential zones before spillover, and the conditions that
mimic pain there) and per condition, in English and Spanish. Every link is relative, so the
folder works from ``file://`` and from any static host; the search runs in the browser over a
small index (``<lang>/search.json``, also loaded as ``assets/search-<lang>.js`` because browsers
refuse ``fetch`` on ``file://``). The look is the web app's muscle library: its ``app.css`` is
copied next to the atlas's own few rules.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import LANGS
from . import source

if TYPE_CHECKING:
    from ..knowledge import Knowledge

HERE = Path(__file__).resolve().parent
WEB_STATIC = HERE.parent / "web" / "static"

STRINGS: dict[str, dict[str, str]] = {
    "atlas": {"en": "Trigger-point atlas", "es": "Atlas de puntos gatillo"},
    "lead": {"en": "Each muscle's trigger points and where they send pain, what refers pain to each part of the "
                   "body, and the conditions that can feel the same. Works offline.",
             "es": "Los puntos gatillo de cada músculo y adónde envían el dolor, qué refiere dolor a cada parte "
                   "del cuerpo y las enfermedades que pueden sentirse igual. Funciona sin conexión."},
    "search": {"en": "Search by name or by where it hurts", "es": "Busque por nombre o por dónde le duele"},
    "search_button": {"en": "Search", "es": "Buscar"},
    "no_match": {"en": "Nothing matches this search.", "es": "Nada coincide con esta búsqueda."},
    "results": {"en": "Search results", "es": "Resultados de la búsqueda"},
    "muscles": {"en": "Muscles", "es": "Músculos"},
    "regions": {"en": "Where it hurts", "es": "Dónde duele"},
    "conditions": {"en": "Conditions that mimic trigger-point pain", "es": "Enfermedades que imitan el dolor de "
                                                                         "los puntos gatillo"},
    "muscle": {"en": "Muscle", "es": "Músculo"},
    "region": {"en": "Region", "es": "Región"},
    "condition": {"en": "Condition", "es": "Enfermedad"},
    "home": {"en": "Atlas", "es": "Atlas"},
    "tps": {"en": "Trigger points and where they send pain", "es": "Puntos gatillo y adónde envían el dolor"},
    "landmark": {"en": "Landmark:", "es": "Referencia:"},
    "main_zone": {"en": "Main zone:", "es": "Zona principal:"},
    "spill_zone": {"en": "Spillover zone:", "es": "Zona de extensión:"},
    "chart_caption": {"en": "This muscle's referral pattern: main zone solid red, spillover zone dotted, trigger "
                            "points marked X.",
                      "es": "El patrón de dolor referido de este músculo: zona principal en rojo liso, zona de "
                            "extensión punteada, puntos gatillo marcados con una X."},
    "symptoms": {"en": "Symptoms", "es": "Síntomas"},
    "worse": {"en": "Made worse by", "es": "Empeora con"},
    "mistaken": {"en": "Often mistaken for", "es": "Se confunde a menudo con"},
    "check": {"en": "How a clinician would check it", "es": "Cómo lo comprobaría un profesional"},
    "self_care": {"en": "Self-care", "es": "Autocuidado"},
    "anatomy": {"en": "Anatomy", "es": "Anatomía"},
    "origin": {"en": "Origin", "es": "Origen"},
    "insertion": {"en": "Insertion", "es": "Inserción"},
    "actions": {"en": "Actions", "es": "Acciones"},
    "nerve": {"en": "Nerve", "es": "Nervio"},
    "references": {"en": "References", "es": "Referencias"},
    "refers_here": {"en": "What refers pain here", "es": "Qué refiere dolor aquí"},
    "essential_here": {"en": "Main zone here (essential)", "es": "Zona principal aquí (esencial)"},
    "spill_here": {"en": "Spillover here", "es": "Extensión aquí"},
    "none_refer": {"en": "No trigger point in the knowledge base refers pain here.",
                   "es": "Ningún punto gatillo de la base de conocimiento refiere dolor aquí."},
    "mimic_here": {"en": "Conditions that can cause pain here", "es": "Enfermedades que pueden causar dolor aquí"},
    "via": {"en": "in", "es": "en"},
    "within": {"en": "Part of", "es": "Forma parte de"},
    "finer": {"en": "Includes", "es": "Incluye"},
    "choir": {"en": "CHOIR Body Map codes", "es": "Códigos del CHOIR Body Map"},
    "distinguishing": {"en": "How to tell it apart", "es": "Cómo distinguirla"},
    "evidence": {"en": "Evidence and its accuracy", "es": "Datos y su exactitud"},
    "kind": {"en": "Kind", "es": "Tipo"},
    "what": {"en": "Finding", "es": "Dato"},
    "lr": {"en": "LR+", "es": "CP+"},
    "sens": {"en": "Sensitivity", "es": "Sensibilidad"},
    "spec": {"en": "Specificity", "es": "Especificidad"},
    "confirm": {"en": "How it is confirmed", "es": "Cómo se confirma"},
    "flags": {"en": "Warning signs that point to it", "es": "Señales de alarma que apuntan a ella"},
    "mimicked_by": {"en": "Muscles whose pain is mistaken for it", "es": "Músculos cuyo dolor se confunde con ella"},
    "prior": {"en": "Pre-test probability", "es": "Probabilidad previa"},
    "disclaimer": {"en": "Education and decision support, not a diagnosis.",
                   "es": "Educación y apoyo a la decisión, no un diagnóstico."},
    "footer": {"en": "triggermap is education and decision support, not a diagnosis. It does not replace an "
                     "examination by a qualified clinician. If you have a warning sign, such as new numbness "
                     "between the legs, new trouble passing urine or controlling your bowels, weakness that is "
                     "getting worse, fever, chest pain or breathlessness, seek medical care at once.",
               "es": "triggermap es educación y apoyo a la decisión, no un diagnóstico. No sustituye la "
                     "exploración por un profesional sanitario cualificado. Si tiene una señal de alarma, como un "
                     "adormecimiento nuevo entre las piernas, dificultad nueva para orinar o controlar el "
                     "intestino, una debilidad que empeora, fiebre, dolor en el pecho o falta de aire, busque "
                     "atención médica de inmediato."},
    "data_note": {"en": "Knowledge base version {v}; data CC BY 4.0; every fact cited.",
                  "es": "Versión de la base de conocimiento {v}; datos CC BY 4.0; cada dato citado."},
    "other_lang": {"en": "Español", "es": "English"},
    "skip": {"en": "Skip to content", "es": "Saltar al contenido"},
    "count_one": {"en": "1 result", "es": "1 resultado"},
    "count_many": {"en": "{n} results", "es": "{n} resultados"},
}

KIND_LABELS = {
    "region": {"en": "pain in", "es": "dolor en"},
    "quality": {"en": "quality", "es": "carácter"},
    "aggravating": {"en": "made worse by", "es": "empeora con"},
    "finding": {"en": "finding", "es": "hallazgo"},
    "red-flag": {"en": "warning sign", "es": "señal de alarma"},
    "history": {"en": "history", "es": "antecedente"},
    "age-over": {"en": "age over", "es": "edad mayor de"},
    "age-under": {"en": "age under", "es": "edad menor de"},
}
VOCAB_OF = {"quality": "qualities", "aggravating": "aggravating", "finding": "findings", "history": "history"}


def fold(s: str) -> str:
    """Lower case without accents: what the browser's search compares (same as the JS)."""
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


class Atlas:
    """Everything the pages need, gathered once from the knowledge base."""

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self.version = source.version(kb)
        ents = source.entities(kb)
        self.regions = {r["id"]: r for r in ents["regions"]}
        self.muscles = {m["id"]: m for m in ents["muscles"]}
        self.conditions = {c["id"]: c for c in ents["conditions"]}
        self.flags = {f["id"]: f for f in ents["red_flags"]}
        self.exercises = {e["id"]: e for e in ents["exercises"]}
        self.references = {r["id"]: r for r in ents["references"]}
        self.vocab = source.vocabulary(kb)
        self.finer: dict[str, list[str]] = {}
        for r in ents["regions"]:
            for coarse in r.get("within") or ():
                self.finer.setdefault(coarse, []).append(r["id"])

    # --- lookups ---------------------------------------------------------------------
    def region_label(self, rid: str, lang: str) -> str:
        return str(self.regions[rid]["label"][lang])

    def id_label(self, kind: str, iid: str, lang: str) -> str:
        if kind == "region" and iid in self.regions:
            return self.region_label(iid, lang)
        if kind == "red-flag" and iid in self.flags:
            return str(self.flags[iid]["label"][lang])
        cat = VOCAB_OF.get(kind)
        if cat and iid in self.vocab.get(cat, {}):
            return str(self.vocab[cat][iid]["label"][lang])
        return iid

    def refs(self, ids: Any) -> list[dict[str, Any]]:
        return [self.references[r] for r in dict.fromkeys(ids) if r in self.references]

    def near(self, rid: str) -> set[str]:
        """The region, the finer regions inside it and the coarse regions it lies in."""
        return {rid, *self.finer.get(rid, ()), *(self.regions[rid].get("within") or ())}

    # --- pages -----------------------------------------------------------------------
    def refers_here(self, rid: str, lang: str) -> dict[str, list[dict[str, Any]]]:
        """Trigger points referring pain to the region (or a finer region inside it), essential first."""
        inside = {rid, *self.finer.get(rid, ())}
        out: dict[str, list[dict[str, Any]]] = {"essential": [], "spillover": []}
        for m in self.muscles.values():
            for tp in m["trigger_points"]:
                for kind in ("essential", "spillover"):
                    hits = [z["region"] for z in tp[kind] if z["region"] in inside]
                    if hits:
                        out[kind].append({
                            "muscle": m["id"], "muscle_name": m["names"][lang], "tp": tp["id"],
                            "tp_name": tp["name"][lang],
                            "via": [self.region_label(h, lang) for h in hits if h != rid],
                            "refs": tp["refs"],
                        })
                        break
        # a trigger point already listed as essential here is not repeated as spillover
        seen = {x["tp"] for x in out["essential"]}
        out["spillover"] = [x for x in out["spillover"] if x["tp"] not in seen]
        return out

    def mimics_here(self, rid: str) -> list[tuple[dict[str, Any], list[str]]]:
        near = self.near(rid)
        out = []
        for c in self.conditions.values():
            refs = [r for f in c["features"] if f["kind"] == "region" and near & set(f["ids"]) for r in f["refs"]]
            if refs:
                out.append((c, refs))
        return out

    def search_index(self, lang: str) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        for m in self.muscles.values():
            # in the order the trigger points name them (a set's order changes from run to run)
            zones = dict.fromkeys(z["region"] for tp in m["trigger_points"] for z in tp["essential"] + tp["spillover"])
            words = [m["id"], *(m["names"][lg] for lg in (*LANGS, "la"))]
            words += [self.regions[z]["label"][lg] for z in zones for lg in LANGS]
            items.append({"k": "muscle", "t": m["names"][lang], "d": m["names"]["la"],
                          "u": f"muscles/{m['id']}.html", "s": fold(" ".join(words))})
        # regions and conditions: found by id or by their name in any language
        for kind, entities, name, detail in (("region", self.regions, "label", "definition"),
                                             ("condition", self.conditions, "name", "summary")):
            for e in entities.values():
                items.append({"k": kind, "t": e[name][lang], "d": e[detail][lang],
                              "u": f"{kind}s/{e['id']}.html",
                              "s": fold(" ".join([e["id"], *(e[name][lg] for lg in LANGS)]))})
        return items


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env


def _sorted(items: Any, field: str, lang: str) -> list[Any]:
    return sorted(items, key=lambda x: fold(x[field][lang]))


def build(kb: Knowledge, directory: str | os.PathLike[str]) -> int:
    """Write the atlas into ``directory``; returns the number of HTML pages."""
    from markupsafe import Markup

    root = Path(directory)
    atlas = Atlas(kb)
    env = _env()
    assets = root / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WEB_STATIC / "app.css", assets / "app.css")
    shutil.copyfile(WEB_STATIC / "favicon.svg", assets / "favicon.svg")
    shutil.copyfile(HERE / "static" / "atlas.css", assets / "atlas.css")
    shutil.copyfile(HERE / "static" / "atlas.js", assets / "atlas.js")
    pages = 0

    def write(lang: str, rel: str, template: str, **ctx: Any) -> None:
        nonlocal pages
        depth = rel.count("/") + 1  # every page lives under <lang>/
        up = "../" * depth
        other = [lg for lg in LANGS if lg != lang][0]
        html = env.get_template(template).render(
            lang=lang, s={k: v[lang] for k, v in STRINGS.items()}, up=up, home=up + f"{lang}/index.html",
            other=other, other_url=up + f"{other}/{rel}", atlas=atlas, version=atlas.version,
            kind_labels={k: v[lang] for k, v in KIND_LABELS.items()}, **ctx)
        path = root / lang / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        pages += 1

    for lang in LANGS:
        index = atlas.search_index(lang)
        (root / lang).mkdir(parents=True, exist_ok=True)
        doc = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
        (root / lang / "search.json").write_text(doc + "\n", encoding="utf-8")
        (assets / f"search-{lang}.js").write_text(f"window.triggermapIndex = {doc};\n", encoding="utf-8")
        write(lang, "index.html", "index.html",
              muscles=_sorted(atlas.muscles.values(), "names", lang),
              regions=_sorted(atlas.regions.values(), "label", lang),
              conditions=_sorted(atlas.conditions.values(), "name", lang))
        for mid, m in atlas.muscles.items():
            card = source.muscle_card(kb, mid, lang)
            chart = source.muscle_chart(kb, mid, lang)
            write(lang, f"muscles/{mid}.html", "muscle.html", card=card, m=m,
                  chart=Markup(chart) if chart else None)  # noqa: S704 - our own SVG, sanitised by the web app's csp_safe
        for rid, r in atlas.regions.items():
            write(lang, f"regions/{rid}.html", "region.html", r=r, refers=atlas.refers_here(rid, lang),
                  mimics=atlas.mimics_here(rid), finer=atlas.finer.get(rid, []),
                  region_refs=list(source.REGION_REFS))
        for cid, c in atlas.conditions.items():
            write(lang, f"conditions/{cid}.html", "condition.html", c=c,
                  flags=[f for f in atlas.flags.values() if cid in f["conditions"]],
                  mimicked_by=[m for m in atlas.muscles.values() if cid in m["mimics"]],
                  refs=atlas.refs([*c["refs"], *(r for f in c["features"] for r in f["refs"])]))
    (root / "index.html").write_text(env.get_template("root.html").render(version=atlas.version), encoding="utf-8")
    return pages + 1
