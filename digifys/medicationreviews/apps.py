from django.apps import AppConfig


class MedicationreviewsConfig(AppConfig):
    name = "digifys.medicationreviews"
    label = "medicationreviews"
