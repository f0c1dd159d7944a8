"""The short, adaptive safety step: red flags asked as grouped yes/no screeners, by body area.

Step 1 asks "where does it hurt most?" and the screeners every person gets (the low back,
buttock and leg flags: cauda equina, infection, cancer, fracture, DVT, aorta...), plus those of
the area chosen. The body-map page then shows the screeners of any other area the drawing
reaches (the script reveals them as you tap); without the script, the server asks them on a
short extra page before the results. A buttock-only drawing never gets more questions.

Field names (see also :mod:`.forms`):

``rf``                carried answers (hidden inputs)
``rf.<group>``        a flag ticked inside a screener group
``sg.<group>``        ``yes`` / ``no``, the screener's own answer ("no" drops that group's ticks)
``asked``             an area whose screeners were shown
``mostly``            the answer to "where does it hurt most?"

Which flag fits which area follows the safety curator's notes (docs: notes/safety-questions-by-
region.md); every flag of the knowledge base belongs to at least one area (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .forms import FormData


def N_(s: str) -> str:
    return s


#: The general screeners, asked of everyone on step 1 (the tool's lower-quarter flags).
GENERAL: dict[str, tuple[str, ...]] = {
    "emergency": ("saddle-anesthesia", "bladder-dysfunction", "bowel-incontinence", "bilateral-leg-symptoms",
                  "chest-pain-or-breathlessness", "sudden-severe-pain-with-collapse", "pulsatile-abdominal-mass"),
    "urgent": ("fever", "cancer-history", "significant-trauma", "progressive-weakness", "foot-drop",
               "calf-swelling-redness", "sexual-dysfunction-new"),
    "other": ("unexplained-weight-loss", "night-pain-unrelenting", "osteoporosis-or-steroid-use",
              "immunosuppression", "iv-drug-use", "recent-infection"),
}

#: Area-specific flags, in the order they are asked (emergency ones are put first on the page).
AREA_FLAGS: dict[str, tuple[str, ...]] = {
    "chest": ("chest-pain-or-breathlessness", "cold-sweat-or-nausea-with-pain", "sudden-tearing-chest-or-back-pain",
              "exertional-chest-arm-jaw-pain", "coughing-blood", "shingles-rash"),
    "arm": ("cold-sweat-or-nausea-with-pain", "face-arm-speech-weakness", "exertional-chest-arm-jaw-pain",
            "arm-weakness-progressive", "hand-clumsiness-or-gait-change", "hot-swollen-joint", "coughing-blood"),
    "neck": ("cold-sweat-or-nausea-with-pain", "face-arm-speech-weakness", "dizziness-swallowing-speech-trouble",
             "headache-with-fever-and-stiff-neck", "exertional-chest-arm-jaw-pain", "sudden-unusual-neck-pain",
             "hand-clumsiness-or-gait-change", "arm-weakness-progressive", "jaw-claudication"),
    "head": ("thunderclap-headache", "headache-with-fever-and-stiff-neck", "sudden-vision-loss-or-double-vision",
             "face-arm-speech-weakness", "dizziness-swallowing-speech-trouble", "new-headache-over-50",
             "jaw-claudication", "scalp-tenderness", "shingles-rash"),
    "joint": ("hot-swollen-joint",),
}

#: The answers to "where does it hurt most?" (the general area first, the default), with the
#: body-map view that opens for each.
MOSTLY: dict[str, tuple[str, str]] = {
    "lower": (N_("Low back, buttock, hip or leg"), "back"),
    "chest": (N_("Chest, belly or upper back"), "upper-front"),
    "arm": (N_("Shoulder, arm or hand"), "arms-front"),
    "neck": (N_("Neck, jaw or throat"), "head-right"),
    "head": (N_("Head or face"), "head-right"),
}
AREA_NAMES = {k: v[0] for k, v in MOSTLY.items()} | {"joint": N_("Joints (hip, knee, ankle, shoulder, elbow, wrist, hand)")}
AREAS = tuple(AREA_FLAGS)

_CHEST = {"upper-abdomen", "chest", "chest-upper", "breast", "chest-lateral", "sternum", "upper-back", "mid-back",
          "scapula", "interscapular", "thoracic-spine", "scapula-upper", "axilla"}
_NECK = {"jaw", "teeth", "neck-front", "neck-lateral", "throat", "neck-back", "suboccipital", "neck-posterior",
         "cervical-spine"}
_JOINT_PREFIXES = ("knee-", "ankle-", "shoulder-", "elbow-", "wrist-")
_JOINTS = {"groin", "big-toe", "lesser-toes", "thumb", "fingers-radial", "fingers-ulnar"}


def region_areas(region: str, group: str) -> set[str]:
    """The screener areas a painful region belongs to ("lower" is asked of everyone)."""
    out: set[str] = set()
    if region in _CHEST:
        out.add("chest")
    if region in _NECK:
        out.add("neck")
    elif group == "head-neck":
        out.add("head")
    if group == "upper-limb" or region in {"scapula", "scapula-upper", "axilla"}:
        out.add("arm")
    if region.startswith(_JOINT_PREFIXES) or region in _JOINTS:
        out.add("joint")
    if not out:
        out.add("lower")
    return out


def region_area_map(kb: Knowledge) -> dict[str, str]:
    """region id -> space-separated areas, for the body-map page's script."""
    return {rid: " ".join(sorted(region_areas(rid, r.group))) for rid, r in kb.regions.items()}


