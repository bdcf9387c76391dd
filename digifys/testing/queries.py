"""Query counts that differ by database, for tests that pin the queries of a request."""

from django.db import connection

# One access-log append (`audit.services._append`): SQLite locks the chain head, inserts the
# entries and moves the head (3 queries); PostgreSQL calls `digifys_audit_append`, which does
# the same inside the database (1 query, migration audit 0006).
AUDIT_APPEND = 1 if connection.vendor == "postgresql" else 3
