from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "digifys.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from . import idsets, live  # noqa: F401 - importing idsets registers `in_idset`

        # Every way out (our logout view, allauth's, the admin's) sends this signal.
        user_logged_out.connect(live.close_sockets_at_logout, dispatch_uid="digifys-live-logout")
