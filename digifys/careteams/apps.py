from django.apps import AppConfig


class CareteamsConfig(AppConfig):
    name = "digifys.careteams"
    label = "careteams"
