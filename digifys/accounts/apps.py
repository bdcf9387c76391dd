from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "digifys.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_renewed_at_login

        user_logged_in.connect(mark_renewed_at_login, dispatch_uid="digifys-session-renewed")
