"""Django admin for vitals: the unit escalation tables only, read-only.

Observations and Scale-2 decisions are clinical records, which administrators may not see
(careteams.policy), so they are not registered. Escalation tables are changed by care
coordinators on the unit's page ("vitals:escalation"), where the service validates the row and
tells the unit's open worklists; the admin only lets an administrator look them up.
"""

from django.contrib import admin

from .models import EscalationRule


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = (
        "unit",
        "level",
        "monitor_every_minutes",
        "suggested_urgency",
        "call_112",
        "updated_at",
        "updated_by",
    )
    list_filter = ("level", "suggested_urgency", "call_112")
    search_fields = ("unit__name", "unit__parent__name")
    list_select_related = ("unit__parent", "updated_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
