"""On PostgreSQL, append access log entries with one function call: lock, chain, insert, move head.

Appending in Python took four round trips while holding the chain head's row lock (lock the head,
insert, move the head, commit). Every request that reads resident data appends, so under load
the lock became a queue: between round trips the holder of the lock most likely waited for its
turn on its process's GIL, while every other writer waited for the lock. `digifys_audit_append(entries)` does the
same work inside PostgreSQL in one statement, so the lock is held for the function's own work
only (when the caller is in autocommit mode, as a read-only page is).

ENTRIES is a JSON array, one object per entry, with the stored columns and `prefix`: the
entry's canonical payload (`digifys.audit.chain.canonical_payload`) up to and including
`"seq":`. The sequence number is the payload's last key, so the payload is PREFIX, the number
and "}", and the hash is SHA-256 over the previous hash and that payload, exactly as
`chain.hash_canonical` computes it (the suite checks the two against each other and
`verify_audit_log` checks every entry in Python). Returns the first sequence number, the hash
the first entry follows and the entries' hashes in order; a row of nulls, and nothing appended,
when entries exist but the head row is gone. SQLite keeps the Python path (one writer at a time
anyway).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION digifys_audit_append(entries jsonb)
RETURNS TABLE (first_seq bigint, first_prev text, hashes text[])
LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    entry jsonb;
    entry_hash text;
    made text[] := '{}';
BEGIN
    SELECT last_seq, last_hash INTO head_seq, head_hash
        FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        -- Only a brand-new (or flushed) database has no head row.
        IF EXISTS (SELECT 1 FROM audit_auditevent) THEN
            -- Tampered with: append nothing, answer a row of nulls (the caller raises).
            RETURN NEXT;
            RETURN;
        END IF;
        -- Concurrent first writers: one inserts the row, the others wait for it, then lock it.
        INSERT INTO audit_auditchainhead (id, last_seq, last_hash)
            VALUES (1, 0, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
        SELECT last_seq, last_hash INTO head_seq, head_hash
            FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
    END IF;
    first_seq := head_seq + 1;
    first_prev := head_hash;
    FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
        head_seq := head_seq + 1;
        entry_hash := encode(
            sha256(convert_to(head_hash || (entry->>'prefix') || head_seq::text || '}', 'UTF8')),
            'hex'
        );
        INSERT INTO audit_auditevent (
            seq, occurred_at, actor_id, actor_name, actor_role, organisation_id,
            organisation_name, resident_id, action, object_type, object_id, purpose,
            ip_address, details, prev_hash, hash
        ) VALUES (
            head_seq, (entry->>'occurred_at')::timestamptz, (entry->>'actor_id')::bigint,
            entry->>'actor_name', entry->>'actor_role', (entry->>'organisation_id')::bigint,
            entry->>'organisation_name', (entry->>'resident_id')::bigint, entry->>'action',
            entry->>'object_type', entry->>'object_id', entry->>'purpose',
            (entry->>'ip_address')::inet, entry->'details', head_hash, entry_hash
        );
        made := made || entry_hash;
        head_hash := entry_hash;
    END LOOP;
    UPDATE audit_auditchainhead SET last_seq = head_seq, last_hash = head_hash WHERE id = 1;
    hashes := made;
    RETURN NEXT;
END;
$$;
"""

DROP = "DROP FUNCTION IF EXISTS digifys_audit_append(jsonb);"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_staff_session")]

    operations = [migrations.RunPython(create_function, drop_function)]
