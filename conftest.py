import pytest

from digifys.core.testing import World, build_world


@pytest.fixture
def world(db) -> World:
    """A small region with every persona (see digifys/core/testing.py)."""
    return build_world()


@pytest.fixture
def login(client):
    """Log a persona in: `login(world.nurse_mala, language="en")`; None stays anonymous."""

    def _login(user, *, language: str | None = None):
        client.logout()
        if user is not None:
            client.force_login(user)
        if language:
            client.cookies["django_language"] = language
        return client

    return _login
