"""View models: knowledge and assessment data shaped for the templates, in one language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..present.messages import MESSAGES
from ..vocabulary import LEVELS_SEVERE_FIRST
from .forms import pain_key

if TYPE_CHECKING:
    from ..knowledge import Knowledge

Gettext = Callable[[str], str]


def N_(s: str) -> str:
    """Mark a string for extraction; translated where it is shown."""
    return s


#: Region groups of the list-based body map, in the order a person scans a lower-quarter drawing.
GROUPS: list[tuple[str, str]] = [
    ("pelvis", N_("Buttock, pelvis and tailbone")),
    ("trunk", N_("Back, side and belly")),
    ("hip-thigh", N_("Hip, groin and thigh")),
    ("knee", N_("Knee")),
    ("leg", N_("Lower leg")),
    ("ankle-foot", N_("Ankle and foot")),
    ("head-neck", N_("Head and neck")),
    ("upper-limb", N_("Shoulder, arm and hand")),
]
LOWER_QUARTER = {"pelvis", "trunk", "hip-thigh", "knee", "leg", "ankle-foot"}

LEVEL_TEXT = {
    # the emergency advice is the catalogue's one message (present/messages.py "emergency-advice")
    "emergency": (N_("Emergency"), ""),
    "urgent": (N_("Urgent"), N_("See a doctor within a day or two; sooner if anything gets worse.")),
    "see-clinician": (N_("See a clinician"), N_("Book an assessment with a doctor or physical therapist.")),
    "self-care": (
        N_("Self-care"),
        N_("No warning sign was found: careful self-care is reasonable while you watch how it goes."),
    ),
}
KIND_TEXT = {
    "stretch": N_("Stretch"),
    "self-release": N_("Self-release"),
    "strengthening": N_("Strengthening"),
    "habit": N_("Habit"),
}
ZONE_TEXT = {"essential": N_("main zone"), "spillover": N_("spillover zone")}
EQUIPMENT_TEXT = {
    "none": N_("no equipment"),
    "ball": N_("a ball"),
    "foam-roller": N_("a foam roller"),
    "chair": N_("a chair"),
    "wall": N_("a wall"),
    "step": N_("a step"),
    "band": N_("an elastic band"),
    "towel": N_("a towel"),
}


SEX_TEXT = {"female": N_("female"), "male": N_("male"), "other": N_("other sex")}


def side_text(side: str | None, _: Gettext) -> str:
    if side == "left":
        return _("left")
    if side == "right":
        return _("right")
    if side == "both":
        return _("both sides")
    return ""


def region_text(kb: Knowledge, region: str, side: str | None, lang: str, _: Gettext) -> str:
    label = kb.regions[region].label.of(lang) if region in kb.regions else region
    s = side_text(side, _)
    return f"{label} ({s})" if s else label


def region_groups(kb: Knowledge, lang: str, _: Gettext, marks: dict[str, int]) -> list[dict[str, Any]]:
    """Regions grouped for the list-based alternative of the body map."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for rid, r in kb.regions.items():
        keys = [pain_key(rid, None)] if r.midline else [pain_key(rid, "left"), pain_key(rid, "right")]
        controls = []
        for key in keys:
            side = key.partition(":")[2] or None
            controls.append(
                {
                    "key": key,
                    "side": side,
                    "side_label": side_text(side, _).capitalize() if side else _("Hurts"),
                    "checked": key in marks,
                    "intensity": marks.get(key, 5),
                    "label": region_text(kb, rid, side, lang, _),
                }
            )
        by_group.setdefault(r.group, []).append(
            {
                "id": rid,
                "label": r.label.of(lang),
                "definition": r.definition.of(lang),
                "midline": r.midline,
                "controls": controls,
            }
        )
    out = []
    for gid, glabel in GROUPS:
        regions = by_group.get(gid, [])
        if not regions:
            continue
        n_marked = sum(1 for reg in regions for c in reg["controls"] if c["checked"])
        out.append(
            {
                "id": gid,
                "label": _(glabel),
                "regions": regions,
                "marked": n_marked,
                "lower_quarter": gid in LOWER_QUARTER,
            }
        )
    return out


