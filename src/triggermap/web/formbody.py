"""Reading a submitted HTML form, for every page route (the API takes JSON: :mod:`.api`).

* The body must be declared as a form: ``application/x-www-form-urlencoded`` or
  ``multipart/form-data`` (no Content-Type is an empty form only when there is no body);
  anything else is answered 415 instead of being read as an empty form.
* Names and values must be UTF-8 text: a byte sequence that is not UTF-8 is refused (422 naming
  the field) rather than turned into U+FFFD and stored (a password above all).
* No value may hold a control character (C0 other than tab and line breaks, DEL, C1): it would be
  stored and replayed on whoever's terminal lists it. Passwords are exempt (they are only hashed,
  and one set on the command line may hold any character); they still have to be UTF-8. So is
  the diary's note: the store refuses the same characters in it, and the diary form says so next
  to the field, keeping what was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote_to_bytes

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from ..vocabulary import CONTROL_RE
from .forms import FormData

if TYPE_CHECKING:
    from starlette.requests import Request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: fields whose control characters are not refused here: passwords (only hashed or compared, never
#: stored or shown) and the diary's note (refused by the store, with the form's own message)
EXEMPT_FIELDS = frozenset({"password", "current", "confirm", "note"})
NAME_FIELD = "(field name)"


def refuse(field: str, message: str) -> NoReturn:
    """Answer 422 naming ``field`` (the app's validation error page; nothing is read further)."""
    raise RequestValidationError([{"type": "value_error", "loc": ("body", field[:80]), "msg": message}])


def _gettext(request: Request) -> Any:
    from .app import ui_gettext

    return ui_gettext(request)


def _text(request: Request, raw: bytes, field: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        _ = _gettext(request)
        refuse(field, _("is not valid UTF-8 text"))


def _urlencoded(request: Request, body: bytes, max_fields: int) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for part in body.split(b"&"):
        if not part:
            continue
        if len(items) >= max_fields:
            raise HTTPException(400, f"Too many fields. Maximum number of fields is {max_fields}.")
        raw_name, _eq, raw_value = part.partition(b"=")
        name = _text(request, unquote_to_bytes(raw_name.replace(b"+", b" ")), NAME_FIELD)
        value = _text(request, unquote_to_bytes(raw_value.replace(b"+", b" ")), name or NAME_FIELD)
        items.append((name, value))
    return items


async def _multipart(request: Request, max_fields: int) -> list[tuple[str, Any]]:
    """Starlette's multipart parser with strict decoding (it falls back to latin-1 silently)."""
    from starlette.formparsers import MultiPartException, MultiPartParser

    class StrictParser(MultiPartParser):
        def on_part_end(self) -> None:
            part = self._current_part
            if part.file is None:
                try:
                    part.data.decode(self._charset or "utf-8")
                except (UnicodeDecodeError, LookupError):
                    _ = _gettext(request)
                    refuse(part.field_name or NAME_FIELD, _("is not valid UTF-8 text"))
            super().on_part_end()

    try:
        parser = StrictParser(request.headers, request.stream(), max_files=0, max_fields=max_fields)
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(400, exc.message) from None
    return list(form.multi_items())


async def read_form(request: Request, max_fields: int = 1000) -> FormData:
    """The submitted form (see the module's docstring for what is refused)."""
    declared = request.headers.get("content-type")
    ctype = (declared or "").split(";", 1)[0].strip().lower()
    items: list[tuple[str, Any]]
    if ctype == FORM_TYPES[0]:
        items = list(_urlencoded(request, await request.body(), max_fields))
    elif ctype == FORM_TYPES[1]:
        items = await _multipart(request, max_fields)
    elif not declared and not await request.body():
        items = []  # a form with no fields at all
    else:
        _ = _gettext(request)
        raise HTTPException(415, _("This address takes a form (application/x-www-form-urlencoded or "
                                   "multipart/form-data), not %(type)s.") % {"type": ctype or _("a body without a type")})
    for name, value in items:
        bad = NAME_FIELD if CONTROL_RE.search(name) else name if (
            isinstance(value, str) and name not in EXEMPT_FIELDS and CONTROL_RE.search(value)) else None
        if bad is not None:
            _ = _gettext(request)
            refuse(bad, _("must not hold control characters"))
    return FormData(items)
