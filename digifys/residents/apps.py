from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "digifys.residents"
    label = "residents"
