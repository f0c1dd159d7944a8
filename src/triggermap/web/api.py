"""The JSON API, version 1 (assessment contract): ``/api/v1/...``.

``POST /api/v1/assess`` reads the body itself and validates it with the engine's own intake
parser, so an invalid intake gives exactly the CLI's ``{"field", "message"}`` (HTTP 422);
the OpenAPI document still declares the intake's JSON Schema as the request body. The answer
is serialised exactly as ``triggermap assess --format json`` prints it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ..documents import dumps_bytes
from ..schemas import AssessmentDoc, ErrorDoc
from ..vocabulary import ASKERS, DEFAULT_LANG, LANGS, Lang, did_you_mean
from .i18n import parse_accept_language

if TYPE_CHECKING:
    from ..engine import Assessment
    from ..knowledge import Knowledge

router = APIRouter(prefix="/api/v1", tags=["api"])
meta = APIRouter(tags=["meta"])
HEALTH = b'{"status":"ok"}'


@meta.get("/healthz", summary="Liveness check (and the load benchmark's floor)", response_class=Response,
          responses={200: {"description": '`{"status": "ok"}`'}})
async def healthz() -> Response:
    return Response(HEALTH, media_type="application/json")

_LANG_CHOICES = " or ".join(f"`{lang}`" for lang in LANGS)
LANG_QUERY = Query(
    None, description=f"Language of text fields ({_LANG_CHOICES}); default: the Accept-Language header, else "
                      f"`{DEFAULT_LANG}`."
)
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorDoc, "description": "Unknown id (the closest id is suggested)."},
    422: {"model": ErrorDoc, "description": "Invalid input: the field and what is allowed."},
}


def dumps(doc: Any) -> bytes:
    """The CLI's JSON serialisation (compact, UTF-8), as bytes: :func:`triggermap.documents.dumps_bytes`."""
    return dumps_bytes(doc)


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(content=dumps(doc), status_code=status, media_type="application/json")


def error_response(status: int, field: str, message: str) -> Response:
    return json_response({"field": field, "message": message}, status)


def api_lang(request: Request, lang: str | None) -> str:
    if lang:
        return lang
    return parse_accept_language(request.headers.get("accept-language")) or DEFAULT_LANG


def _unknown(what: str, value: str, allowed: list[str]) -> str:
    return f"unknown {what} {value!r}{did_you_mean(value, allowed, cutoff=0.5)} Allowed: {', '.join(allowed)}"