def red_flag_groups(kb: Knowledge, lang: str, _: Gettext) -> list[dict[str, Any]]:
    """Red-flag questions, the emergency ones first."""
    order = LEVELS_SEVERE_FIRST
    titles = {
        "emergency": _("Signs that need emergency care"),
        "urgent": _("Signs that need a doctor soon"),
        "see-clinician": _("Other things a clinician should know"),
        "self-care": _("Other questions"),
    }
    groups: dict[str, list[dict[str, Any]]] = {}
    for fid, f in kb.red_flags.items():
        groups.setdefault(f.level, []).append(
            {
                "id": fid,
                "question": f.question.of(lang),
                "label": f.label.of(lang),
                "reason": f.reason.of(lang),
                "level": f.level,
            }
        )
    return [{"level": lv, "title": titles[lv], "flags": groups[lv]} for lv in order if lv in groups]


def vocab_choices(kb: Knowledge, category: str, lang: str) -> list[dict[str, str]]:
    return [
        {"id": iid, "label": it.label.of(lang), "definition": it.definition.of(lang)}
        for iid, it in kb.vocab[category].items()
    ]


def flag_summaries(kb: Knowledge, ids: list[str], lang: str) -> list[dict[str, str]]:
    return [
        {"id": f, "label": kb.red_flags[f].label.of(lang), "reason": kb.red_flags[f].reason.of(lang),
         "level": kb.red_flags[f].level}
        for f in ids
        if f in kb.red_flags
    ]


def match_words(score: float, _: Gettext) -> str:
    """How well a muscle's textbook pattern fits the drawing, in words (not a probability)."""
    if score >= 0.6:
        return _("strong match")
    if score >= 0.3:
        return _("moderate match")
    return _("weak match")


def _zone(x: dict[str, Any], _: Gettext) -> str:
    label = ZONE_TEXT[x["zone"]]
    return _(label)


def _kind(p: dict[str, Any], _: Gettext) -> str:
    kind = str(p["kind"])
    label = KIND_TEXT.get(kind, kind)
    return _(label)


