from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "digifys.visits"
    label = "visits"
