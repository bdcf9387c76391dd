from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "digifys.trust"
    label = "trust"
