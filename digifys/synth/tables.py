"""Low-level writing for the synthetic region: buffered inserts and fast seeded choices.

Public so that every per-table builder (`layout`, `staff`, `residents`, `records`, `loop`) uses the
same few helpers without reaching into another module's private names.
"""

from __future__ import annotations

import bisect
import itertools
import random
import unicodedata

from django.core.exceptions import FieldDoesNotExist
from django.db import connection

FLUSH_ROWS = 20_000

# Fictional phone numbers: PTS reserves 070-174 06 05 … 070-174 06 99 for fiction.
FICTION_PHONES = [f"070-174 06 {n:02d}" for n in range(5, 100)]


class Table:
    """Buffered ``executemany`` into one table; values must already be database-ready."""

    def __init__(self, model, fields: list[str]) -> None:
        opts = model._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(opts.get_field(name).column) for name in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Identifiers come from the model's metadata, quoted; values are always parameters.
        table = quote(opts.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def ascii_name(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch in ".-")


def has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class Pick:
    """A weighted choice with precomputed cumulative weights (cheaper than ``rng.choices``)."""

    def __init__(self, items, weights) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


def between(rng: random.Random, low: int, high: int) -> int:
    """Like ``rng.randint(low, high)`` (inclusive), without its overhead in the hot loops."""
    return low + int(rng.random() * (high - low + 1))
