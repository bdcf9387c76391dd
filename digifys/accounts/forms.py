from allauth.account import forms as account_forms
from allauth.core import context
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.base.internal.flows import check_rate_limit
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import authentication, services
from .models import Role, User


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


# The second-factor code fields: a numeric keypad on tablets and phones, and the browser's or
# password manager's one-time-code autofill.
_CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}


class AuthenticateForm(mfa_forms.AuthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from your authenticator app (or a recovery code)")
        self.fields["code"].widget.attrs.update(_CODE_ATTRS)


class ReauthenticateForm(mfa_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from your authenticator app (or a recovery code)")
        self.fields["code"].widget.attrs.update(_CODE_ATTRS)


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """allauth's TOTP setup, plus the enrolment code a coordinator or administrator gave.

    Without it, whoever first logs in with a staff member's password (or an e-mailed code) could
    set up an authenticator app of their own. A session that already has a second factor (the
    region's identity provider, or the old app when replacing it) needs no enrolment code.
    """

    enrolment_code = forms.CharField(
        label=_("Enrolment code from your care coordinator or administrator"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from your authenticator app")
        self.fields["code"].widget.attrs.update(_CODE_ATTRS)
        self.fields["code"].widget.attrs.pop("autofocus", None)
        request = context.request
        self.needs_enrolment_code = not (
            request is not None and authentication.has_second_factor(request)
        )
        if self.needs_enrolment_code:
            self.fields["enrolment_code"].widget.attrs["autofocus"] = True
            self.order_fields(["enrolment_code", "code"])
        else:
            del self.fields["enrolment_code"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.needs_enrolment_code or self.errors:
            return cleaned
        entered = cleaned.get("enrolment_code", "")
        # Wrong enrolment codes count towards the same lockout as wrong authenticator codes.
        clear_rl = check_rate_limit(self.user, error_key="rate_limited")
        if not entered or not services.redeem_enrolment_code(
            user=self.user, code=entered, request=context.request
        ):
            self.add_error(
                "enrolment_code",
                ValidationError(
                    _(
                        "Enter a valid enrolment code. Ask your care coordinator or administrator "
                        "for one; a code works once and expires."
                    ),
                    code="invalid_enrolment_code",
                ),
            )
            return cleaned
        clear_rl()
        return cleaned


class RequestLoginCodeForm(account_forms.RequestLoginCodeForm):
    """Login codes by e-mail are for relatives only: staff get none (and the page says nothing).

    An e-mailed code is one factor; staff must log in with password and second factor.
    """

    def clean_email(self) -> str:
        email = super().clean_email()
        user = getattr(self, "_user", None)
        if user is not None and authentication.needs_second_factor(user):
            self._user = None  # same answer as for an unknown address: nothing is sent
        return email


def _staff_label(user: User) -> str:
    return (
        f"{user.get_full_name() or user.get_username()} ({user.get_username()}, {user.role.label})"
    )


class EnrolmentCodeForm(forms.Form):
    """Choose the staff member to issue an enrolment code for: active staff without an app."""

    user = forms.ModelChoiceField(label=_("Staff member"), queryset=None)

    def __init__(self, *args, actor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, staff_profile__isnull=False)
            .exclude(pk=actor.pk)
            .exclude(authenticator__type__in=authentication.SECOND_FACTOR_TYPES)
            .select_related("staff_profile")
            .order_by("last_name", "first_name", "username")
        )
        if not (actor.is_superuser or actor.role == Role.ADMINISTRATOR):
            # Coordinators do not issue codes for administrators (services.issue_enrolment_code).
            self.fields["user"].queryset = (
                self.fields["user"]
                .queryset.exclude(is_staff=True)
                .exclude(is_superuser=True)
                .exclude(staff_profile__profession=Role.ADMINISTRATOR)
            )
        self.fields["user"].label_from_instance = _staff_label


class DemoLoginForm(forms.Form):
    username = forms.CharField()