def drawing_areas(kb: Knowledge, pain: Iterable[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for mark in pain:
        rid = mark.get("region")
        if isinstance(rid, str) and rid in kb.regions:
            out |= region_areas(rid, kb.regions[rid].group)
    return out


def _flag(kb: Knowledge, fid: str, lang: str) -> dict[str, str]:
    f = kb.red_flags[fid]
    return {"id": fid, "question": f.question.of(lang), "label": f.label.of(lang), "level": f.level}


def _group(kb: Knowledge, gid: str, title: str, ids: Iterable[str], lang: str, area: str,
           selected: set[str], answers: dict[str, str]) -> dict[str, Any] | None:
    flags = [_flag(kb, f, lang) for f in ids if f in kb.red_flags]
    if not flags:
        return None
    level = "emergency" if any(f["level"] == "emergency" for f in flags) else "other"
    ticked = any(f["id"] in selected for f in flags)
    answer = answers.get(gid) or ("yes" if ticked else "")
    return {"id": gid, "title": title, "flags": flags, "level": level, "area": area, "answer": answer,
            "summary": [f["label"] for f in flags]}


def general_screeners(kb: Knowledge, lang: str, _: Callable[[str], str], selected: set[str],
                      answers: dict[str, str]) -> list[dict[str, Any]]:
    titles = {"emergency": _("Signs that need emergency care"), "urgent": _("Signs that need a doctor soon"),
              "other": _("Other things a clinician should know")}
    out = []
    for part, ids in GENERAL.items():
        g = _group(kb, f"general-{part}", titles[part], ids, lang, "general", selected, answers)
        if g is not None:
            out.append(g)
    return out


def area_screeners(kb: Knowledge, lang: str, _: Callable[[str], str], areas: Iterable[str], selected: set[str],
                   answers: dict[str, str], skip: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One or two screeners per area (emergency signs, then the others), without the flags in ``skip``."""
    done = set(skip)
    out = []
    for area in areas:
        ids = [f for f in AREA_FLAGS.get(area, ()) if f not in done and f in kb.red_flags]
        emerg = [f for f in ids if kb.red_flags[f].level == "emergency"]
        rest = [f for f in ids if kb.red_flags[f].level != "emergency"]
        name = _(AREA_NAMES[area])
        for part, part_ids, title in (("emergency", emerg, _("Signs that need emergency care")),
                                      ("other", rest, _("Other warning signs"))):
            g = _group(kb, f"{area}-{part}", f"{title}: {name}", part_ids, lang, area, selected, answers)
            if g is not None:
                out.append(g)
    return out


def asked_flags(areas: Iterable[str]) -> set[str]:
    """Flags already asked: the general ones and those of the areas given."""
    out = {f for ids in GENERAL.values() for f in ids}
    for a in areas:
        out |= set(AREA_FLAGS.get(a, ()))
    return out


def group_area(gid: str) -> str:
    return gid.rsplit("-", 1)[0]


def collect_flags(form: FormData, only: set[str] | None = None) -> list[str]:
    """The red-flag answers of a submitted form: carried ones plus the ticks of every screener
    not answered "no" (a tick left under a "no" does not count), of the areas in ``only``
    (``general`` for step 1's own) when given."""
    out = list(form.getlist("rf"))
    for key in form.names():
        gid = key[3:]
        if not key.startswith("rf.") or form.get("sg." + gid) == "no":
            continue
        if only is not None and group_area(gid) not in only:
            continue
        out.extend(form.getlist(key))
    return list(dict.fromkeys(out))


def screener_answers(form: FormData) -> dict[str, str]:
    return {k[3:]: form.get(k) for k in form.names() if k.startswith("sg.") and form.get(k) in ("yes", "no")}


def asked_areas(form: FormData) -> list[str]:
    return [a for a in dict.fromkeys(form.getlist("asked")) if a in AREA_FLAGS]
