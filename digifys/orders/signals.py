"""Signals of the orders app.

`tasks_made`: an order's nurse tasks were made (with bulk_create, which sends no post_save),
when the order takes effect — as it is placed, or when a supervisor countersigns a supervised
clinician's order later. Sent with `order` and `task_ids` inside the transaction that made them.
"""

from django.dispatch import Signal

tasks_made = Signal()
