"""Random JSON documents for the tests of the JSON writers (orjson against the standard
library): strings with what JSON escapes and what it need not, numbers, nesting."""

from __future__ import annotations

import random


def random_value(rnd: random.Random, depth: int = 0, floats: bool = True) -> object:
    kinds = ["str", "int", "bool", "none", *(["float"] if floats else [])]
    kinds += ["list", "dict"] if depth < 3 else []
    kind = rnd.choice(kinds)
    if kind == "str":
        alphabet = 'aé"\\\n\t\x00\x1f\u2028\u00a0🙂/<>&'
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
    if kind == "int":
        return rnd.randint(-(2**53), 2**53)
    if kind == "float":
        return rnd.choice([0.0, -1.5, 1764700000.123456, rnd.random() * 10 ** rnd.randint(-5, 15)])
    if kind == "list":
        return [random_value(rnd, depth + 1, floats) for _ in range(rnd.randint(0, 4))]
    if kind == "dict":
        return {f"k{n}\u00e9\n": random_value(rnd, depth + 1, floats) for n in range(3)}
    return {"bool": rnd.random() < 0.5, "none": None}[kind]
