from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "digifys.workforce"
    label = "workforce"
    verbose_name = _("Flexible work, rota and capacity")

    def ready(self) -> None:
        from . import signals  # noqa: F401
