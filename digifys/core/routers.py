"""Reads of reports and exports go to the streaming replica; everything else to the primary.

`DATABASE_REPLICA_URL` adds the alias `replica` to `DATABASES` (settings.py). Code that produces a
report or an export wraps its reading in `replica_reads()` (or decorates the function with
`reads_from_replica`); `PrimaryReplicaRouter` then sends the reads made inside to the replica.
Everything else — every write, every access check, every page — uses the primary (`default`).

The replica lags the primary by a little (asynchronous streaming replication: usually
milliseconds, longer under load or after a restart). Only reads that may be that stale belong
inside `replica_reads()`: aggregates, the survey results, a log extract's CSV and PDF. Access
checks stay outside, on the primary, so a revoked access is never granted from a stale copy.

Without the alias (no `DATABASE_REPLICA_URL`, SQLite, the test suite) and inside a transaction
on the primary (a read there must see the transaction's own writes) reads go to the primary.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"

_replica_reads = contextvars.ContextVar("digifys_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads made inside this block to the replica, when there is one."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(function: Callable) -> Callable:
    """Decorator: the function's reads go to the replica (see `replica_reads`)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return function(*args, **kwargs)

    return wrapper


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias a read made here goes to."""
    if _replica_reads.get() and replica_configured() and not connections[PRIMARY].in_atomic_block:
        return REPLICA
    return PRIMARY


class PrimaryReplicaRouter:
    """Writes and migrations on the primary; reads on the primary except in `replica_reads()`."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        # Also for an object read from the replica: a replica is read-only.
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both aliases hold the same database, so objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica receives the schema through replication.
        return db == PRIMARY
