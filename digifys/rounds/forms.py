"""Forms for ward rounds: they parse what was typed; the services own the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField, IntegerField
from digifys.directory.models import Organisation, StaffProfile
from digifys.residents.models import Resident

from .models import RoundSlot


class PhysicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffProfile) -> str:
        return obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.parent.name} – {obj.name}" if obj.parent_id else obj.name


class SlotForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Organisation.objects.units().active().select_related("parent"),
        error_messages={"required": _("Choose a unit.")},
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=RoundSlot.Weekday.choices,
        coerce=int,
        error_messages={"required": _("Choose a weekday.")},
    )
    starts = forms.TimeField(
        label=_("From (Stockholm time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give the start time."), "invalid": _("Write HH:MM.")},
    )
    ends = forms.TimeField(
        label=_("Until (Stockholm time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give the end time."), "invalid": _("Write HH:MM.")},
    )
    every_weeks = IntegerField(
        label=_("Every … weeks"),
        min_value=1,
        max_value=8,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    starts_on = DateField(
        label=_("First round on or after"),
        required=False,
        help_text=_("Rounds every second or third week count their weeks from this date."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD.")},
    )
    physician = PhysicianChoiceField(
        label=_("Physician"),
        required=False,
        queryset=StaffProfile.objects.physicians().select_related("user"),
        help_text=_("Leave empty for the unit's named physician."),
    )
    no_contact_weeks = IntegerField(
        label=_("Put residents on the agenda after … weeks without a physician contact"),
        min_value=1,
        max_value=52,
        initial=8,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class FlagForm(forms.Form):
    resident = forms.ModelChoiceField(
        label=_("Resident"),
        queryset=Resident.objects.none(),
        error_messages={"required": _("Choose a resident.")},
    )
    note = forms.CharField(
        label=_("Question for the physician"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the question for the physician.")},
    )

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residents is not None:
            self.fields["resident"].queryset = residents
        self.fields["resident"].label_from_instance = _resident_label


def _resident_label(resident: Resident) -> str:
    if resident.room:
        return str(_("%(name)s, room %(room)s")) % {
            "name": resident.full_name,
            "room": resident.room,
        }
    return resident.full_name


class NoteForm(forms.Form):
    aktuellt = forms.CharField(
        label="Aktuellt", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.CharField(
        label="Status", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    bedomning = forms.CharField(
        label="Bedömning", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    atgard = forms.CharField(
        label="Åtgärd", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OutcomeForm(forms.Form):
    """The outcome the physician gives a resident before going on to the next one."""

    outcome = forms.ChoiceField(
        label=_("Outcome for this resident"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the outcome for this resident."),
            "invalid_choice": _("Choose the outcome for this resident."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (required for “no action”)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Keep the reason under 500 characters.")},
    )

    def __init__(self, *args, **kwargs):
        from .models import AgendaItem

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = AgendaItem.Outcome.choices
