"""Helpers for the audit tests: tamper with the log behind the application's back."""

import contextlib

from django.db import connection


@contextlib.contextmanager
def raw_cursor():
    """Yield a cursor that bypasses the application, and on PostgreSQL the append-only trigger.

    `SET LOCAL` lasts until the end of the test's transaction, which pytest-django rolls back.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def change_entry(seq: int, actor_name: str) -> None:
    with raw_cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_name = %s WHERE seq = %s", [actor_name, seq]
        )


def delete_entry(seq: int) -> None:
    with raw_cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq])


COPIED = (
    "occurred_at, actor_id, actor_name, actor_role, organisation_id, organisation_name, "
    "resident_id, action, object_type, object_id, purpose, ip_address, details"
)


def insert_copy(*, of_seq: int, seq: int, prev_hash: str, hash: str) -> None:
    """Insert a copy of entry OF_SEQ under a new SEQ, with the given hashes."""
    with raw_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent (seq, {COPIED}, prev_hash, hash) "  # noqa: S608
            f"SELECT %s, {COPIED}, %s, %s FROM audit_auditevent WHERE seq = %s",
            [seq, prev_hash, hash, of_seq],
        )
