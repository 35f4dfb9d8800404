"""A service's English sentences and what a Dutch page says for each: the shape they share.

Each table pairs a pattern that matches one kind of sentence whole with a function that says it
in Dutch from the parts it matched (names, numbers, identifiers, an access point's own words).
"""

from __future__ import annotations

import re
from collections.abc import Callable

Dutch = Callable[[re.Match[str]], str]
Sentences = tuple[tuple[re.Pattern[str], Dutch], ...]


def in_dutch(sentences: Sentences, text: str) -> str | None:
    """The Dutch of the first sentence that matches `text` whole, or None."""
    for pattern, dutch in sentences:
        found = pattern.fullmatch(text)
        if found is not None:
            return dutch(found)
    return None
