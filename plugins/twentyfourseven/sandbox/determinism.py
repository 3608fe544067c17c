"""Cheap, stable pseudo-random numbers derived from integers (splitmix64).

Everything the sandbox serves is a pure function of the seed and an index, so a
record can be rebuilt on demand instead of being stored. ``random.Random`` is
used where many draws are needed; these helpers serve the hot paths (the
per-order skeleton consulted by list filters) where seeding a ``Random`` for
every candidate would dominate the cost.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_TWO_64 = float(1 << 64)

# Salts keep the streams of different record kinds independent of each other.
SALT_SKELETON = 0x51
SALT_CUSTOMER_PICK = 0x52
SALT_ORDER = 0x53
SALT_LINES = 0x54
SALT_CUSTOMER = 0x55
SALT_INVALID = 0x56
SALT_CHANGES = 0x57
SALT_MASTER = 0x58
SALT_MASTER_CHANGES = 0x59
SALT_INVALID_MASTER = 0x5A
SALT_PERSON = 0x5B
SALT_PERIODS = 0x5C


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def mix(*parts: int) -> int:
    """A well-scrambled 64-bit integer determined by ``parts`` (order matters)."""
    h = 0
    for part in parts:
        h = _splitmix(h ^ (part & _MASK))
    return h


def unit(*parts: int) -> float:
    """A float in [0, 1) determined by ``parts``."""
    return mix(*parts) / _TWO_64