class BodyError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def parse_json_body(raw: bytes) -> Any:
    """The request body as JSON, or :class:`BodyError` naming ``(document)`` like the CLI does."""
    if not raw.strip():
        raise BodyError("(document)", "is empty; send the intake as a JSON object")
    from ..documents import InputError, loads_json

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BodyError("(document)", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return loads_json(text)  # the CLI's reader: deep nesting and huge numbers are refused alike
    except json.JSONDecodeError as exc:
        raise BodyError("(document)", f"is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except InputError as exc:
        raise BodyError(exc.field, exc.message) from None


def json_content_type(request: Request) -> Response | None:
    """HTTP 415 unless the body is declared as JSON (``application/json`` or ``+json``)."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json")):
        return None
    shown = ctype or "none"
    return error_response(415, "Content-Type", f"must be application/json, got {shown}")


def assess_neutral(doc: Any, kb: Knowledge, who: str | None = None) -> Assessment:
    """The language-neutral assessment of a parsed document; raises BodyError for anything the
    intake parser refuses. ``who`` keeps only the next questions that ``self`` or a
    ``clinician`` can answer."""
    from ..engine import IntakeError, parse_intake
    from ..engine.core import engine_for

    try:
        intake = parse_intake(doc, kb)
    except IntakeError as exc:
        raise BodyError(exc.field, exc.message) from None
    except (TypeError, KeyError, AttributeError) as exc:
        # a value of a type the parser did not expect (e.g. a list where an id belongs):
        # the client's input, so HTTP 422, never a server error
        raise BodyError("(document)", f"is not a valid intake ({type(exc).__name__}: {str(exc)[:120]})") from None
    return engine_for(kb).assess(intake, who=who)


def saved_in_language(kb: Knowledge, neutral: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """A saved result's language-neutral assessment as the contract document in ``lang`` (with the
    scores it had when it was saved); None when there is none or another version saved it (then
    the saved words are kept)."""
    from ..engine import Assessment
    from ..present import StaleAssessment, localise

    if neutral is None:
        return None
    try:
        return localise(Assessment.from_json(neutral), lang, kb)
    except (StaleAssessment, ValueError, KeyError, TypeError):
        return None


def assess_document(doc: Any, kb: Knowledge, lang: str, who: str | None = None) -> dict[str, Any]:
    """:func:`assess_neutral` as the contract document in ``lang``."""
    from ..present import localise

    return localise(assess_neutral(doc, kb, who), lang, kb)


#: ``?lean=`` values: on, off
LEAN_VALUES = {"1": True, "true": True, "0": False, "false": False}


def _intake_body_schema() -> dict[str, Any]:
    return {
        "required": True,
        "description": "The intake document (contract v1). Validated by the engine: an invalid intake gives "
        "HTTP 422 with the offending `field` and a `message`.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntakeDoc"}}},
    }


@router.post(
    "/assess",
    summary="Assess one intake",
    description="Triage, ranked muscles with explanations, conditions to rule out and a self-care plan; "
    "identical to `triggermap assess --format json`. Education and decision support, not a diagnosis.",
    responses={
        200: {"model": AssessmentDoc, "description": "The assessment."},
        413: {"model": ErrorDoc, "description": "The body is larger than 64 KiB."},
        415: {"model": ErrorDoc, "description": "The body is not declared as `application/json`, or is sent "
                                                   "compressed (`Content-Encoding`)."},
        422: ERRORS[422],
    },
    response_class=Response,
    openapi_extra={
        "requestBody": _intake_body_schema(),
        "parameters": [{
            "name": "lang", "in": "query", "required": False,
            "description": "Language of text fields (`en` or `es`); default: the Accept-Language header, else `en`.",
            "schema": {"type": "string", "enum": list(LANGS)},
        }, {
            "name": "who", "in": "query", "required": False,
            "description": "List only the `next_questions` that `self` (the person) or a `clinician` can answer; "
            "default: both.",
            "schema": {"type": "string", "enum": list(ASKERS)},
        }, {
            "name": "lean", "in": "query", "required": False,
            "description": "`1`: the lean document (the drawing's marks once, each muscle refers to them; "
            "schema `assessment-lean`, docs/lean-document.md); default `0`, the full document.",
            "schema": {"type": "string", "enum": list(LEAN_VALUES)},
        }],
    },
)
async def api_assess(request: Request) -> Response:
    # `lang` is read by hand (documented in openapi_extra): FastAPI's parameter machinery costs
    # more than a third of the framework's time on this, the hot route
    lang = request.query_params.get("lang")
    if lang is not None and lang not in LANGS:
        return error_response(422, "lang", f"unknown language {lang!r}. Allowed: {', '.join(LANGS)}")
    who = request.query_params.get("who")
    if who is not None and who not in ASKERS:
        return error_response(422, "who", _unknown("value", who, list(ASKERS)))
    lean_arg = request.query_params.get("lean")
    lean = False
    if lean_arg is not None:
        if lean_arg not in LEAN_VALUES:
            return error_response(422, "lean", _unknown("value", lean_arg, list(LEAN_VALUES)))
        lean = LEAN_VALUES[lean_arg]
    wrong_type = json_content_type(request)
    if wrong_type is not None:
        return wrong_type
    kb = request.app.state.kb
    raw = await request.body()
    try:
        doc = parse_json_body(raw)
        result = assess_document(doc, kb, api_lang(request, lang), who)
    except BodyError as exc:
        return error_response(422, exc.field, exc.message)
    if lean:
        from ..lean import lean_document

        result = lean_document(result)
    return json_response(result)


#: texts up to this many characters are parsed on the event loop (longer ones in a worker thread)
PARSE_INLINE_CHARS = 2_000


@router.post(
    "/parse",
    summary="Free text -> a draft intake",
    description="`{\"text\", \"lang\"}` -> `{\"intake\", \"evidence\", \"unsure\"}`, identical to "
    "`triggermap parse TEXT --lang LANG --format json` (contract: Free-text intake 1.1). The text is not stored.",
    responses={
        413: {"model": ErrorDoc, "description": "The body is larger than 64 KiB."},
        415: {"model": ErrorDoc, "description": "The body is not declared as `application/json`, or is sent "
                                                   "compressed (`Content-Encoding`)."},
        422: ERRORS[422],
    },
    response_class=Response,
)
async def api_parse(request: Request) -> Response:
    from ..text import ParseError, parse_text
    from ..text.cli import parse_request

    wrong_type = json_content_type(request)
    if wrong_type is not None:
        return wrong_type
    try:
        text, lang = parse_request(parse_json_body(await request.body()), api_lang(request, None))
        if len(text) <= PARSE_INLINE_CHARS:  # a description: about a millisecond
            return json_response(parse_text(text, lang, request.app.state.kb))
        from starlette.concurrency import run_in_threadpool

        # a long text takes up to about a second: off the event loop, so other requests go on
        return json_response(await run_in_threadpool(parse_text, text, lang, request.app.state.kb))
    except BodyError as exc:
        return error_response(422, exc.field, exc.message)
    except ParseError as exc:
        return json_response(exc.to_dict(), 422)


@router.get("/vocab", summary="Every accepted id, by category", response_class=Response,
            responses={200: {"description": "An object keyed by category."}})
async def api_vocab(request: Request) -> Response:
    return Response(request.app.state.cache["vocab"], media_type="application/json")


@router.get("/vocab/{category}", summary="Every accepted id of one category", response_class=Response,
            responses={200: {"description": "A list of {id, label{en,es}, definition{en,es}, ...}."}, **ERRORS})
async def api_vocab_category(
    request: Request,
    category: str = Path(description="regions, qualities, aggravating, findings, red-flags, history, muscles "
                         "or conditions"),
) -> Response:
    from ..present.views import CATEGORIES, vocab_items

    if category not in CATEGORIES:
        return error_response(404, "category", _unknown("category", category, list(CATEGORIES)))
    return json_response(vocab_items(request.app.state.kb, category))


@router.get("/muscles", summary="All muscles (a list)", response_class=Response,
            responses={200: {"description": "A list of {id, label{en,es}, definition{en,es}, latin}."}})
async def api_muscles(request: Request) -> Response:
    return Response(request.app.state.cache["muscles"], media_type="application/json")


@router.get("/muscles/{muscle_id}", summary="One muscle's card", response_class=Response,
            responses={200: {"description": "Names, anatomy, trigger points with referral zones, self-care, "
                             "references (as `triggermap muscle ID --format json`)."}, **ERRORS})
async def api_muscle(request: Request, muscle_id: str = Path(description="e.g. gluteus-minimus"),
                     lang: Lang | None = LANG_QUERY) -> Response:
    from ..present.views import muscle_card

    kb = request.app.state.kb
    if muscle_id not in kb.muscles:
        return error_response(404, "id", _unknown("muscle id", muscle_id, list(kb.muscles)))
    return json_response(muscle_card(kb, muscle_id, api_lang(request, lang)))


@router.get("/schema/{document}", summary="JSON Schema of a contract document", response_class=Response,
            responses={200: {"description": "A JSON Schema (draft 2020-12)."}, **ERRORS})
async def api_schema(request: Request, document: str = Path(description="intake, assessment, assessment-lean or error")) -> Response:
    schemas = request.app.state.cache["schemas"]
    if document not in schemas:
        return error_response(404, "document", _unknown("document", document, list(schemas)))
    return json_response(schemas[document])
