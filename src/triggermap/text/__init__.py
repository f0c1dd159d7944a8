"""Free-text intake: words in English or Spanish -> a draft intake for the person to confirm.

``parse_text(text, lang)`` returns the contract document ``{"intake", "evidence", "unsure"}``
(docs/assessment-contract.md, "Free-text intake (1.1)"). The text is never logged or stored.
"""

from .lexicon import LANGS, load_lexicon
from .parser import MAX_CHARS, ParseError, check_input, parse_text

__all__ = ["LANGS", "MAX_CHARS", "ParseError", "check_input", "load_lexicon", "parse_text"]
