import pytest
from django.db import DatabaseError, connection, transaction

from digifys.audit import services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL"
    ),
]


@pytest.fixture
def entry(world):
    return services.record(
        actor=world.nurse_mala, action="read", resident=world.resident_mala, object_type="resident"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET actor_name = 'Mallory' WHERE seq = %s",
        "DELETE FROM audit_auditevent WHERE seq = %s",
    ],
    ids=["update", "delete"],
)
def test_plain_sql_cannot_change_or_delete_an_entry(entry, sql):
    refused = pytest.raises(DatabaseError, match="audit log is append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.seq])
    entry.refresh_from_db()
    assert entry.actor_name == "Anna Nurse"


def test_the_orm_cannot_delete_an_entry_either(entry):
    refused = pytest.raises(DatabaseError, match="audit log is append-only")
    with refused, transaction.atomic():
        type(entry).objects.filter(pk=entry.pk).delete()


@pytest.fixture
def app_role():
    """A non-superuser role like the application's, granted every privilege on the table.

    CREATE ROLE is transactional: the test's rollback removes it again.
    """
    name = f"digifys_app_probe_{connection.settings_dict['NAME']}"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" NOLOGIN NOSUPERUSER')
        cursor.execute(f'GRANT ALL ON audit_auditevent, audit_logreviewitem TO "{name}"')
    return name


def test_truncate_is_refused_even_when_granted(entry, app_role):
    refused = pytest.raises(DatabaseError, match="audit log is append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks from the insert
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        cursor.execute("TRUNCATE audit_auditevent CASCADE")
    assert type(entry).objects.filter(pk=entry.pk).exists()


def test_the_application_role_cannot_switch_the_triggers_off(entry, app_role):
    refused = pytest.raises(DatabaseError, match=r"must be owner|permission denied")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        cursor.execute("SET LOCAL session_replication_role = replica")


def test_the_application_role_appends_through_the_database_function(entry, world):
    """`digifys_audit_append` runs with its caller's rights: the grants of docs/operations.md
    ("Database roles": SELECT and INSERT on the log, UPDATE on the head) are enough."""
    name = f"digifys_app_grants_{connection.settings_dict['NAME']}"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" NOLOGIN NOSUPERUSER')
        cursor.execute(f'GRANT SELECT, INSERT ON audit_auditevent TO "{name}"')
        cursor.execute(f'GRANT SELECT, INSERT, UPDATE ON audit_auditchainhead TO "{name}"')
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'SET LOCAL ROLE "{name}"')
        second = services.record(
            actor=None, action="read", resident=world.resident_mala, object_type="resident"
        )
    assert (second.seq, second.prev_hash) == (entry.seq + 1, entry.hash)
    assert services.verify_chain().ok
