from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "digifys.worklist"
    label = "worklist"
