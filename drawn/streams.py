"""The random streams the drawings are made from, each known by a name that says what it draws.

`rng_for("test", seed, "strokes", "tilted")` is the stream of the stroke drawings of the test
set's tilted condition. A stream's name never depends on where its condition or kind sits in a
table, so adding a condition, a kind or a source moves no other stream, and no other drawing.

Before streams had names they were keyed by integers (a part's, a source's, a position in a
table). The streams that existed then keep those integers, listed in LEGACY_KEYS, so that every
drawing of the current set versions stays bit for bit what it was; a stream named since gets a
key derived from its name by SHA-256, the same on every machine and in every process.
"""

from __future__ import annotations

import hashlib

import numpy as np

# What a stream draws for, with the integer each part was keyed by: the two never share a stream.
PARTS = {"test": 0, "training": 1}

# The conditions and the non-digit kinds in the order they had when a stream was keyed by its
# place in the table (drawn set version 3, non-digit set version 4). Frozen: a condition or kind
# added since gets a named key, and reordering CONDITIONS or the kinds must change nothing here.
_CONDITIONS_BY_PLACE = ("centred", "small_corner", "off_centre", "tilted", "thin", "thick",
                        "transparent", "paper", "stray_dot", "sloppy", "finger")
_KINDS_BY_PLACE = (
    "letter_A", "letter_E", "letter_F", "letter_H", "letter_M", "letter_N", "letter_D",
    "letter_L", "letter_P", "letter_U", "letter_V", "letter_e", "letter_h", "letter_m",
    "letter_n", "letter_r", "square", "triangle", "x", "plus", "dash", "check", "smiley",
    "scribble", "zigzag", "two_digits", "doodle", "letter_K", "letter_R", "letter_W", "letter_Y",
    "letter_k", "letter_w", "star", "heart", "spiral", "hash", "arrow", "three_digits",
    "letter_T", "letter_G", "letter_a", "letter_d", "letter_f", "letter_p", "letter_t",
    "letter_u", "lines", "loops", "wave", "word", "cloud", "fish", "house", "moon",
)

# Stream name -> the integer key it was drawn with before streams had names (after the part's).
LEGACY_KEYS: dict[tuple[str, ...], tuple[int, ...]] = {
    # drawn.training: one stream for each part of the training data
    ("stroke_digits",): (0,),  # digits in the training styles
    ("not_digits",): (1,),  # non-digits of the training kinds
    ("redrawn_mnist",): (3,),  # MNIST's training digits redrawn (2 was the kinds' prefix below)
    # drawn.dataset: one stream per source and condition (source 0: strokes, 1: MNIST digits)
    **{("strokes", name): (0, place) for place, name in enumerate(_CONDITIONS_BY_PLACE)},
    **{("mnist", name): (1, place) for place, name in enumerate(_CONDITIONS_BY_PLACE)},
    # drawn.not_digits: one stream per kind, after the two digit sources
    **{("not_digit", name): (2, place) for place, name in enumerate(_KINDS_BY_PLACE)},
}


def stream_key(part: str, *name: str) -> tuple[int, ...]:
    """A stream's key: its part's integer, then its legacy integers or a hash of its name."""
    if part not in PARTS:
        raise ValueError(f"no part {part!r}: one of {', '.join(PARTS)}")
    if name in LEGACY_KEYS:
        return (PARTS[part], *LEGACY_KEYS[name])
    # 128 bits of the name's SHA-256 (not hash(), which changes with each process): far above
    # any legacy integer, so a named stream never meets one of the old ones.
    digest = hashlib.sha256("/".join(name).encode()).digest()
    return (PARTS[part], int.from_bytes(digest[:16], "big") | 1 << 127)


def rng_for(part: str, seed: int, *name: str) -> np.random.Generator:
    """The random stream named `name` (e.g. "strokes", "tilted") of one part ("test", "training")."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=stream_key(part, *name)))
