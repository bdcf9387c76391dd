from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareteamsConfig(AppConfig):
    name = "digifys.careteams"
    label = "careteams"
    verbose_name = _("Care teams and access")
