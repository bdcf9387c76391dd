from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "digifys.insights"
    label = "insights"
