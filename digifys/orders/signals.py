"""Signals of the orders app.

`tasks_changed`: nurse tasks of an order were made or cancelled in bulk (bulk_create, a queryset
UPDATE: neither sends post_save) — made when the order takes effect (as it is placed, or when a
supervisor countersigns a supervised clinician's order later), cancelled with their order. Sent
with `order` and `task_ids` inside the transaction that changed them.
"""

from django.dispatch import Signal

tasks_changed = Signal()
