from django.contrib import admin

from digifys.audit.admin import AuditedAdmin

from .models import ResidentLogin


@admin.register(ResidentLogin)
class ResidentLoginAdmin(AuditedAdmin):
    """Administrators link a resident's own login (the user the IdP logs in) to the resident."""

    list_display = ("user", "resident", "created_at")
    list_select_related = ("user", "resident")
    raw_id_fields = ("resident",)
    autocomplete_fields = ("user",)
    search_fields = ("user__username", "resident__family_name", "resident__given_name")
