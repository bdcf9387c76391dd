"""Skatteverket's published test personnummer (domain spec §4.3).

The list ships with the product (``data/test-personnummer.txt``, 12 digits per line, ``#``
comment lines) so that tests and the synthetic data generator only ever use numbers that will
never belong to a real person.
"""

from __future__ import annotations

import functools
from pathlib import Path

TEST_PERSONNUMMER_FILE = Path(__file__).resolve().parent / "data" / "test-personnummer.txt"


@functools.cache
def _load() -> tuple[str, ...]:
    with TEST_PERSONNUMMER_FILE.open(encoding="utf-8") as handle:
        lines = (raw.strip() for raw in handle)
        # dict.fromkeys: the published list repeats two numbers (202001092390, 202101012397);
        # drop the repeats, keep the file order.
        return tuple(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def load_test_personnummer() -> list[str]:
    """The distinct test personnummer, canonical 12 digits (``YYYYMMDDNNNC``), in file order."""
    return list(_load())
