from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "digifys.accounts"
    label = "accounts"
    verbose_name = _("Users and login")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_renewed_at_login

        user_logged_in.connect(mark_renewed_at_login, dispatch_uid="digifys-session-renewed")
