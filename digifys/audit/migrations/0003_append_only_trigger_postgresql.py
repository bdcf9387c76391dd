"""On PostgreSQL, refuse UPDATE and DELETE of access log entries with a row-level trigger.

TRUNCATE is not blocked (row-level triggers do not fire on it, and Django's test runner flushes
tables with it); production must not grant TRUNCATE on the table to the application's role.
SQLite has no such trigger: there the hash chain alone makes tampering evident.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Access log entries (audit_auditevent) are never updated or deleted.';
END;
$$;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head_genesis")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
