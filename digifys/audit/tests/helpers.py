"""Helpers for the audit tests: tamper with the log behind the application's back; staff abroad
and a review with an emergency access in it."""

import contextlib
import datetime

from django.db import connection
from django.utils import timezone

from digifys.audit import services


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


def work_abroad(user, country="ES", city="Málaga"):
    """Make USER's place of work COUNTRY (staff abroad: downloads ask for a purpose)."""
    profile = user.staff_profile
    profile.work_country, profile.work_city = country, city
    profile.save(update_fields=["work_country", "work_city"])
    return user


def review_of_an_emergency_access(world):
    """The Spanish physician's emergency access today, and a log review of yesterday–today."""
    services.record(
        actor=world.physician_spain,
        action="emergency",
        resident=world.resident_mala,
        object_type="access_grant",
        purpose="emergency",
        details={"reason": "Akut försämring"},
    )
    today = timezone.localdate()
    return services.start_review(
        actor=world.coordinator,
        period_start=today - datetime.timedelta(days=1),
        period_end=today,
        sample_size=0,
    )
