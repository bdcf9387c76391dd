"""Data built once for several tests and rolled back after them (test support, not an app).

A synthetic region takes seconds of CPU to generate (two years of demo history); tests that
only read one region of the same arguments can share it. `kept_for_tests` opens a transaction,
builds the data in it and keeps it open while the tests run: each test's own transaction
(pytest-django's, a `django.test.TestCase`) is then a savepoint inside it, so whatever a test
changes is rolled back to the shared data before the next one, and the shared data itself is
rolled back at the end. Tests that commit (`transaction=True`, live servers) cannot share it.

Use it in a class-scoped fixture and group the tests that share the data in one class, so tests
outside the class never see it.
"""

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.utils import translation


@contextlib.contextmanager
def kept_for_tests(django_db_blocker, build: Callable[[], Any]) -> Iterator[Any]:
    """Run BUILD in a transaction that stays open (and is rolled back) around the block.

    BUILD runs as a test would: English outside requests (the root conftest's autouse
    `_english_outside_requests`).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock(), translation.override("en"):
            built = build()
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
