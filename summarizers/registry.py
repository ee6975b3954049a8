"""The summarizers by name, and the one used when none is named."""

from __future__ import annotations

from functools import cache

from summarizers.base import Summarizer
from summarizers.lead import LeadSummarizer
from summarizers.news import NewsSummarizer
from summarizers.sumy_methods import KL, LSA, LexRank, Luhn, Reduction, SumBasic, TextRank

__all__ = ["DEFAULT", "UnknownSummarizerError", "get", "names"]

DEFAULT = "news"

_CLASSES: dict[str, type[Summarizer]] = {
    cls.name: cls
    for cls in (
        NewsSummarizer,
        LexRank,
        LSA,
        TextRank,
        Luhn,
        KL,
        SumBasic,
        Reduction,
        LeadSummarizer,
    )
}


class UnknownSummarizerError(KeyError):
    """A summarizer name that is not registered."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        # KeyError's own str() would show the repr of the name and nothing else.
        return f"unknown summarizer {self.name!r}; choose one of: {', '.join(sorted(_CLASSES))}"


def names() -> tuple[str, ...]:
    """The names of all registered summarizers."""
    return tuple(_CLASSES)


def get(name: str) -> Summarizer:
    """The summarizer registered under `name`, created once and then shared.

    Raises `UnknownSummarizerError` (a `KeyError`) for a name that is not registered.
    """
    if name not in _CLASSES:
        raise UnknownSummarizerError(name)
    return _instance(name)


@cache
def _instance(name: str) -> Summarizer:
    # sumy's summarizers keep only their settings, so one instance can serve every caller.
    return _CLASSES[name]()
