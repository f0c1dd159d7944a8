"""Errors raised by the store. Importing this module imports nothing heavy."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class ValidationError(StoreError):
    """Bad input: names the field, the bad value and what is allowed.

    The CLI turns it into exit code 2, the web app into HTTP 422. Nothing is written.
    """

    def __init__(
        self,
        field: str,
        value: Any,
        problem: str,
        allowed: str | None = None,
        suggestion: str | None = None,
    ):
        self.field = field
        self.value = value
        self.problem = problem
        self.allowed = allowed
        self.suggestion = suggestion
        super().__init__(self.message())

    def message(self, field_label: str | None = None) -> str:
        from ..vocabulary import shown

        text = f"{field_label or self.field}: {self.problem} ({shown(self.value)})"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "problem": self.problem,
            "allowed": self.allowed,
            "suggestion": self.suggestion,
            "message": self.message(),
        }


class DuplicateEntry(ValidationError):
    """A diary entry already exists for this person and date (use ``replace=True``)."""


class AccessError(StoreError):
    """The record is not there for this account.

    Web handlers should answer 404 for both subclasses so that guessing ids tells an
    attacker nothing about which ids exist. ``audit`` holds the audit row of the refusal
    (see ``repo.record_denial``).
    """

    audit: dict[str, Any] | None = None


class NotFound(AccessError):
    """No such record."""


class Forbidden(AccessError):
    """The record exists but this account may not see or change it."""


class RateLimited(StoreError):
    """Too many failed log-ins for this user name or address; try again later."""

    audit: dict[str, Any] | None = None

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"too many failed log-ins; try again in {retry_after} s")


class BackupError(StoreError):
    """A backup or restore that cannot be done (exit code 1)."""


class BadBackup(BackupError):
    """The file is not a backup this triggermap can restore (bad input: exit code 2); nothing is written."""


class SchemaError(StoreError):
    """The database schema is newer than this version of triggermap, or not a triggermap database."""
