import pytest

from digifys.testing.smtp import running_smtp_server


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's SMTP backend sends to it."""
    with running_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.NOTIFICATION_EMAIL_BACKEND = None
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server
