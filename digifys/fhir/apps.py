from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "digifys.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 API"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from digifys.consults.models import ConsultMessage
        from digifys.orders.models import NurseTask, Order
        from digifys.orders.signals import tasks_changed
        from digifys.vitals.models import Observation

        from . import hooks

        post_save.connect(
            hooks.observation_saved, sender=Observation, dispatch_uid="fhir-subscriptions"
        )
        for receiver, model in (
            (hooks.task_saved, NurseTask),
            (hooks.order_saved, Order),
            (hooks.message_saved, ConsultMessage),
        ):
            post_save.connect(receiver, sender=model, dispatch_uid="fhir-subscriptions")
        tasks_changed.connect(hooks.tasks_changed, dispatch_uid="fhir-subscriptions")
