from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "digifys.notifications"
    label = "notifications"
