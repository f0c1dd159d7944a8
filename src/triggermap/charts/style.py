"""Chart styling: colours, scales and the words printed on the charts (English and Spanish)."""

from __future__ import annotations

from ..vocabulary import INTENSITY_MAX, INTENSITY_MIN, LANGS

__all__ = ["LANGS"]  # re-exported for the renderer (st.LANGS)

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

# body
BODY_FILL = "#f5f0ea"
REGION_STROKE = "#d3c9bd"
OUTLINE = "#4b4540"
DETAIL = "#a39a90"
INK = "#1f1d1b"
MUTED = "#6b645d"

# muscle chart, after the field's convention: essential zone solid red, spillover stippled red, X at the TrP
ESSENTIAL = "#d7301f"
SPILLOVER = "#d7301f"
SPILLOVER_WASH = "#fbe3dc"
TRP = "#111111"

#: ColorBrewer YlOrRd (9 classes): sequential, monotone in lightness, listed by ColorBrewer as
#: colour-blind safe and print friendly. Pain intensity 0..10 is interpolated along it.
YLORRD = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026")

#: Okabe & Ito (2008) colour-universal-design palette, the members that stand out on YlOrRd.
#: Each also gets its own dash pattern, so the outlines never rely on colour alone.
MUSCLE_COLOURS = ("#0072B2", "#009E73", "#CC79A7", "#000000", "#56B4E9")
MUSCLE_DASHES = ("", "10 4", "3 3", "12 4 3 4", "6 6")


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def intensity_colour(intensity: int) -> str:
    """Fill colour of a pain intensity 0-10 (clamped) on the YlOrRd scale."""
    i = min(INTENSITY_MAX, max(INTENSITY_MIN, int(intensity)))
    t = (i - INTENSITY_MIN) / (INTENSITY_MAX - INTENSITY_MIN) * (len(YLORRD) - 1)
    k = min(int(t), len(YLORRD) - 2)
    f = t - k
    a, b = _hex(YLORRD[k]), _hex(YLORRD[k + 1])
    r, g, bl = (round(a[j] + (b[j] - a[j]) * f) for j in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


INTENSITY_COLOURS = tuple(intensity_colour(i) for i in range(INTENSITY_MIN, INTENSITY_MAX + 1))


def text_on(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = _hex(fill)
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#ffffff"


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "view.front": "Front",
        "view.back": "Back",
        "view.right": "Right side",
        "view.left": "Left side",
        "view.upper-front": "Upper body, front",
        "view.upper-back": "Upper body, back",
        "view.arms-front": "Arms, front",
        "view.arms-back": "Arms, back",
        "view.head-right": "Head and neck, right",
        "view.head-left": "Head and neck, left",
        "view.hands-palm": "Palms",
        "view.hands-back": "Backs of the hands",
        "R": "R",
        "L": "L",
        "right": "right",
        "left": "left",
        "disclaimer": "Education only, not a diagnosis.",
        "legend.trp": "Trigger point",
        "legend.essential": "Essential zone: where the pain is usually felt",
        "legend.spillover": "Spillover zone: felt in some people",
        "muscle.subtitle": "Referred pain pattern",
        "muscle.trps": "Trigger points",
        "muscle.desc": "Referred pain pattern of {name}: trigger points marked X, essential zone solid red "
        "({essential}), spillover zone stippled ({spillover}).",
        "drawing.title": "Pain drawing",
        "drawing.subtitle": "Shaded by pain intensity, 0 (none) to 10 (worst imaginable)",
        "drawing.scale": "Pain intensity",
        "drawing.none": "No pain",
        "drawing.worst": "Worst",
        "drawing.empty": "No painful areas were marked.",
        "drawing.marked": "Marked areas (pain 0-10)",
        "drawing.desc": "Pain drawing. Marked areas: {marks}.",
        "assessment.title": "What may explain this pain",
        "assessment.subtitle": "The drawing, with the referral zones of the likeliest muscles outlined",
        "assessment.explains": "explains {n} of {total} painful areas",
        "assessment.key": "Band inside an area: that muscle's essential zone (solid) or spillover zone (dashed); "
        "X: its trigger points.",
        "assessment.none": "No muscle in triggermap refers pain to the marked areas.",
        "assessment.uncovered": "Grey hatching: areas no muscle in triggermap explains",
        "assessment.desc": "Pain drawing with the referral zones of {muscles} outlined.",
        "map.title": "Body map, {view} view",
        "map.desc": "Each area of the body is a checkbox: select the areas where you feel pain.",
        "map.intensity": "pain {n} of 10",
        "none": "none",
    },
    "es": {
        "view.front": "Frente",
        "view.back": "Espalda",
        "view.right": "Lado derecho",
        "view.left": "Lado izquierdo",
        "view.upper-front": "Parte superior, frente",
        "view.upper-back": "Parte superior, espalda",
        "view.arms-front": "Brazos, frente",
        "view.arms-back": "Brazos, espalda",
        "view.head-right": "Cabeza y cuello, derecha",
        "view.head-left": "Cabeza y cuello, izquierda",
        "view.hands-palm": "Palmas",
        "view.hands-back": "Dorso de las manos",
        "R": "D",
        "L": "I",
        "right": "lado derecho",
        "left": "lado izquierdo",
        "disclaimer": "Solo educativo, no es un diagnóstico.",
        "legend.trp": "Punto gatillo",
        "legend.essential": "Zona esencial: donde suele sentirse el dolor",
        "legend.spillover": "Zona de extensión: en algunas personas",
        "muscle.subtitle": "Patrón de dolor referido",
        "muscle.trps": "Puntos gatillo",
        "muscle.desc": "Patrón de dolor referido de {name}: puntos gatillo marcados con X, zona esencial en rojo "
        "sólido ({essential}), zona de extensión punteada ({spillover}).",
        "drawing.title": "Dibujo del dolor",
        "drawing.subtitle": "Sombreado según la intensidad del dolor, de 0 (nada) a 10 (el peor imaginable)",
        "drawing.scale": "Intensidad del dolor",
        "drawing.none": "Sin dolor",
        "drawing.worst": "El peor",
        "drawing.empty": "No se marcó ninguna zona con dolor.",
        "drawing.marked": "Zonas marcadas (dolor de 0 a 10)",
        "drawing.desc": "Dibujo del dolor. Zonas marcadas: {marks}.",
        "assessment.title": "Qué podría explicar este dolor",
        "assessment.subtitle": "El dibujo, con las zonas de dolor referido de los músculos más probables",
        "assessment.explains": "explica {n} de {total} zonas con dolor",
        "assessment.key": "Franja dentro de una zona: zona esencial (continua) o de extensión (discontinua) "
        "de ese músculo; X: sus puntos gatillo.",
        "assessment.none": "Ningún músculo de triggermap refiere dolor a las zonas marcadas.",
        "assessment.uncovered": "Rayado gris: zonas que ningún músculo de triggermap explica",
        "assessment.desc": "Dibujo del dolor con las zonas de dolor referido de {muscles}.",
        "map.title": "Mapa del cuerpo, vista: {view}",
        "map.desc": "Cada zona del cuerpo es una casilla: seleccione las zonas donde siente dolor.",
        "map.intensity": "dolor {n} de 10",
        "none": "ninguna",
    },
}


def word(lang: str, key: str) -> str:
    return WORDS[lang][key]


# Advance widths of DejaVu Sans (the chart font) in 1/1000 em, measured once from the font files,
# so that legends can be laid out without loading a font at render time.
_METRIC_CHARS = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~áéíóúüñÁÉÍÓÚÑ¿¡·—–’'
_WIDTHS = dict(zip(_METRIC_CHARS, (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295,
    295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838,
    500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521,
    392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838, 613, 615, 278, 612, 634, 634, 634, 684, 632, 295,
    787, 732, 748, 531, 401, 318, 1000, 500, 318,
), strict=True))
_WIDTHS_BOLD = dict(zip(_METRIC_CHARS, (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
    372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
    500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
    478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838, 675, 678, 343, 687, 712, 712, 712, 774, 683, 372,
    850, 812, 837, 580, 456, 380, 1000, 500, 380,
), strict=True))


def text_width(s: str, size: float, bold: bool = False) -> float:
    """Width of ``s`` set in DejaVu Sans at ``size`` (other fonts are close enough for layout)."""
    table = _WIDTHS_BOLD if bold else _WIDTHS
    return sum(table.get(c, 640) for c in s) * size / 1000
