"""Admin for users: no passwords set here, no second-factor secrets shown, changes logged.

An administrator who could read a TOTP secret and set a password could log in as any clinician
(issue 20 item 4): passwords are only reset by a link mailed to the user, and the authenticator
list shows type and dates only. Changes of what a user may open (active, staff, superuser,
groups, permissions) are written to the access log (item 5).
"""

from allauth.mfa import admin as mfa_admin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digifys.audit import services as audit

from . import services
from .models import EnrolmentCode, User

# Fields that decide what a user may open, or where their password link goes: a change of any
# of them is logged.
ACCESS_FIELDS = ("email", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class UserAddForm(forms.ModelForm):
    """A new user gets no password: they choose one through the reset link (or use SSO)."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserAddForm
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email")}),)
    fieldsets = (
        (None, {"fields": ("username",)}),
        *BaseUserAdmin.fieldsets[1:],
        (_("Preferences"), {"fields": ("language",)}),
    )
    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active")
    actions = ["send_password_reset_link", "issue_enrolment_code"]

    def user_change_password(self, request, id, form_url=""):
        raise Http404  # passwords are reset by a link mailed to the user, never set here

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _log_user_change(request, obj, "create", ["username"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = [name for name in ACCESS_FIELDS if name in form.changed_data]
        if change and changed:
            _log_user_change(request, form.instance, "update", changed)

    @admin.action(description=_("Send a link to set a new password"))
    def send_password_reset_link(self, request, queryset):
        for user in queryset:
            try:
                services.send_password_reset_link(actor=request.user, user=user, request=request)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("A link to set a new password was sent to %(email)s.")
                    % {"email": user.email},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Issue an enrolment code for the authenticator app"))
    def issue_enrolment_code(self, request, queryset):
        for user in queryset:
            try:
                code = services.issue_enrolment_code(actor=request.user, user=user, request=request)
            except (PermissionDenied, ValidationError) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, text, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext(
                        "Enrolment code for %(user)s: %(code)s. Give it to them in person or by "
                        "phone; it is shown only now and works once."
                    )
                    % {"user": user.get_username(), "code": code},
                    messages.WARNING,
                )


def _log_user_change(request, user: User, action: str, changed: list[str]) -> None:
    audit.record(
        actor=request.user,
        action=action,
        object_type="user",
        object_id=user.pk,
        purpose="administration",
        request=request,
        details={
            "changed": changed,
            "email": user.email,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "groups": sorted(user.groups.values_list("pk", flat=True)),
        },
    )


# allauth's own admin shows the stored data (the TOTP secret); this one never does.
admin.site.unregister(Authenticator)
assert mfa_admin  # imported above so that allauth has registered its admin first


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    list_select_related = ("user",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj):
        # Removing a lost phone's app: the user then needs a new enrolment code.
        _log_authenticator_removal(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset:
            _log_authenticator_removal(request, authenticator)
        super().delete_queryset(request, queryset)


def _log_authenticator_removal(request, authenticator: Authenticator) -> None:
    audit.record(
        actor=request.user,
        action="delete",
        object_type="authenticator",
        object_id=authenticator.pk,
        purpose="administration",
        request=request,
        details={"user": authenticator.user_id, "type": authenticator.type},
    )


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    list_display = ("user", "issued_by", "issued_at", "expires_at", "used_at")
    list_select_related = ("user", "issued_by")
    fields = ("user", "issued_by", "issued_at", "expires_at", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
