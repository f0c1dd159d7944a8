"""The cited knowledge base: muscles, trigger points, regions, conditions, red flags, exercises.

``load()`` returns the compiled, cached :class:`Knowledge`; it imports neither YAML nor
pydantic when the on-disk cache is warm.
"""

from .entities import Knowledge, UnknownId
from .loader import KnowledgeError, load

__all__ = ["Knowledge", "KnowledgeError", "UnknownId", "load"]
