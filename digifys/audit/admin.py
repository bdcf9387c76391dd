from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services as audit
from .models import AuditEvent, LogReview, LogReviewItem


class AuditedAdmin(admin.ModelAdmin):
    """Log every admin list, view and save of resident data in the access log."""

    def resident_of(self, obj):
        """Return the resident OBJ belongs to (override for rows that point to one)."""
        return obj.resident

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            audit.record_many(
                actor=request.user,
                action="read",
                residents=[self.resident_of(obj) for obj in changelist.result_list],
                object_type=f"admin_{self.opts.model_name}_list",
                purpose="administration",
                request=request,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and original is not None:
            self._log(request, original, "read")
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._log(request, obj, "update" if change else "create")

    def _log(self, request, obj, action: str) -> None:
        audit.record(
            actor=request.user,
            action=action,
            resident=self.resident_of(obj),
            object_type=f"admin_{self.opts.model_name}",
            object_id=obj.pk,
            purpose="administration",
            request=request,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: the access log and finished reviews are evidence, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # Administrators see no resident data (careteams.policy): show resident ids, never names.
    list_display = (
        "seq",
        "occurred_at",
        "actor_name",
        "actor_role",
        "organisation_name",
        "resident_ref",
        "action",
        "purpose",
        "object_type",
        "object_id",
    )
    list_filter = ("action", "purpose", "actor_role")
    search_fields = ("actor_name", "object_id", "=resident__id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False  # counting millions of rows on every page is slow
    fields = (
        "seq",
        "occurred_at",
        "actor_ref",
        "actor_name",
        "actor_role",
        "organisation_name",
        "resident_ref",
        "action",
        "object_type",
        "object_id",
        "purpose",
        "ip_address",
        "details",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description=_("resident id"))
    def resident_ref(self, event: AuditEvent):
        return event.resident_id

    @admin.display(description=_("user id"))
    def actor_ref(self, event: AuditEvent):
        return event.actor_id


class LogReviewItemInline(admin.TabularInline):
    model = LogReviewItem
    fields = ("event_id", "reasons", "outcome", "note", "reviewed_by", "reviewed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LogReview)
class LogReviewAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "created_by", "created_at", "closed_at", "sample_size")
    list_filter = ("status",)
    list_select_related = ("created_by",)
    readonly_fields = (
        "created_by",
        "created_at",
        "period_start",
        "period_end",
        "sample_size",
        "seed",
        "status",
        "closed_by",
        "closed_at",
        "summary",
    )
    inlines = [LogReviewItemInline]
