"""Django admin for residents and relatives: registration data only, every view logged.

Administrators see no clinical data (careteams.policy), so diagnoses, medication, treatment
limitations and the cognitive baseline are not offered here. Identity numbers and the home
municipality are checked as the registration service checks them, and a change of registration
goes through the resident page ("Ändra folkbokföring") so eligibility follows it.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from digifys.audit import services as audit
from digifys.audit.admin import AuditedAdmin

from .identity import InvalidIdentityNumber, parse_identity_number
from .models import Relative, Resident
from .services import check_municipality


class ResidentAdminForm(forms.ModelForm):
    # Wider than the stored 12 characters: every written form is accepted and made canonical.
    identity_number = forms.CharField(
        label=_("Identity number"), max_length=20, help_text=_("e.g. 19261223-9232.")
    )

    class Meta:
        model = Resident
        # Listed, not excluded: a clinical field added later must not appear here by accident.
        fields = [
            "identity_number",
            "given_name",
            "family_name",
            "birth_date",
            "home_municipality_code",
            "unit",
            "room",
            "preferred_languages",
            "needs_interpreter",
            "interpreter_language",
            "status",
            "moved_in_on",
            "moved_out_on",
            "deceased_on",
        ]

    def clean_identity_number(self):
        try:
            identity = parse_identity_number(self.cleaned_data["identity_number"])
        except InvalidIdentityNumber as exc:
            raise ValidationError(str(exc)) from exc
        self.instance.identity_kind = identity.kind
        return identity.canonical

    def clean(self):
        cleaned = super().clean()
        if "home_municipality_code" in self.fields and cleaned.get("home_municipality_code"):
            check_municipality(cleaned["home_municipality_code"])
        return cleaned


class RelativeInline(admin.TabularInline):
    model = Relative
    extra = 0
    # What a relative may see is their consent (relatives.Consent, recorded from the resident
    # page with its history), not a field here.
    autocomplete_fields = ("user",)


@admin.register(Resident)
class ResidentAdmin(AuditedAdmin):
    form = ResidentAdminForm
    list_display = ("family_name", "given_name", "identity_number", "unit", "room", "status")
    list_filter = ("status", "identity_kind")
    search_fields = ("family_name", "given_name", "identity_number")
    list_select_related = ("unit__parent",)
    autocomplete_fields = ("unit",)
    inlines = [RelativeInline]

    def resident_of(self, obj) -> Resident:
        return obj

    def get_search_fields(self, request):
        # No autocomplete of residents (issue 20 item 6): it answered a search by personnummer
        # with names and wrote no access-log entry. Forms that pick a resident take the id, with
        # the list (logged) as the lookup; Django's autocomplete answers 404 without search fields.
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            return ()
        return super().get_search_fields(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Residents are never deleted (the access log and the records refer to them); the
        # delete page would also show their identity unlogged.
        return False

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        resident = getattr(response, "context_data", {}).get("object")
        if response.status_code == 200 and resident is not None:
            audit.record(
                actor=request.user,
                action="read",
                resident=resident,
                object_type="admin_resident_history",
                object_id=resident.pk,
                purpose="administration",
                request=request,
            )
        return response

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not Relative:
            return
        for relative in formset.new_objects:
            log_relative_change(request, relative, "create", RELATIVE_ACCESS_FIELDS)
        for relative, changed in formset.changed_objects:
            log_relative_change(request, relative, "update", changed)
        for relative in formset.deleted_objects:
            log_relative_change(request, relative, "delete", [])

    def get_readonly_fields(self, request, obj=None):
        # Identity and registration change through the resident page's own flow, never here.
        readonly = ["eligibility_ended_at"]
        if obj is not None:
            readonly += ["identity_number", "home_municipality_code"]
        return readonly


@admin.register(Relative)
class RelativeAdmin(AuditedAdmin):
    list_display = ("family_name", "given_name", "relationship", "resident", "legal_representative")
    search_fields = ("family_name", "given_name", "resident__family_name")
    list_select_related = ("resident",)
    raw_id_fields = ("resident",)
    autocomplete_fields = ("user",)

    def save_model(self, request, obj, form, change):
        # Logged with what changed, instead of AuditedAdmin's plain entry.
        obj.save()
        changed = form.changed_data if change else RELATIVE_ACCESS_FIELDS
        log_relative_change(request, obj, "update" if change else "create", changed)

    def delete_model(self, request, obj):
        log_relative_change(request, obj, "delete", [])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for relative in queryset:
            log_relative_change(request, relative, "delete", [])
        super().delete_queryset(request, queryset)


# What links a relative's login to a resident: a change is logged (issue 20 item 5). What the
# login may then see is the relative's consent (relatives.Consent, logged by its services).
RELATIVE_ACCESS_FIELDS = ["user"]


def log_relative_change(request, relative: Relative, action: str, changed) -> None:
    """Write a relative's login link, and which fields changed, to the access log."""
    audit.record(
        actor=request.user,
        action=action,
        resident=relative.resident,
        object_type="relative",
        object_id=relative.pk,
        purpose="administration",
        request=request,
        details={
            "changed": sorted(set(changed) & set(RELATIVE_ACCESS_FIELDS)) or sorted(changed)[:10],
            "user": relative.user_id,
        },
    )
