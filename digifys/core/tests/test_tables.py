"""`{% tablewrap %}`: every data table is a focusable region named after its table."""

import pytest
from django.template import Context, Template, TemplateSyntaxError


def _render(source: str, **context) -> str:
    return Template("{% load tables %}" + source).render(Context(context))


def test_the_region_is_named_after_the_caption():
    html = _render(
        "{% tablewrap %}<table><caption class='visually-hidden'>Öppna &amp; <b>klara</b>"
        "</caption></table>{% endtablewrap %}"
    )
    assert html.startswith(
        '<div class="table-wrap" role="region" tabindex="0" aria-label="Öppna &amp; klara">'
    )
    assert html.endswith("</table></div>")


def test_a_label_or_a_heading_names_a_table_without_caption():
    assert 'aria-label="Historik"' in _render(
        '{% tablewrap label="Historik" %}<table></table>{% endtablewrap %}'
    )
    assert 'aria-labelledby="h-history"' in _render(
        "{% tablewrap labelledby=heading %}<table></table>{% endtablewrap %}", heading="h-history"
    )
    # An empty heading id falls back to the label.
    assert 'aria-label="Ronder"' in _render(
        '{% tablewrap labelledby=heading label="Ronder" %}<table></table>{% endtablewrap %}'
    )


def test_a_table_nobody_can_name_is_an_error():
    with pytest.raises(TemplateSyntaxError):
        _render("{% tablewrap %}<table></table>{% endtablewrap %}")
    with pytest.raises(TemplateSyntaxError):
        Template("{% load tables %}{% tablewrap name='x' %}{% endtablewrap %}")


def test_every_table_wrapper_in_the_templates_uses_the_tag():
    """A hand-written wrapper would miss the region's name and focus (one place for tables)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    written = [
        str(path.relative_to(root))
        for path in root.glob("digifys/**/templates/**/*.html")
        if 'class="table-wrap"' in path.read_text()
    ]
    assert written == []
