from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "digifys.messaging"
    label = "messaging"
