"""Follow-up questions under a digest: which of its stories a question means.

"Tell me more about the second one", "story 3" and "the last one" name a story by its place;
"more on Idlib" names one by its words; "what did he say?" means the person of the story the
conversation is about. Plain functions of the question's text and the stories at hand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from bot.core.store import StoredDocument

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_ORDINAL = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last"
# "the second one", "the 2nd story", "the last article"; "story 3", "number 2", "#4".
_PLACE = re.compile(
    rf"\b(?:the\s+)?(?P<ord>{_ORDINAL}|\d{{1,2}}(?:st|nd|rd|th))\s+"
    r"(?:one|story|item|article|piece|headline)\b"
    r"|\b(?:story|item|article|number|no\.?)\s*#?(?P<num>\d{1,2}|one|two|three|four|five|six"
    r"|seven|eight|nine|ten)\b"
    r"|#(?P<hash>\d{1,2})\b"
    rf"|^\s*(?:and\s+|what\s+about\s+|more\s+(?:on|about)\s+)?(?:the\s+)?(?P<alone>{_ORDINAL})\s*\??\s*$",
    re.IGNORECASE,
)
# "more on Idlib", "tell me more about the ECB", "anything else on oil prices?"
_MORE_ON = re.compile(
    r"^\s*(?:(?:can you |could you |please )?(?:tell|give|show) me\s+)?"
    r"(?:(?:some |a bit )?more|anything else|details|the details)\s+(?:on|about|of|regarding)\s+"
    r"(?P<words>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(?:he|him|his|she|her|hers)\b", re.IGNORECASE)
# A name: capitalised words, possibly joined by a particle ("Recep Tayyip Erdogan", "de Gaulle").
_NAME = re.compile(
    r"\b[A-Z][a-z’'-]+(?:\s+(?:(?:de|van|von|al|bin|da|di|le|la)\s+)?[A-Z][a-z’'-]+)*"
)
# Capitalised words that start sentences or name things other than people.
_NOT_NAMES = frozenset(
    {
        *("the", "a", "an", "and", "but", "in", "on", "at", "for", "of", "to", "from", "by"),
        *("with", "as", "it", "its", "this", "that", "these", "those", "he", "she", "they"),
        *("we", "i", "you", "his", "her", "their", "our", "mr", "mrs", "ms", "dr"),
        *("president", "prime", "minister", "officials", "monday", "tuesday", "wednesday"),
        *("thursday", "friday", "saturday", "sunday", "january", "february", "march"),
        *("april", "may", "june", "july", "august", "september", "october", "november"),
        "december",
        "commission",
        "council",
        "union",
        "party",
        "bank",
        "court",
        "agency",
        *("ministry", "government", "parliament", "congress", "senate", "house", "department"),
        *("army", "police", "university", "company", "group", "league", "club", "united"),
        *("city", "state", "states", "republic", "kingdom", "national", "federal", "reserve"),
    }
)
# Nationalities ("Syrian", "Turkish", "Chinese") are capitalised, and no one's surname.
_NATIONALITY = re.compile(r"(?:ian|ish|ese|ean|ic)$")


def story_named(question: str, count: int) -> int | None:
    """The place (1 to `count`) of the digest story the question names by its place; None
    when it names none, or one the digest does not have."""
    match = _PLACE.search(question)
    if match is None:
        return None
    said = next(g for g in match.groups() if g).lower()
    if said == "last":
        number = count
    elif said.isdigit():
        number = int(said)
    elif said[:-2].isdigit():  # "2nd"
        number = int(said[:-2])
    else:
        number = _ORDINALS[said]
    return number if 1 <= number <= count else None


def more_on(question: str) -> str | None:
    """The words of a "more on …" question ("more on Idlib": "Idlib"); None for others."""
    match = _MORE_ON.match(question)
    if match is None:
        return None
    words = match["words"]
    return None if _PLACE.search(words) else words


def names_no_one(question: str) -> bool:
    """True when the question means a person by a pronoun ("what did he say?") and names
    nobody itself."""
    return bool(_PRONOUN.search(question)) and not _people(question, skip_first=True)


def main_person(document: StoredDocument) -> str | None:
    """The person a story is most about, by surname: of the names it writes in full and then
    by surname alone, as news writes people ("Jerome Powell … Powell said"), the one it
    mentions most; None when it names no one so."""
    text = " ".join(s for p in document.sentences for s in p)
    mentions: Counter[str] = Counter()
    in_full: set[str] = set()
    alone: set[str] = set()
    for name in _people(text):
        parts = name.split()
        mentions[parts[-1]] += 1
        (in_full if len(parts) > 1 else alone).add(parts[-1])
    people = [
        (n, surname)
        for surname, n in mentions.items()
        if surname in in_full & alone and not _NATIONALITY.search(surname)
    ]
    return max(people)[1] if people else None


def with_person(question: str, person: str) -> str:
    """The question with its pronouns replaced by the person they mean."""
    return _PRONOUN.sub(
        lambda m: f"{person}’s" if m[0].lower() in ("his", "hers") else person, question
    )


def _people(text: str, *, skip_first: bool = False) -> list[str]:
    found = []
    for match in _NAME.finditer(text):
        words = [w for w in match[0].split() if w.lower() not in _NOT_NAMES]
        if skip_first and match.start() == 0 and len(words) == len(match[0].split()) == 1:
            continue  # the question's first word is capitalised anyway
        if words:
            found.append(" ".join(words))
    return found


def focus_of(stories: Sequence[StoredDocument]) -> StoredDocument | None:
    """The story a conversation is about when nothing else says: a digest's only story."""
    return stories[0] if len(stories) == 1 else None
