from django.contrib import admin

from digifys.audit.admin import AuditedAdmin

from .models import CareContact, PhysicianAssignment


@admin.register(PhysicianAssignment)
class PhysicianAssignmentAdmin(AuditedAdmin):
    list_display = ("resident", "physician", "role", "started_at", "ended_at", "reason")
    list_filter = ("role",)
    search_fields = ("resident__family_name", "physician__user__last_name")
    list_select_related = ("resident", "physician__user")
    # The resident by id (lookup through the logged list): no unlogged autocomplete of residents.
    raw_id_fields = ("resident",)
    autocomplete_fields = ("physician", "assigned_by")


@admin.register(CareContact)
class CareContactAdmin(AuditedAdmin):
    list_display = ("resident", "clinician", "kind", "occurred_at")
    list_filter = ("kind",)
    list_select_related = ("resident", "clinician__user")
    raw_id_fields = ("resident",)
    autocomplete_fields = ("clinician", "unit")
    date_hierarchy = "occurred_at"
