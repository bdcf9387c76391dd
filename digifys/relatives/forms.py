from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField

from .models import SCOPE_HELP, Consent, Scope


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConsentForm(forms.Form):
    basis = forms.ChoiceField(
        label=_("Basis for sharing"), choices=Consent.Basis.choices, widget=forms.RadioSelect
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the relative may see"),
        choices=[
            (scope.value, format_lazy("{} – {}", scope.label, SCOPE_HELP[scope])) for scope in Scope
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    given_on = DateField(label=_("Given on"), widget=_date_widget())
    valid_until = DateField(
        label=_("Valid until"),
        required=False,
        widget=_date_widget(),
        help_text=_("Leave empty if it holds until it is revoked."),
    )
    review_on = DateField(
        label=_("Review on"),
        widget=_date_widget(),
        help_text=_("When the staff ask the resident again or redo the harm assessment."),
    )
    reason = forms.CharField(
        label=_("Grounds of the harm assessment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required for a harm assessment: why sharing is clearly not to the resident's harm, "
            "and how the resident's own wishes were explored."
        ),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Who asked for it, or why is it revoked?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the consent's history and in the access log."),
    )
