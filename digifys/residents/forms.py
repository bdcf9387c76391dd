from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField
from digifys.directory.models import Organisation


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, room or identity number"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All units"),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Organisation.objects.none()


class RegisterResidentForm(forms.Form):
    identity_number = forms.CharField(
        label=_("Identity number"),
        max_length=20,
        help_text=_(
            "Personnummer or samordningsnummer, e.g. 19261223-9232; for an unidentified "
            "person, Region Västerbotten's reserve number YYYYMMDD-RXNN."
        ),
    )
    # Only a ceiling: the service checks the 60-character limit (residents/names.py) and its
    # message says how long the name was; a lower maxlength would cut pasted names silently.
    given_name = forms.CharField(label=_("Given name"), max_length=200)
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    birth_date = DateField(
        label=_("Birth date"),
        required=False,
        help_text=_("Leave empty to take it from the identity number."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    home_municipality_code = forms.CharField(
        label=_("Registered in municipality (code)"),
        max_length=4,
        min_length=4,
        help_text=_("Four digits, e.g. 2418 for Malå."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Organisation.objects.units().select_related("parent")
    )
    room = forms.CharField(
        label=_("Room"),
        max_length=20,
        required=False,
        help_text=_("One of the unit's rooms, e.g. 104."),
    )
    needs_interpreter = forms.BooleanField(label=_("Needs interpreter"), required=False)
    interpreter_language = forms.CharField(
        label=_("Interpreter language"),
        max_length=8,
        required=False,
        help_text=_("e.g. fi, se, ar"),
    )

    entitlement_basis = forms.CharField(
        label=_("Other documented basis for entitlement"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only if the person is not registered in Västerbotten with a personnummer (e.g. a "
            "samordningsnummer or reserve number): the decision that entitles them to the "
            "region's care, and why. Your name and the time are recorded."
        ),
    )


class EntitlementForm(forms.Form):
    basis = forms.CharField(
        label=_("Documented basis for entitlement"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The decision that entitles the resident to the virtual clinic's care although they "
            "are not registered in Västerbotten, and why. Your name and the time are recorded."
        ),
    )


class RegistrationChangeForm(forms.Form):
    municipality_code = forms.CharField(
        label=_("New municipality of registration (code)"), max_length=4, min_length=4
    )


class CognitiveBaselineForm(forms.Form):
    cognitive_baseline = forms.CharField(
        label=_("Cognitive baseline"),
        required=False,
        max_length=2000,
        help_text=_(
            "The resident's usual cognitive state, e.g. “Known Alzheimer's dementia: oriented to "
            "person, not to time or place; usually calm.” NEWS2 scores “C – new confusion” only "
            "when confusion is new or worse than this."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
