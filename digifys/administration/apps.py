from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AdministrationConfig(AppConfig):
    name = "digifys.administration"
    label = "administration"
    verbose_name = _("Administration")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db under a translated name in the Django admin ("Tasks Database Backend")."""

    verbose_name = _("Background tasks")
