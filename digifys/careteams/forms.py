from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation


class EmergencyLookupForm(forms.Form):
    identity_number = forms.CharField(
        label=_("Identity number"),
        max_length=20,
        help_text=_("The resident's personnummer or samordningsnummer."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EmergencyReasonForm(EmergencyLookupForm):
    reason = forms.CharField(
        label=_("Why do you need access now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    confirm = forms.BooleanField(
        label=_(
            "I need this resident's data for care the resident urgently needs, and I understand "
            "that this access is logged and reviewed."
        )
    )


class ConsentOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("How did the resident consent?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
    confirm = forms.BooleanField(
        label=_("The resident has consented to open the blocked records to me.")
    )


class BlockForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit whose records are blocked"),
        queryset=Organisation.objects.units().select_related("parent"),
    )
    reason = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
