"""The monthly report section of the figures page (`{% report_panel %}`, insights/_report.html)."""

from django import template

register = template.Library()


@register.inclusion_tag("insights/_report.html", takes_context=True)
def report_panel(context) -> dict:
    """Download and subscription controls for the page's level and key."""
    from digifys.insights.report_views import panel_context

    return {
        **panel_context(context["request"].user, context["level"], context["key"]),
        "csrf_token": context.get("csrf_token"),
    }
