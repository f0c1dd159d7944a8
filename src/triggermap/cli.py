"""The ``triggermap`` command: a thin shell over the library.

``assess`` is dispatched before typer is imported (see :mod:`triggermap.fastcli`); every
other command is a typer app built on demand, with heavy imports inside the commands.
"""


import sys
from typing import Any

from .vocabulary import LANGS, did_you_mean


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    bad = _not_utf8(args)
    if bad is not None:  # the store, the JSON writers and the terminal all need UTF-8 text
        sys.stderr.write(f"triggermap: error: {bad}: is not valid UTF-8 text\n")
        raise SystemExit(2)
    if args and args[0] == "assess":  # its own parser, help included (every option listed)
        from .fastcli import main as assess_main

        raise SystemExit(assess_main(args[1:]))
    app = build_app()
    app(args=args, prog_name="triggermap")


def _not_utf8(args: list[str]) -> str | None:
    """The option (or ``argument N``) of the first argument that is not UTF-8 (bytes the system
    could not decode arrive as lone surrogates), or None."""
    for i, arg in enumerate(args):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            if arg.startswith("--") and "=" in arg:
                return arg.split("=", 1)[0]
            if i and args[i - 1].startswith("-") and not arg.startswith("-"):
                return args[i - 1]
            return f"argument {i + 1}"
    return None


def _fail(field: str, message: str) -> Any:
    import typer

    typer.echo(f"triggermap: error: {field}: {message}", err=True)
    raise typer.Exit(2)


def _choice(field: str, value: str, allowed: tuple[str, ...] | list[str]) -> str:
    if value not in allowed:
        _fail(field, f"unknown value {value!r}{did_you_mean(value, allowed)} Allowed: {', '.join(allowed)}")
    return value


def _print_json(doc: Any) -> None:
    from .documents import dumps_pretty

    sys.stdout.write(dumps_pretty(doc) + "\n")


def build_app() -> Any:
    import typer

    app = typer.Typer(
        help="triggermap: from a pain drawing to likely trigger-point sources, red-flag triage and self-care. "
        "Education and decision support, not a diagnosis.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def assess(ctx: typer.Context) -> None:
        """Assess an intake: triggermap assess FILE|- [--format text|json] [--lang en|es] [--who self|clinician]
        [--batch FILE.jsonl|FILE.csv|FILE.parquet [--format json|csv|parquet]] [--lean]."""
        from .fastcli import main as assess_main

        raise typer.Exit(assess_main(list(ctx.args) or ["--help"]))

    @app.command()
    def vocab(
        category: str = typer.Argument(None, help="regions, qualities, aggravating, findings, red-flags, "
                                       "history, muscles or conditions; all when omitted"),
        format: str = typer.Option("text", "--format", help="text or json"),
        lang: str = typer.Option("en", "--lang", help="en or es (text format)"),
    ) -> None:
        """List every accepted id with its English and Spanish label and a definition."""
        from .knowledge import load
        from .present.views import CATEGORIES, vocab_all, vocab_items

        _choice("--format", format, ("text", "json"))
        _choice("--lang", lang, LANGS)
        if category is not None:
            _choice("category", category, CATEGORIES)
        kb = load()
        doc: Any = vocab_items(kb, category) if category else vocab_all(kb)
        if format == "json":
            _print_json(doc)
            return
        from .render_text import who_label

        groups = {category: doc} if category else doc
        for cat, items in groups.items():
            typer.echo(f"# {cat}")
            for it in items:
                typer.echo(f"{it['id']:<32} {it['label'][lang]}: {it['definition'][lang]}")
                if "question" in it:  # how it is asked as a next question, and who answers it
                    typer.echo(f"{'':<32} ? {it['question'][lang]} ({who_label(it['who'], lang)})")
            typer.echo("")

    @app.command()
    def schema(
        document: str = typer.Argument("all", help="intake, assessment, assessment-lean, error or all"),
    ) -> None:
        """Print the JSON Schema of the contract documents."""
        from .knowledge import load
        from .schemas import schemas

        _choice("document", document, ("intake", "assessment", "assessment-lean", "error", "all"))
        all_schemas = schemas(load())
        _print_json(all_schemas if document == "all" else all_schemas[document])

    @app.command()
    def muscle(
        muscle_id: str = typer.Argument(..., metavar="ID", help="muscle id, e.g. gluteus-minimus"),
        format: str = typer.Option("text", "--format", help="text or json"),
        lang: str = typer.Option("en", "--lang", help="en or es"),
    ) -> None:
        """A readable card of one muscle: names, anatomy, trigger points, referral zones, self-care, references."""
        from .knowledge import load
        from .present.views import muscle_card

        _choice("--format", format, ("text", "json"))
        _choice("--lang", lang, LANGS)
        kb = load()
        _choice("ID", muscle_id, list(kb.muscles))
        card = muscle_card(kb, muscle_id, lang)
        if format == "json":
            _print_json(card)
            return
        from .render_text import muscle_card_text

        typer.echo(muscle_card_text(card, lang))

    @app.command()
    def evaluate(
        cases: str = typer.Argument(None, help="folder of case files (default: bench/cases)"),
        format: str = typer.Option("text", "--format", help="text or json"),
        parse: bool = typer.Option(False, "--parse", help="evaluate the free-text parser on bench/parse instead"),
    ) -> None:
        """Top-1/top-3 accuracy and triage sensitivity/specificity over the textbook cases."""
        from pathlib import Path

        from .documents import InputError
        from .evaluate import default_cases_dir, evaluate_dir, format_report

        _choice("--format", format, ("text", "json"))
        if cases is not None and not Path(cases).is_dir():
            _fail("cases", f"{cases!r} is not a folder of case files")
        try:
            if parse:
                from .evaluate import evaluate_parse, format_parse_report

                res = evaluate_parse(Path(cases) if cases else None)
                _print_json(res) if format == "json" else typer.echo(format_parse_report(res))
                return
            result = evaluate_dir(Path(cases) if cases else default_cases_dir())
        except InputError as exc:
            _fail(exc.field, exc.message)
        if format == "json":
            _print_json(result)
        else:
            typer.echo(format_report(result))

    @app.command()
    def parse(
        text: str = typer.Argument(..., help="the description, or - to read standard input"),
        lang: str = typer.Option("en", "--lang", help="language of the text: en or es"),
        format: str = typer.Option("text", "--format", help="text or json"),
    ) -> None:
        """Free text -> a draft intake with the words behind each id (contract: Free-text intake 1.1)."""
        from .text.cli import parse_command

        code = parse_command(text, lang, format)
        if code:
            raise typer.Exit(code)

    _mount_parts(app)
    return app


def _mount_parts(app: Any) -> None:
    """Charts, diary, web: each part keeps its own commands (their modules import lightly)."""
    from .charts import cli as charts
    from .opendata import cli as opendata
    from .store import cli as store
    from .web import cli as web

    app.add_typer(charts.app, name="chart", help="Body charts: muscle, intake drawing, assessment (SVG/PNG/PDF).")
    app.add_typer(store.app, name="diary", help="Pain diary: add, list, plot, export.")
    app.add_typer(store.account_app, name="account", help="Clinic accounts: add, assign, list.")
    app.command("backup")(store.backup_command)
    app.command("restore")(store.restore_command)
    app.command("serve")(web.serve)
    app.command("export-kb")(opendata.export_kb)
    app.command("site")(opendata.site)


if __name__ == "__main__":  # pragma: no cover
    main()
