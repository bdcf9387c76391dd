from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "digifys.rounds"
    label = "rounds"
