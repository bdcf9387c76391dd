from django.contrib import admin

from .models import Diagnosis, Medication, Relative, Resident, TreatmentLimitation


class DiagnosisInline(admin.TabularInline):
    model = Diagnosis
    extra = 0


class MedicationInline(admin.TabularInline):
    model = Medication
    extra = 0


class TreatmentLimitationInline(admin.TabularInline):
    model = TreatmentLimitation
    extra = 0
    autocomplete_fields = ("decided_by",)


class RelativeInline(admin.TabularInline):
    model = Relative
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("family_name", "given_name", "identity_number", "unit", "room", "status")
    list_filter = ("status", "identity_kind")
    search_fields = ("family_name", "given_name", "identity_number")
    list_select_related = ("unit__parent",)
    autocomplete_fields = ("unit",)
    inlines = [DiagnosisInline, MedicationInline, TreatmentLimitationInline, RelativeInline]


@admin.register(Relative)
class RelativeAdmin(admin.ModelAdmin):
    list_display = ("family_name", "given_name", "relationship", "resident", "legal_representative")
    search_fields = ("family_name", "given_name", "resident__family_name")
    list_select_related = ("resident",)
    autocomplete_fields = ("resident", "user")
