from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from digifys.audit import services as audit

from .models import Organisation, StaffLanguage, StaffProfile

# What a staff profile decides about access: a change of any of them is logged, and nobody may
# change them on their own profile (issue 20 item 5).
ACCESS_FIELDS = ("user", "profession", "employer", "units")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "parent",
        "municipality_code",
        "hsa_id",
        "time_zone",
        "is_active",
    )
    list_filter = ("kind", "is_active", "country")
    search_fields = ("name", "hsa_id", "municipality_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "municipality")


class StaffLanguageInline(admin.TabularInline):
    model = StaffLanguage
    extra = 1


class StaffProfileAdminForm(forms.ModelForm):
    actor = None  # set by StaffProfileAdmin.get_form

    class Meta:
        model = StaffProfile
        fields = [
            "user",
            "profession",
            "title",
            "title_other",
            "hsa_id",
            "licence_number",
            "phone",
            "employer",
            "units",
            "work_country",
            "work_subdivision",
            "work_city",
            "time_zone",
            "is_locum",
            "photo",
            "presentation",
        ]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or (self.instance.user if self.instance.user_id else None)
        changes_access = self.instance.pk is None or set(ACCESS_FIELDS) & set(self.changed_data)
        own = user is not None and self.actor is not None and user.pk == self.actor.pk
        if own and changes_access:
            raise ValidationError(
                _(
                    "You cannot change your own profession, employer or units. Ask another "
                    "administrator to do it."
                ),
                code="own_profile",
            )
        return cleaned


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    form = StaffProfileAdminForm
    list_display = ("__str__", "hsa_id", "employer", "work_city", "time_zone", "is_locum")
    list_filter = ("profession", "work_country", "is_locum")
    search_fields = ("user__first_name", "user__last_name", "hsa_id", "licence_number")
    list_select_related = ("user", "employer")
    autocomplete_fields = ("user", "employer", "units")
    inlines = [StaffLanguageInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)  # a new class on every call
        form.actor = request.user
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the units are saved here
        changed = [name for name in ACCESS_FIELDS if name in form.changed_data]
        if not change or changed:
            _log_profile(request, form.instance, "update" if change else "create", changed)

    def delete_model(self, request, obj):
        _log_profile(request, obj, "delete", [])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            _log_profile(request, profile, "delete", [])
        super().delete_queryset(request, queryset)


def _log_profile(request, profile: StaffProfile, action: str, changed: list[str]) -> None:
    audit.record(
        actor=request.user,
        action=action,
        object_type="staff_profile",
        object_id=profile.pk,
        purpose="administration",
        request=request,
        details={
            "user": profile.user_id,
            "profession": profile.profession,
            "employer": profile.employer_id,
            "units": sorted(profile.units.values_list("pk", flat=True)),
            "changed": changed,
        },
    )
