from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicationreviewsConfig(AppConfig):
    name = "digifys.medicationreviews"
    label = "medicationreviews"
    verbose_name = _("Medication reviews")
