from django import forms
from django.utils.translation import gettext_lazy as _

from . import orgnr
from .models import RESOURCES


class ApplicationForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    organisation_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("Ten digits, e.g. 556677-8899."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone number"), max_length=30)
    purpose = forms.CharField(
        label=_("What do you want to test?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
    )
    resources = forms.MultipleChoiceField(
        label=_("FHIR resources you will use"),
        choices=[(name, name) for name in RESOURCES],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_organisation_number(self) -> str:
        value = orgnr.normalise(self.cleaned_data["organisation_number"])
        if value is None:
            raise forms.ValidationError(
                _(
                    "This is not a valid Swedish organisation number: ten digits, the third 2 "
                    "or more, the last a check digit (e.g. 556677-8899)."
                )
            )
        return value


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the company is told it)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class ClientForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the client"),
        max_length=200,
        help_text=_("E.g. the device or app that will use it."),
    )
