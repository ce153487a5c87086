"""How a collection's full-text index reads text: its language, stemming and stop words.

The settings are stored with the collection (``create_collection(..., full_text=...)``),
build its FTS index, show in ``stats()`` and the JupyterLab panel, and drive the marking of
matched words in the widgets (``_terms``), so what is marked is what BM25 matched.

Lance stems a token first and drops it after if the *stem* is a stop word. Its English list
holds the words, not their stems, so "why" (stem "whi"), "only", "very", "because" and nine
more were kept, and "why are there tides" matched every text with "why" in it. New
collections list the stems too (``stemmed_stop_words``); collections made before this setting
existed keep LanceDB's list, as their index was built with it.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields
from typing import Any

from vecstore_lab._storage.indexes import text_config
from vecstore_lab.errors import InvalidInputError

__all__ = ["LANGUAGES", "LEGACY", "STOP_WORDS", "FullText"]

# The English stop list Lance's tokenizer removes (NLTK's), applied to each token's *stem*:
# with this list alone, "doing" (stem "do") is dropped and "during" (stem "dure") is kept, which
# is why new collections add the stems. Forms with an apostrophe are left out, as the tokenizer
# splits them.
_STOP = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn
    mustn needn shan shouldn wasn weren won wouldn
"""
STOP_WORDS = frozenset(_STOP.split())

# The languages of Lance's stemmers and stop lists (tantivy's).
LANGUAGES = (
    "Arabic", "Danish", "Dutch", "English", "Finnish", "French", "German", "Greek",
    "Hungarian", "Italian", "Norwegian", "Portuguese", "Romanian", "Russian", "Spanish",
    "Swedish", "Tamil", "Turkish",
)  # fmt: skip


@dataclass(frozen=True)
class FullText:
    """The full-text settings of a collection.

    Examples:
        >>> FullText().describe()
        'English; stemmed; stop words removed (and their stems)'
        >>> FullText.of({"language": "French", "stem": False}).describe()
        'French; not stemmed; stop words removed'
    """

    language: str = "English"
    stem: bool = True
    remove_stop_words: bool = True
    lower_case: bool = True
    ascii_folding: bool = True
    stemmed_stop_words: bool = True  # also drop the stems of stop words (English only)

    @classmethod
    def of(cls, value: FullText | dict[str, Any] | None) -> FullText:
        """Settings from a ``FullText``, a dict of its fields, or ``None`` (the defaults)."""
        if value is None:
            return cls()
        if isinstance(value, FullText):
            return value
        if not isinstance(value, dict):
            raise InvalidInputError(f"full_text must be a dict or FullText, got {value!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise InvalidInputError(
                f"full_text: unknown settings {unknown}; known: {sorted(known)}"
            )
        settings = cls(**value)
        if settings.language not in LANGUAGES:
            raise InvalidInputError(
                f"full_text language {settings.language!r} is not one of {list(LANGUAGES)}"
            )
        for f in fields(cls):
            if f.name != "language" and not isinstance(getattr(settings, f.name), bool):
                raise InvalidInputError(f"full_text {f.name} must be True or False")
        return settings

    @classmethod
    def stored(cls, value: dict[str, Any] | None) -> FullText:
        """The settings kept in a collection's metadata; ``LEGACY`` when it has none."""
        return LEGACY if value is None else cls.of(value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @functools.cache  # noqa: B019 (frozen, hashable, few instances)
    def stop_words(self) -> frozenset[str] | None:
        """The terms the index drops (None: Lance's own list for a language we do not
        mirror, or no stop words). Computed once per settings: stemming the list took 3.5 ms,
        paid on every new word a label or a marked hit met (4 s of a 1M-row map's labels)."""
        if not self.remove_stop_words or self.language != "English":
            return None
        if not self.stemmed_stop_words or not self.stem:
            return STOP_WORDS
        return frozenset(STOP_WORDS | {self.stemmer()(w) for w in STOP_WORDS})

    @functools.cache  # noqa: B019 (frozen, hashable, few instances)
    def stemmer(self) -> Any:
        """A function from a word to its stem (the identity when not stemming)."""
        if not self.stem:
            return str
        import snowballstemmer  # type: ignore[import-untyped]

        return snowballstemmer.stemmer(self.language.lower()).stemWord

    def index_config(self) -> Any:
        """The LanceDB ``FTS`` config that builds the index this way."""
        words = self.stop_words() if self.stemmed_stop_words else None
        return text_config(
            language=self.language,
            stem=self.stem,
            remove_stop_words=self.remove_stop_words,
            lower_case=self.lower_case,
            ascii_folding=self.ascii_folding,
            custom_stop_words=sorted(words) if words is not None else None,
        )

    def describe(self) -> str:
        """One line for people: ``"English; stemmed; stop words removed (and their stems)"``."""
        stops = "stop words kept"
        if self.remove_stop_words:
            stems = self.stemmed_stop_words and self.stem and self.language == "English"
            stops = "stop words removed" + (" (and their stems)" if stems else "")
        return f"{self.language}; {'stemmed' if self.stem else 'not stemmed'}; {stops}"


LEGACY = FullText(stemmed_stop_words=False)  # what FTS() built before the setting existed
