"""digifys's rules for allauth: no self-signup, SSO links to existing users only, clear lockout.

Accounts are created by administrators (staff) or by staff linking a relative. Single sign-on
logs in an existing user: a resident by the identity number the identity provider vouches for
(their own login, `relatives.ResidentLogin`), anyone else whose e-mail address, set by an
administrator, equals the e-mail the provider vouches for (`email_verified`); it never creates
users and refuses, with the reason, a login that could be more than one person. See settings.py
for the configuration and docs/operations.md.
"""

import math

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from digifys.relatives.logins import users_for_identity_number
from digifys.residents.identity import InvalidIdentityNumber, parse_identity_number

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
        """Link a first SSO login to one user: by the identity number, else the verified e-mail.

        A resident logging in themselves (BankID) is found by the identity number the provider
        sends (settings.OIDC_IDENTITY_NUMBER_CLAIMS), staff by their verified e-mail. The login is
        refused, with the reason, when the number cannot be read, when the number and the
        e-mail point to different users, and when a number matches nobody and no e-mail does.
        A returning login whose number now names another user is refused too.
        """
        try:
            numbers = identity_numbers_from_claims(sociallogin.account.extra_data)
        except InvalidIdentityNumber:
            raise ImmediateHttpResponse(_refusal(request, "unreadable")) from None
        if len(numbers) > 1:
            raise ImmediateHttpResponse(_refusal(request, "several"))
        by_number = users_for_identity_number(numbers[0]) if numbers else []
        if len(by_number) > 1:
            raise ImmediateHttpResponse(_refusal(request, "several"))
        if sociallogin.is_existing:
            if by_number and by_number[0].pk != sociallogin.user.pk:
                raise ImmediateHttpResponse(_refusal(request, "several"))
            return
        by_email = user_for_verified_emails(
            [address.email for address in sociallogin.email_addresses if address.verified]
        )
        if by_number and by_email is not None and by_email.pk != by_number[0].pk:
            raise ImmediateHttpResponse(_refusal(request, "several"))
        user = by_number[0] if by_number else by_email
        if user is None and numbers:
            raise ImmediateHttpResponse(_refusal(request, "no_match"))
        if user is not None:
            sociallogin.connect(request, user)


REFUSALS = {
    "unreadable": _(
        "The login service sent an identity number we cannot read, so nobody has been logged "
        "in. Try again; if it happens again, call the unit."
    ),
    "several": _(
        "Your login matches more than one digifys account, so we cannot tell which one is "
        "yours and nobody has been logged in. Call the unit (or, if you are staff, your "
        "administrator) so that they can correct the accounts."
    ),
    "no_match": _(
        "No digifys login is registered for the personal identity number you logged in with. "
        "A resident's own login is set up by the nursing home: ask the unit to register yours."
    ),
}


def _refusal(request: HttpRequest, reason: str):
    return render(request, "account/sso_refused.html", {"message": REFUSALS[reason]}, status=403)


def identity_numbers_from_claims(data: dict) -> list[str]:
    """The distinct identity numbers, 12 digits each, in the configured claims of DATA.

    DATA is the provider's answer as allauth stores it (`{"id_token": …, "userinfo": …}`).
    Raises InvalidIdentityNumber when a claim holds something that is not a personnummer or
    samordningsnummer.
    """
    sources = [data.get("id_token"), data.get("userinfo")]
    if not any(isinstance(source, dict) for source in sources):
        sources = [data]  # allauth before 65.11 stored the claims flat
    numbers: list[str] = []
    for source in sources:
        if not isinstance(source, dict):
            continue
        for claim in settings.OIDC_IDENTITY_NUMBER_CLAIMS:
            value = source.get(claim)
            if value in (None, ""):
                continue
            if not isinstance(value, str | int):
                raise InvalidIdentityNumber(claim)
            canonical = parse_identity_number(str(value)).canonical
            if canonical not in numbers:
                numbers.append(canonical)
    return numbers


def user_for_verified_emails(emails: list[str]) -> User | None:
    """Return the single active user whose e-mail is one of EMAILS; None if none or ambiguous."""
    for email in emails:
        matches = list(User.objects.filter(email__iexact=email.strip(), is_active=True)[:2])
        if len(matches) == 1:
            return matches[0]
    return None
