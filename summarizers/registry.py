"""The summarizers by name, and the one used when none is named."""

from __future__ import annotations

from functools import cache

from summarizers.base import Summarizer
from summarizers.lead import LeadSummarizer
from summarizers.news import NewsSummarizer

__all__ = ["DEFAULT", "UnknownSummarizerError", "get", "names"]

DEFAULT = "news"

# sumy's methods, by name and class in `sumy_methods`: imported when first asked for, since
# sumy's stemmer brings NLTK (and SciPy), which the bot's own methods do without.
_SUMY = {
    "lexrank": "LexRank",
    "lsa": "LSA",
    "textrank": "TextRank",
    "luhn": "Luhn",
    "kl": "KL",
    "sumbasic": "SumBasic",
    "reduction": "Reduction",
}
_OWN: dict[str, type[Summarizer]] = {
    NewsSummarizer.name: NewsSummarizer,
    LeadSummarizer.name: LeadSummarizer,
}
_NAMES = (NewsSummarizer.name, *_SUMY, LeadSummarizer.name)


class UnknownSummarizerError(KeyError):
    """A summarizer name that is not registered."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        # KeyError's own str() would show the repr of the name and nothing else.
        return f"unknown summarizer {self.name!r}; choose one of: {', '.join(sorted(_NAMES))}"


def names() -> tuple[str, ...]:
    """The names of all registered summarizers."""
    return _NAMES


def get(name: str) -> Summarizer:
    """The summarizer registered under `name`, created once and then shared.

    Raises `UnknownSummarizerError` (a `KeyError`) for a name that is not registered.
    """
    if name not in _NAMES:
        raise UnknownSummarizerError(name)
    return _instance(name)


@cache
def _instance(name: str) -> Summarizer:
    # sumy's summarizers keep only their settings, so one instance can serve every caller.
    if name in _SUMY:
        from summarizers import sumy_methods

        cls: type[Summarizer] = getattr(sumy_methods, _SUMY[name])
        return cls()
    return _OWN[name]()
