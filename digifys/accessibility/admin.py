from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import AccessibilityReport


@admin.register(AccessibilityReport)
class AccessibilityReportAdmin(admin.ModelAdmin):
    """The administrators' list of reported accessibility problems: read, answer, mark handled."""

    list_display = ("created_at", "page", "summary", "contact", "language", "handled_at")
    list_filter = (("handled_at", admin.EmptyFieldListFilter), "language")
    date_hierarchy = "created_at"
    search_fields = ("page", "description")
    readonly_fields = ("created_at", "page", "description", "contact", "language", "reported_by")
    fields = (*readonly_fields, "handled_at", "handling_note")

    @admin.display(description=_("the problem"))
    def summary(self, report: AccessibilityReport) -> str:
        return Truncator(report.description).chars(80)

    def has_add_permission(self, request) -> bool:
        return False
