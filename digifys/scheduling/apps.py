from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "digifys.scheduling"
    label = "scheduling"