def results_view(kb: Knowledge, a: dict[str, Any], lang: str, _: Gettext) -> dict[str, Any]:
    """The assessment with every id turned into words in the chosen language."""
    level = a["triage"]["level"]
    title, advice = LEVEL_TEXT[level]

    def vocab_label(cat: str, iid: str) -> str:
        table = kb.vocab.get(cat, {})
        return table[iid].label.of(lang) if iid in table else iid

    muscles = []
    for m in a["muscles"]:
        tps = []
        # the chart numbers every trigger point of the muscle (when it has more than one)
        all_tps = [t.id for t in kb.muscles[m["id"]].trigger_points] if m["id"] in kb.muscles else []
        for tp_id in m["trigger_points"]:
            entry = kb.trigger_points.get(tp_id)
            if entry is not None:
                tp = entry[1]
                n = all_tps.index(tp_id) + 1 if len(all_tps) > 1 and tp_id in all_tps else None
                tps.append({"id": tp_id, "name": tp.name.of(lang), "location": tp.location.of(lang), "n": n})
        sup = m.get("supporting") or {}
        supporting = (
            [vocab_label("aggravating", x) for x in sup.get("aggravating", [])]
            + [vocab_label("qualities", x) for x in sup.get("qualities", [])]
            + [vocab_label("findings", x) for x in sup.get("findings", [])]
        )
        muscles.append(
            {
                **m,
                "percent": round(m["score"] * 100),
                "match": match_words(m["score"], _),
                "side_text": side_text(m["side"], _),
                "explains_text": [
                    {"text": region_text(kb, x["region"], x.get("side"), lang, _), "zone": _zone(x, _),
                     "zone_id": x["zone"], "intensity": x["intensity"]}
                    for x in m["explains"]
                ],
                "unexplained_text": [
                    {"text": region_text(kb, x["region"], x.get("side"), lang, _), "intensity": x["intensity"]}
                    for x in m["unexplained"]
                ],
                "tps": tps,
                "supporting_text": supporting,
                "summary": kb.muscles[m["id"]].summary.of(lang) if m["id"] in kb.muscles else "",
            }
        )
    plan = []
    for p in a["plan"]:
        plan.append(
            {
                **p,
                "kind_text": _kind(p, _),
                "muscle_name": kb.muscles[p["muscle"]].names.of(lang) if p["muscle"] in kb.muscles else p["muscle"],
                "equipment_text": [_(EQUIPMENT_TEXT[e]) for e in p["equipment"] if e in EQUIPMENT_TEXT and e != "none"],
            }
        )
    for m in muscles:  # the plain-language layer: how much of the drawing it covers, what to try
        m["n_explained"] = len({(x["region"], x.get("side")) for x in m["explains"]})
        m["n_painful"] = m["n_explained"] + len({(x["region"], x.get("side")) for x in m["unexplained"]})
        m["plan_titles"] = [p["title"] for p in plan if p["muscle"] == m["id"]]
    answer_labels = {}
    for cat in ("history", "findings"):
        for iid, it in kb.vocab[cat].items():
            answer_labels[iid] = it.label.of(lang)
    for fid, f in kb.red_flags.items():
        answer_labels[fid] = f.label.of(lang)
    withheld = [
        {**w, "because_text": [answer_labels.get(b, b) for b in w["because"]]} for w in a["plan_withheld"]
    ]
    return {
        "level": level,
        "level_title": _(title),
        "level_advice": _(advice) if advice else MESSAGES["emergency-advice"][lang],
        "reasons": a["triage"]["reasons"],
        "muscles": muscles,
        "uncovered": [region_text(kb, x["region"], x.get("side"), lang, _) for x in a["uncovered"]],
        "conditions": a["conditions"],
        "plan": plan,
        "withheld": withheld,
        "references": a["references"],
        "disclaimer": a["disclaimer"],
        "choir": a["choir"],
        "kb_version": a.get("kb_version", ""),
    }


def drawing_summary(kb: Knowledge, doc: dict[str, Any], lang: str, _: Gettext) -> dict[str, list[str]]:
    """The person's own answers in words (for the results page and the handout)."""
    pain = []
    for mark in doc.get("pain", []):
        pain.append(
            f"{region_text(kb, mark['region'], mark.get('side'), lang, _)}: {mark.get('intensity', 5)}/10"
        )

    def labels(cat: str, key: str) -> list[str]:
        return [kb.vocab[cat][i].label.of(lang) for i in doc.get(key, []) if i in kb.vocab[cat]]

    about: list[str] = []
    age = doc.get("age")
    if isinstance(age, int) and not isinstance(age, bool):
        about.append(_("%(age)s years old") % {"age": age})
    sex = doc.get("sex")
    if sex in SEX_TEXT:
        about.append(_(SEX_TEXT[sex]))
    weeks = doc.get("duration_weeks")
    if isinstance(weeks, int | float) and not isinstance(weeks, bool):
        shown = int(weeks) if float(weeks).is_integer() else round(float(weeks), 1)
        about.append(_("pain for %(weeks)s weeks") % {"weeks": shown})
    return {
        "about": about,
        "pain": pain,
        "qualities": labels("qualities", "qualities"),
        "aggravating": labels("aggravating", "aggravating"),
        "history": labels("history", "history"),
        "findings": labels("findings", "findings"),
        "red_flags": [kb.red_flags[f].label.of(lang) for f in doc.get("red_flags", []) if f in kb.red_flags],
    }
