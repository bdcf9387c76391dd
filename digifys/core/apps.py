from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "digifys.core"
    label = "core"
