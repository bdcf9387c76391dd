from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "digifys.audit"
    label = "audit"
    verbose_name = _("Access log")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .abroad import record_session_at_login

        user_logged_in.connect(record_session_at_login, dispatch_uid="digifys-staff-session")
