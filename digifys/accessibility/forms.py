from django import forms
from django.utils.translation import gettext_lazy as _


class ReportForm(forms.Form):
    page = forms.CharField(
        label=_("Where is the problem?"),
        help_text=_("The page's address or name, or what you were trying to do."),
        max_length=500,
        required=False,
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        help_text=_(
            "What does not work for you, and which aids you use if any (screen reader, "
            "magnification, keyboard only). Do not write anything about a resident's health."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact = forms.CharField(
        label=_("E-mail address or telephone number"),
        help_text=_("Optional: if you would like an answer."),
        max_length=200,
        required=False,
    )
