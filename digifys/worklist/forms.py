from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import SHOW_ALL, SHOW_ATTENTION


class WorklistFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name or room"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(SHOW_ALL, _("All residents")), (SHOW_ATTENTION, _("Needs attention"))],
    )

    def filters(self) -> tuple[str, str]:
        """Return (show, search); anything invalid falls back to all residents, no search."""
        if not self.is_valid():
            return SHOW_ALL, ""
        return self.cleaned_data["show"] or SHOW_ALL, self.cleaned_data["q"].strip()
