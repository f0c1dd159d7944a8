"""``triggermap chart ...``: draw a muscle chart, an intake's pain drawing or an assessment chart.

    triggermap chart muscle gluteus-minimus -o out.png
    triggermap chart intake case.json -o out.svg --lang es
    triggermap chart assessment case.json -o out.pdf

The format follows the output suffix (.svg, .png, .pdf); without ``-o`` the SVG goes to standard
output. Invalid input exits with code 2 and one message naming the field and what is allowed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from ..vocabulary import DEFAULT_LANG, LANGS, did_you_mean
from .geometry import SIDES

if TYPE_CHECKING:
    from ..knowledge import Knowledge

app = typer.Typer(
    help="Body charts: a muscle's trigger points and referral zones, a pain drawing, an assessment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_OUTPUT = typer.Option(None, "-o", "--output", help="output file: .svg, .png or .pdf (default: SVG on stdout)")
_LANG = typer.Option(DEFAULT_LANG, "--lang", help=f"label language: {' or '.join(LANGS)}")
_SCALE = typer.Option(2.0, "--scale", help="PNG pixels per SVG unit")
_SIDE = typer.Option(SIDES[0], "--side", help=f"side of the body drawn: {' or '.join(SIDES)}")
_VIEW = typer.Option(None, "--view", help="view(s) to draw: front, back, side, upper-front, upper-back, arms-front, "
                     "arms-back, head, hands-palm, hands-back (repeatable; default: chosen)")
VIEW_CHOICES = ("front", "back", "side", "upper-front", "upper-back", "arms-front", "arms-back", "head", "hands-palm",
                "hands-back")


def _fail(field: str, message: str) -> NoReturn:
    typer.echo(f"triggermap: error: {field}: {message}", err=True)
    raise typer.Exit(2)


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        _fail(field, f"unknown value {value!r}; allowed: {', '.join(allowed)}")
    return value


def _kb() -> Knowledge:
    from ..knowledge import KnowledgeError, load

    try:
        return load()
    except KnowledgeError as exc:  # a broken data tree: say so, briefly
        _fail("knowledge base", "; ".join(exc.problems[:3]))


def _read(path: str) -> Any:
    from ..documents import InputError, read_document

    try:
        doc = read_document(path)
    except InputError as exc:
        _fail(exc.field, exc.message)
    if not isinstance(doc, dict):
        _fail("(document)", "must be an object (an intake, see `triggermap schema intake`)")
    return doc


def _pain(doc: dict[str, Any], kb: Knowledge) -> list[tuple[str, str | None, int]]:
    from ..engine import IntakeError, parse_intake

    try:
        intake = parse_intake(doc, kb)
    except IntakeError as exc:
        _fail(exc.field, exc.message)
    return [(m.region, m.side, m.intensity) for m in intake.pain]


def _write(svg: str, output: str | None, scale: float) -> None:
    from . import ChartError, export

    if output is None or output == "-":
        sys.stdout.write(svg)
        return
    try:
        export(svg, output, scale=scale)
    except ChartError as exc:
        _fail({"output": "--output", "scale": "--scale"}.get(exc.field, exc.field), exc.message)
    except OSError as exc:
        _fail("--output", f"cannot write {output!r}: {exc.strerror or exc}")


def _guard(fn: Any, *args: Any, **kwargs: Any) -> str:
    from . import ChartError

    try:
        return str(fn(*args, **kwargs))
    except ChartError as exc:
        _fail(exc.field, exc.message)


def _check_output(output: str | None) -> None:
    if output not in (None, "-") and not str(output).lower().endswith((".svg", ".png", ".pdf")):
        _fail("--output", f"{output!r}: the suffix sets the format; allowed: .svg, .png, .pdf")


@app.command("muscle")
def muscle_command(
    muscle_id: str = typer.Argument(..., metavar="ID", help="muscle id, e.g. gluteus-minimus"),
    output: str = _OUTPUT,
    lang: str = _LANG,
    side: str = _SIDE,
    view: list[str] = _VIEW,
    scale: float = _SCALE,
) -> None:
    """A muscle's trigger points (X), essential zone (solid) and spillover zone (stippled)."""
    from . import muscle_chart

    _choice("--lang", lang, LANGS)
    _choice("--side", side, SIDES)
    views = None
    if view:
        for v in view:
            _choice("--view", v, VIEW_CHOICES)
        views = [side if v == "side" else f"head-{side}" if v == "head" else v for v in view]
    _check_output(output)
    kb = _kb()
    if muscle_id not in kb.muscles:
        hint = did_you_mean(muscle_id, kb.muscles, fmt=" (did you mean {!r}?)")
        _fail("ID", f"unknown muscle {muscle_id!r}{hint}; allowed: {', '.join(sorted(kb.muscles))}")
    _write(_guard(muscle_chart, kb, muscle_id, lang, side=side, views=views), output, scale)


@app.command("intake")
def intake_command(
    file: str = typer.Argument(..., metavar="FILE", help="intake, JSON or YAML (- for standard input)"),
    output: str = _OUTPUT,
    lang: str = _LANG,
    scale: float = _SCALE,
) -> None:
    """The intake's pain drawing, each region shaded by its 0-10 intensity."""
    from . import drawing_chart

    _choice("--lang", lang, LANGS)
    _check_output(output)
    kb = _kb()
    marks = _pain(_read(file), kb)
    _write(_guard(drawing_chart, kb, marks, lang), output, scale)


@app.command("assessment")
def assessment_command(
    file: str = typer.Argument(..., metavar="FILE", help="intake, JSON or YAML (- for standard input)"),
    output: str = _OUTPUT,
    lang: str = _LANG,
    top: int = typer.Option(3, "--top", help="how many of the likeliest muscles to outline (1-5)"),
    scale: float = _SCALE,
) -> None:
    """The pain drawing with the referral zones of the likeliest muscles outlined over it."""
    from ..engine import IntakeError, assess
    from . import assessment_chart

    _choice("--lang", lang, LANGS)
    if not 1 <= top <= 5:
        _fail("--top", f"{top} is out of range; allowed: 1 to 5")
    _check_output(output)
    kb = _kb()
    doc = _read(file)
    marks = _pain(doc, kb)
    try:
        result = assess(doc, kb, lang)
    except IntakeError as exc:
        _fail(exc.field, exc.message)
    _write(_guard(assessment_chart, kb, marks, result, lang, top=top), output, scale)
