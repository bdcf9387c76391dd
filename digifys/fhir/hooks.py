"""Where the FHIR API hears of new or changed resources, matched against the subscriptions after
the transaction commits (subscriptions.match_resource):

- a set of vital signs saved anywhere (the vitals form, the API, a device): Observation;
- a nurse task made (an order taking effect: placed, or countersigned by a supervisor), done,
  or cancelled with its order; an order placed or cancelled: Task and ServiceRequest;
- a consult message written: Communication.

Connected in `apps.FhirConfig.ready` to `post_save` of `vitals.Observation`, `orders.NurseTask`,
`orders.Order` and `consults.ConsultMessage`, and to `orders.signals.tasks_changed`
(subscriptions.SUPPORTED_TYPES).
"""

import logging

from django.db import transaction

from . import subscriptions, tasks

logger = logging.getLogger(__name__)


def observation_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(lambda: notify_observation(instance.pk))


def notify_observation(observation_id: int) -> None:
    """Queue and enqueue the notifications of the subscriptions the new set matches."""
    try:
        for notification_id in subscriptions.match_observation(observation_id):
            tasks.enqueue_notification(notification_id)
    except Exception:  # a subscription problem never fails the recording of vital signs
        logger.exception("Matching subscriptions for observation %s failed", observation_id)


def task_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    """A nurse task done (complete_task saves it); the overdue reminder's stamp is no change
    the Task shows."""
    if update_fields is not None and set(update_fields) <= {"overdue_notified_at"}:
        return
    task_id = instance.pk
    transaction.on_commit(lambda: notify_resource("Task", [task_id]))


def order_saved(sender, instance, created: bool, **kwargs) -> None:
    """An order placed or cancelled (its tasks come through `tasks_changed`)."""
    order_id = instance.pk
    transaction.on_commit(lambda: notify_resource("ServiceRequest", [order_id]))


def tasks_changed(sender, order, task_ids: list, **kwargs) -> None:
    """An order's tasks made or cancelled in bulk (orders.signals.tasks_changed): as it is
    placed, when a supervisor countersigns a supervised clinician's order, or cancelled."""
    ids = list(task_ids)
    transaction.on_commit(lambda: notify_resource("Task", ids))


def message_saved(sender, instance, created: bool, **kwargs) -> None:
    """A consult message written (a Communication; events are no Communication)."""
    if created:
        message_id = instance.pk
        transaction.on_commit(lambda: notify_resource("Communication", [message_id]))


def notify_resource(resource_type: str, ids: list) -> None:
    """Queue and enqueue the notifications of the subscriptions on RESOURCE_TYPE that IDS
    match."""
    if not ids:
        return
    try:
        for notification_id in subscriptions.match_resource(resource_type, [str(i) for i in ids]):
            tasks.enqueue_notification(notification_id)
    except Exception:  # a subscription problem never fails the change itself
        logger.exception("Matching subscriptions for %s %s failed", resource_type, ids)
