"""The PostgreSQL-only exclusion constraint that makes double bookings impossible.

SQLite has no exclusion constraints, so the constraint is not in `Booking.Meta.constraints`
(makemigrations stays clean on both databases); migration 0003 adds it with
`AddConstraintOnPostgreSQL`, which changes the schema only on PostgreSQL and leaves the migration
state alone.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import migrations
from django.db.models import Func, Q


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def booking_no_overlap() -> ExclusionConstraint:
    return ExclusionConstraint(
        name="booking_no_overlap",
        expressions=[
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
            ("clinician", RangeOperators.EQUAL),
        ],
        condition=Q(cancelled_at__isnull=True),
    )


class AddConstraintOnPostgreSQL(migrations.AddConstraint):
    """AddConstraint that runs only on PostgreSQL and is not part of the model state."""

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_constraint(model, self.constraint)

    def describe(self):
        return f"Create constraint {self.constraint.name} on {self.model_name} (PostgreSQL only)"
