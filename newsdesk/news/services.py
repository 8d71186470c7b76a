"""News services: functions that write articles, stories and entities."""

from __future__ import annotations

import re
import unicodedata


def alias_normalize(name: str) -> str:
    """The look-up form of a name: NFKC, case-folded, ё as е, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    return re.sub(r"\s+", " ", folded).strip()
