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
