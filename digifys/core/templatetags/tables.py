"""`{% tablewrap %}`: the one wrapper of every data table (responsive tables, issue 12 §2).

    {% load tables %}
    {% tablewrap %}<table><caption>…</caption>…</table>{% endtablewrap %}
    {% tablewrap label=_("History") %}<table>…</table>{% endtablewrap %}
    {% tablewrap labelledby="h-history" %}<table>…</table>{% endtablewrap %}

renders `<div class="table-wrap" role="region" tabindex="0" aria-label="…">…</div>`. A table
that cannot fit scrolls inside the wrapper (without JavaScript) or becomes stacked cards
(`digifys/tables.js`); either way the wrapper is a named region that keyboard users can focus and
scroll (WCAG 2.1.1; axe `scrollable-region-focusable`). The name is the `label` argument or else
the element LABELLEDBY names (when it is not empty), or else the table's caption; a table
with none of them is an error.
"""

import html
import re

from django import template
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

register = template.Library()

_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S | re.I)


class TableWrapNode(template.Node):
    def __init__(self, nodelist, label, labelledby):
        self.nodelist = nodelist
        self.label = label
        self.labelledby = labelledby

    def render(self, context):
        inner = self.nodelist.render(context)
        name = ("aria-labelledby", self._resolve(self.labelledby, context))
        if not name[1]:
            name = ("aria-label", self._resolve(self.label, context) or self._caption(inner))
        return format_html(
            '<div class="table-wrap" role="region" tabindex="0" {}="{}">{}</div>',
            name[0],
            name[1],
            mark_safe(inner),  # noqa: S308 - the rendered template itself, escaped as it rendered
        )

    @staticmethod
    def _resolve(value, context) -> str:
        return str(value.resolve(context) or "") if value is not None else ""

    @staticmethod
    def _caption(inner: str) -> str:
        caption = _CAPTION.search(inner)
        if caption is None:
            raise template.TemplateSyntaxError(
                "{% tablewrap %} needs a table with a <caption>, label=… or labelledby=…"
            )
        return " ".join(html.unescape(strip_tags(caption.group(1))).split())


@register.tag
def tablewrap(parser, token):
    bits = token.split_contents()
    arguments = {"label": None, "labelledby": None}
    for bit in bits[1:]:
        name, _, value = bit.partition("=")
        if name not in arguments or not value:
            raise template.TemplateSyntaxError(f"{bits[0]} takes label=… or labelledby=…")
        arguments[name] = parser.compile_filter(value)
    nodelist = parser.parse(("endtablewrap",))
    parser.delete_first_token()
    return TableWrapNode(nodelist, **arguments)
