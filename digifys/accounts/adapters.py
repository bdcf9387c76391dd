"""digifys's rules for allauth: no self-signup, SSO links to existing users only, clear lockout.

Accounts are created by administrators (staff) or by staff linking a relative. Single sign-on
logs in an existing user whose e-mail address, set by an administrator, equals the e-mail the
identity provider vouches for (`email_verified`); it never creates users. See settings.py for the
configuration and docs in README.md.
"""

import math

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import authentication, crypto, lockout
from .models import User


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed login attempts: the account is locked for up to %(minutes)s "
            "minutes. Try again later, or ask your administrator for help."
        ),
    }

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """allauth's per-account limit counts per username AND client address (item 17)."""
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}:{self.get_client_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        remaining = lockout.seconds_locked(request, credentials.get("username", ""))
        if remaining:
            message = self.error_messages["too_many_login_attempts"] % {
                "minutes": math.ceil(remaining / 60)
            }
            raise ValidationError(message, code="too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request: HttpRequest, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            lockout.record_success(request, credentials.get("username", ""))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        lockout.record_failure(request, credentials.get("username", ""))

    def validation_error(self, code: str, *args) -> ValidationError:
        if code == "too_many_login_attempts":
            message = self.error_messages[code] % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
            return ValidationError(message, code=code)
        return super().validation_error(code, *args)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def set_password(self, user, password: str) -> None:
        """Set a password (the user's own change, or through a reset link) and log it."""
        from digifys.audit import services as audit

        with transaction.atomic():
            super().set_password(user, password)
            audit.record(
                actor=user,
                action="update",
                object_type="password",
                object_id=user.pk,
                purpose="administration",
                request=self.request or context.request,
            )

    def pre_login(self, request: HttpRequest, user, **kwargs):
        """Refuse a login by e-mailed code for staff, however the code was obtained.

        The request form sends staff no code; this is the second lock on the same door.
        """
        if authentication.needs_second_factor(user) and authentication.logged_in_by_code(
            request, user
        ):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(
                request,
                _("Staff log in with password and authenticator app, not with an e-mailed code."),
            )
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Ask for the password again before security changes, unless the login was just now.

        Without this, a staff member sent to set up TOTP right after logging in would have to
        type the password a second time.
        """
        request = self.request or context.request
        if request is not None and authentication.logged_in_recently(request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_login_stages(self) -> list[str]:
        return [
            "digifys.accounts.stages.AuthenticateStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("Incorrect code. Enter the 6-digit code your authenticator app shows."),
    }

    def get_totp_label(self, user) -> str:
        return user.get_username()

    def encrypt(self, text: str) -> str:
        """Encrypt TOTP secrets and recovery-code seeds before they are stored."""
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Link a first SSO login to the one active user with the provider's verified e-mail."""
        if sociallogin.is_existing:
            return
        user = user_for_verified_emails(
            [address.email for address in sociallogin.email_addresses if address.verified]
        )
        if user is not None:
            sociallogin.connect(request, user)


def user_for_verified_emails(emails: list[str]) -> User | None:
    """Return the single active user whose e-mail is one of EMAILS; None if none or ambiguous."""
    for email in emails:
        matches = list(User.objects.filter(email__iexact=email.strip(), is_active=True)[:2])
        if len(matches) == 1:
            return matches[0]
    return None
