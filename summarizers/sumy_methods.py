"""sumy's extractive summarizers behind the `Summarizer` interface, using no downloaded data."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from summarizers.base import Article, Summarizer
from summarizers.tokenize import LANGUAGE, SumyTokenizer

__all__ = [
    "KL",
    "LSA",
    "LexRank",
    "Luhn",
    "Reduction",
    "SumBasic",
    "SumyMethod",
    "TextRank",
]


class SumyMethod(Summarizer):
    """One of sumy's summarizers, configured once with an English stemmer and stop words.

    When the method cannot rank the sentences (no content words, or a similarity graph with no
    edges), the summary falls back to, or is topped up with, the earliest sentences, so every
    method returns exactly `min(count, distinct sentences)` sentences.
    """

    # sumy's summarizer class; it is called with a stemmer.
    algorithm: ClassVar[type[Any]]

    def __init__(self) -> None:
        self._tokenizer = SumyTokenizer()
        self._sumy = self.algorithm(Stemmer(LANGUAGE))
        self._sumy.stop_words = get_stop_words(LANGUAGE)

    def summarize(self, article: Article, count: int) -> tuple[str, ...]:
        """The `count` sentences sumy rates best, in text order (see `SumyMethod`)."""
        sentences = article.distinct_sentences
        if count <= 0 or not sentences:
            return ()
        if count >= len(sentences):
            return sentences
        position = {sentence: index for index, sentence in enumerate(sentences)}
        chosen = {
            position[str(sentence)] for sentence in self._rank(self._document(article), count)
        }
        # Top up from the start of the text when sumy rated fewer sentences than asked for.
        for index in range(len(sentences)):
            if len(chosen) >= count:
                break
            chosen.add(index)
        return tuple(sentences[index] for index in sorted(chosen))

    def _document(self, article: Article) -> Any:
        """sumy's document of the article: the title as a heading, then each distinct sentence."""
        seen: set[str] = set()
        paragraphs = []
        if article.title.strip():
            paragraphs.append(
                Paragraph([Sentence(article.title, self._tokenizer, is_heading=True)])
            )
        for paragraph in article.paragraphs:
            # A sentence sumy sees twice is rated twice and may be picked twice.
            fresh = [s for s in paragraph if s not in seen]
            seen.update(fresh)
            if fresh:
                paragraphs.append(Paragraph([Sentence(s, self._tokenizer) for s in fresh]))
        return ObjectDocumentModel(paragraphs)

    def _rank(self, document: Any, count: int) -> tuple[Any, ...]:
        """sumy's `count` best sentences of the document, or fewer where it cannot rank them."""
        # A graph without edges (two sentences sharing no word give LexRank an all-zero matrix)
        # makes the power method divide 0 by 0 and rate every sentence NaN: raise instead of
        # warning, and treat it as "no ranking".
        try:
            with numpy.errstate(divide="raise", invalid="raise", over="raise"):
                return tuple(self._sumy(document, count))
        except FloatingPointError:
            return ()


class LexRank(SumyMethod):
    """LexRank: centrality in the graph of sentences linked by TF-IDF cosine similarity."""

    name = "lexrank"
    algorithm = LexRankSummarizer


class LSA(SumyMethod):
    """Latent semantic analysis over the term-sentence matrix.

    sumy keeps every dimension of the decomposition, so a sentence's score comes out as the
    length of its smoothed term-frequency column: sentences with many content words rank first.
    """

    name = "lsa"
    algorithm = LsaSummarizer

    def _rank(self, document: Any, count: int) -> tuple[Any, ...]:
        """sumy's LSA ranking, or none where the text has fewer distinct terms than sentences.

        sumy warns that LSA "may not work properly" then: the term-sentence matrix is wider than
        tall. That happens only in text of a word or two per sentence, where position is as good
        a guide as any, so the summary falls back to the leading sentences.
        """
        if self._distinct_terms(document) < len(document.sentences):
            return ()
        return super()._rank(document, count)

    def _distinct_terms(self, document: Any) -> int:
        """The number of rows sumy's LSA gives the matrix: distinct stems of non-stop-words."""
        lsa = self._sumy
        normalized = {lsa.normalize_word(word) for word in document.words}
        return len({lsa.stem_word(word) for word in normalized - lsa.stop_words})


class TextRank(SumyMethod):
    """TextRank: PageRank over sentences linked by shared words."""

    name = "textrank"
    algorithm = TextRankSummarizer


class Luhn(SumyMethod):
    """Luhn: sentences with dense clusters of the document's frequent words."""

    name = "luhn"
    algorithm = LuhnSummarizer


class KL(SumyMethod):
    """KL-Sum: greedily keeps the word distribution closest to the whole article's."""

    name = "kl"
    algorithm = KLSummarizer


class SumBasic(SumyMethod):
    """SumBasic: sentences of frequent words, discounting words already picked."""

    name = "sumbasic"
    algorithm = SumBasicSummarizer


class Reduction(SumyMethod):
    """Reduction: sentences most similar, in shared words, to all the others."""

    name = "reduction"
    algorithm = ReductionSummarizer
