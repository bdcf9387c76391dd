"""Where the FHIR API hears of new resources: a set of vital signs saved anywhere (the vitals
form, the API, a device) is matched against the subscriptions after its transaction commits.

Connected in `apps.FhirConfig.ready` to `post_save` of `vitals.Observation` (the one model a
subscription can watch, subscriptions.SUPPORTED_TYPES).
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
