"""Passwords (argon2id) and session tokens.

Clear passwords exist only in the arguments of these functions: they are never stored,
logged, put in exceptions or in the audit log. :class:`Password` wraps one so that an
accidental ``print``/``repr``/log shows ``'********'``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import ValidationError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 is slow by design; do not let anyone hash a megabyte


class Password:
    """A clear password that does not show itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Password('********')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Password is not picklable")


def _clear(password: str | Password) -> str:
    return password.reveal() if isinstance(password, Password) else password


def make_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults: RFC 9106's low-memory profile (t=3, 64 MiB)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    return make_hasher()


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def check_password_policy(password: str | Password, field: str = "password") -> None:
    """Length rules only (NIST SP 800-63B: length over composition rules)."""
    n = len(_clear(password))
    if n < MIN_PASSWORD_LENGTH or n > MAX_PASSWORD_LENGTH:
        # the value is never echoed back
        raise ValidationError(
            field,
            "********",
            f"a password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
        )
    if _CONTROL.search(_clear(password)):  # NUL, escape, ...: cannot be typed at a log-in form
        raise ValidationError(field, "********", "a password cannot hold control characters")


def hash_password(password: str | Password) -> str:
    """The argon2id hash (PHC string) of ``password``."""
    return hasher().hash(_clear(password))


def verify_password(password_hash: str, password: str | Password) -> bool:
    """True when ``password`` matches; False for a wrong password or a malformed hash."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return hasher().verify(password_hash, _clear(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the user name is unknown, so timing does not tell
    whether an account exists."""
    return hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    """A random token for a session cookie (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored for a session token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    """Constant-time comparison (CSRF tokens)."""
    return hmac.compare_digest(a.encode(), b.encode())
