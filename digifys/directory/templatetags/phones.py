from django import template
from django.utils.html import format_html

from digifys.directory import phone

register = template.Library()


@register.filter
def phone_link(value: str) -> str:
    """A tel: link for a valid number; anything else only as (escaped) text, never a link."""
    uri = phone.tel_uri(value)
    if not uri:
        return format_html("{}", value or "")
    return format_html('<a href="{}">{}</a>', uri, phone.display(value))


@register.filter
def phone_display(value: str) -> str:
    return phone.display(value)
