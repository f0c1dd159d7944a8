"""Progress plots: pain over time (0-10) above adherence (plan items done per day).

matplotlib is imported only when a plot is drawn, and only its object-oriented API with
the Agg canvas (no pyplot, no global backend switch), so drawing is safe in a web server's
threads and does not slow the CLI's start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

LABELS = {
    "en": {
        "title": "Pain diary",
        "pain": "Pain (0-10)",
        "done": "Plan items done",
        "planned": "In the plan that day",
        "date": "Date",
        "empty": "No diary entries yet",
    },
    "es": {
        "title": "Diario del dolor",
        "pain": "Dolor (0-10)",
        "done": "Ejercicios hechos",
        "planned": "En el plan ese día",
        "date": "Fecha",
        "empty": "Todavía no hay entradas en el diario",
    },
}


def format_for(path: str | Path) -> str | None:
    """``png``, ``svg`` or ``pdf`` from the file's suffix (None if unsupported)."""
    return FORMATS.get(Path(path).suffix.lower())


def render(
    points: Sequence[dict[str, Any]],
    fmt: str = "png",
    *,
    lang: str = "en",
    title: str | None = None,
    dpi: int = 120,
    compact: bool = False,
) -> bytes:
    """Draw the plot and return the file's bytes.

    ``compact``: the phone's plot, 3.3 x 4 inches without a title, its words at 10 points, so
    that drawn 300 px wide on a 320-360 px screen they read at about 12 px (the full plot, 8 x 5
    inches, shrinks them to 5 px there).

    ``points``: one dict per diary day in date order with ``date`` (a ``date``), ``pain``,
    ``done`` (plan items done) and ``planned`` (items in that day's plan, or None), as
    built by :func:`points_from`.
    """
    from matplotlib import rc_context

    with rc_context({"font.size": 10, "legend.fontsize": 10} if compact else {}):
        return _render(points, fmt, lang, title, dpi, compact)


def _render(points: Sequence[dict[str, Any]], fmt: str, lang: str, title: str | None, dpi: int,
            compact: bool) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, DayLocator, date2num
    from matplotlib.figure import Figure

    text = LABELS.get(lang, LABELS["en"])
    fig = Figure(figsize=(3.3, 4.0) if compact else (8, 5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax_pain, ax_done = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    if not compact:
        fig.suptitle(title or text["title"])
    ax_pain.set_ylim(-0.3, 10.3)
    ax_pain.set_yticks(range(0, 11, 2))
    ax_pain.set_ylabel(text["pain"])
    ax_pain.grid(True, alpha=0.3)
    ax_done.set_ylabel(text["done"])
    ax_done.grid(True, axis="y", alpha=0.3)
    if not points:
        ax_pain.text(0.5, 0.5, text["empty"], transform=ax_pain.transAxes, ha="center", va="center")
        ax_done.set_yticks([])
    else:
        dates = [p["date"] for p in points]
        pains = [p["pain"] for p in points]
        ax_pain.plot(dates, pains, marker="o", color="#c0392b", linewidth=1.8)
        planned = [p.get("planned") for p in points]
        if any(n is not None for n in planned):
            ax_done.bar(
                dates,
                [n or 0 for n in planned],
                width=0.8,
                color="#dfe6ee",
                edgecolor="#9aa9b8",
                label=text["planned"],
            )
        ax_done.bar(dates, [p["done"] for p in points], width=0.6, color="#2e86c1", label=text["done"])
        top = max([p["done"] for p in points] + [n or 0 for n in planned] + [1])
        ax_done.set_ylim(0, top + 0.5)
        ax_done.yaxis.get_major_locator().set_params(integer=True)
        if any(n is not None for n in planned):
            ax_done.legend(loc="upper left", fontsize=None if compact else "small", frameon=False)
        span = (dates[-1] - dates[0]).days
        per = 3 if compact else 7
        locator = (DayLocator(interval=max(1, span // per + 1)) if span <= 31
                   else AutoDateLocator(maxticks=4 if compact else 8))
        ax_done.xaxis.set_major_locator(locator)
        if span <= 31:
            ax_done.xaxis.set_major_formatter(DateFormatter("%d/%m" if lang == "es" else "%b %d"))
        elif lang == "es":  # month names would come out in English: use numbers
            formats = ["%Y", "%m/%Y", "%d/%m", "%H:%M", "%H:%M", "%S.%f"]
            offsets = ["", "%Y", "%m/%Y", "%d/%m/%Y", "%d/%m/%Y", "%d/%m/%Y %H:%M"]
            ax_done.xaxis.set_major_formatter(
                ConciseDateFormatter(locator, formats=formats, offset_formats=offsets)
            )
        else:
            ax_done.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if span <= 31:
            year = (
                f"{dates[0].year}" if dates[0].year == dates[-1].year else f"{dates[0].year}-{dates[-1].year}"
            )
            ax_done.set_xlabel(f"{text['date']} ({year})")
        pad = max(0.6, span * 0.03)
        ax_done.set_xlim(date2num(dates[0]) - pad, date2num(dates[-1]) + pad)
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()


def points_from(adherence_rows: Sequence[dict[str, Any]], entries: Sequence[Any]) -> list[dict[str, Any]]:
    """Join ``repo.adherence`` rows with the entries' pain (same order, same dates)."""
    pain = {e.entry_date: e.pain for e in entries}
    return [
        {"date": r["date"], "pain": pain[r["date"]], "done": r["done"], "planned": r["planned"]}
        for r in adherence_rows
    ]


def plot_person(session: Any, person: Any, fmt: str = "png", *, lang: str = "en") -> bytes:
    """The plot of a person's whole diary."""
    from . import repo

    entries = repo.list_entries(session, person)
    return render(points_from(repo.adherence(session, person, entries), entries), fmt, lang=lang)
