"""The key a learned alias is compared by: case, accents, spacing and punctuation ignored."""

from __future__ import annotations

import re
import unicodedata


def alias_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Z0-9]+", " ", text.upper()).strip()
