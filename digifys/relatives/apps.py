from django.apps import AppConfig


class RelativesConfig(AppConfig):
    name = "digifys.relatives"
    label = "relatives"
