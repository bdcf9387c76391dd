"""WSGI entry point for plain HTTP workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digifys.settings")
application = get_wsgi_application()
