"""Writing many rows of the insights tables at once (facts, rollups, precomputed series)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models


def insert_rows(model, names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ROWS (values in the order of the field NAMES; a foreign key by its `…_id`): with
    COPY on PostgreSQL, `bulk_create` elsewhere. Profiles of a month's rollups and of a month's
    facts spent most of their time in `bulk_create` (docs/performance.md)."""
    fields = [model._meta.get_field(name) for name in names]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(names, row, strict=True))) for row in rows), batch_size=2000
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    json_at = [n for n, field in enumerate(fields) if isinstance(field, models.JSONField)]
    with connection.cursor() as cursor:
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                row = list(row)
                for n in json_at:
                    row[n] = json.dumps(row[n])
                copy.write_row(row)
