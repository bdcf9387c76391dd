from django.apps import AppConfig


class VitalsConfig(AppConfig):
    name = "digifys.vitals"
    label = "vitals"
