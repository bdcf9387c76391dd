from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "digifys.accounts"
    label = "accounts"
