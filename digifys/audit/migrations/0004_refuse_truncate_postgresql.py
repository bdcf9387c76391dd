"""On PostgreSQL, refuse TRUNCATE of the access log with a statement-level trigger.

Row-level triggers (0003) do not fire on TRUNCATE. The trigger lets superusers through: Django's
test runner empties tables with TRUNCATE as the test superuser, and a superuser can switch every
trigger off anyway (`session_replication_role`). The application's role must therefore be neither
a superuser nor the table's owner (docs/operations.md, "Database roles").
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_auditevent_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The access log (audit_auditevent) is never truncated.';
END;
$$;
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_no_truncate();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_trigger_postgresql")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
