"""Django's and allauth's authentication backends, loading the user with the staff profile.

Every page reads `request.user.role` (the staff profession, from the profile), so the profile is
joined into the query that loads the session's user instead of a second query on every request.
Authentication itself is unchanged.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class _LoadsStaffProfile:
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("staff_profile")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_LoadsStaffProfile, DjangoModelBackend):
    """Username and password (the admin login form, the demo's quick login)."""


class AuthenticationBackend(_LoadsStaffProfile, AllauthBackend):
    """allauth's login (username, password, e-mailed code, the region's SSO)."""
