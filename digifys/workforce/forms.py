import datetime

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import ModelMultipleChoiceField
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation
from digifys.scheduling.models import WorkingPattern

from .models import HourPreference, WorkElsewhere

HOUR_ROWS = 6


def shift_label(shift, *, with_name: bool = True) -> str:
    start = shift.starts_at.astimezone(STOCKHOLM)
    end = shift.ends_at.astimezone(STOCKHOLM)
    text = f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"
    if with_name and shift.staff_id:
        return f"{shift.staff.name}: {text}"
    return text


class PreferenceForm(forms.Form):
    """UNITS: the units to choose among (the clinician's own, see `views.preferences`)."""

    max_hours = forms.IntegerField(
        label=_("At most on-duty hours per week"), min_value=0, max_value=168
    )
    units = ModelMultipleChoiceField(
        label=_("Preferred units"),
        queryset=Organisation.objects.units().active().order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units


class HourRowForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *HourPreference.Kind.choices], required=False
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=WorkingPattern.Weekday.choices, coerce=int, required=False
    )
    starts = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self):
        data = super().clean()
        if data.get("kind"):
            for name in ("starts", "ends"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give a time."))
            starts, ends = data.get("starts"), data.get("ends")
            if starts and ends and ends != datetime.time(0) and ends <= starts:
                self.add_error("ends", _("The period must end after it starts."))
        return data


HourFormSet = forms.formset_factory(HourRowForm, extra=0, max_num=50)


class WorkElsewhereForm(forms.Form):
    place = forms.ChoiceField(
        label=_("Work from"), choices=WorkElsewhere.Place.choices, widget=forms.RadioSelect
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Organisation.objects.none(), required=False
    )
    starts_on = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    holidays_follow = forms.BooleanField(
        label=_("My contract makes the place's public holidays apply during the period"),
        required=False,
    )
    reason = forms.CharField(label=_("Why (optional)"), max_length=300, required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class SwapForm(forms.Form):
    counter_shift = forms.ModelChoiceField(
        label=_("Their shift you take in return"),
        queryset=None,
        required=False,
        empty_label=_("None – hand the shift over"),
    )
    counterpart = forms.ModelChoiceField(
        label=_("Colleague (for a hand-over)"), queryset=None, required=False
    )
    note = forms.CharField(label=_("Note to the colleague"), max_length=300, required=False)

    def __init__(self, *args, shifts, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counter_shift"].queryset = shifts
        self.fields["counter_shift"].label_from_instance = shift_label
        self.fields["counterpart"].queryset = colleagues
        self.fields["counterpart"].label_from_instance = lambda staff: staff.name

    def clean(self):
        data = super().clean()
        shift = data.get("counter_shift")
        if shift is not None:
            data["counterpart"] = shift.staff
        elif not data.get("counterpart") and "counterpart" not in self.errors:
            self.add_error(
                "counterpart", _("Choose a colleague's shift, or the colleague to hand over to.")
            )
        return data


class BuildRotaForm(forms.Form):
    month = forms.DateField(input_formats=["%Y-%m"], widget=forms.HiddenInput)
    required = forms.IntegerField(
        label=_("Clinicians on duty at a time"), min_value=1, max_value=5, initial=1
    )
