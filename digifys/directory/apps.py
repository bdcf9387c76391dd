from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "digifys.directory"
    label = "directory"
