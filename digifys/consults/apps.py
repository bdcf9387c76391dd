from django.apps import AppConfig


class ConsultsConfig(AppConfig):
    name = "digifys.consults"
    label = "consults"
