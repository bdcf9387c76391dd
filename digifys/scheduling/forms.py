import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField
from digifys.directory.models import StaffProfile

from .models import Absence, Booking, WorkingPattern, WorkRequest

WORK_REQUEST_KINDS = WorkRequest.Kind.choices

DURATIONS = [
    (15, _("15 minutes")),
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1.5 hours")),
    (120, _("2 hours")),
]


class BookingForm(forms.Form):
    """A booking as the resident's side sees it: a day and a start time in Stockholm time."""

    clinician = forms.ModelChoiceField(label=_("Clinician"), queryset=StaffProfile.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Booking.Kind.choices)
    day = DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(
        label=_("Start (Stockholm time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration = forms.TypedChoiceField(
        label=_("Duration"), choices=DURATIONS, coerce=int, initial=30
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("No sensitive details: the note is shown to the clinician and the unit."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Reason for booking this clinician"),
        required=False,
        max_length=500,
        help_text=_(
            "Needed when you book someone else: the booking gives them access to the resident's "
            "record around the visit. Kept in the access log and shown in the log review."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, clinicians=None, books_self_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = (
            clinicians if clinicians is not None else StaffProfile.objects.none()
        )
        if books_self_only:
            # Physicians book only themselves; there is nobody else to give access to.
            del self.fields["reason"]

    @staticmethod
    def duration_of(minutes: int) -> datetime.timedelta:
        return datetime.timedelta(minutes=minutes)


class PlanItemForm(forms.Form):
    """Move a planned item: another physician, and for everything but a round another time."""

    clinician = forms.ModelChoiceField(label=_("Physician"), queryset=StaffProfile.objects.none())
    day = DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(
        label=_("Start (Stockholm time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(
        self, *args, clinicians=None, clinician_choices=None, fixed_time: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = (
            clinicians if clinicians is not None else StaffProfile.objects.none()
        )
        if clinician_choices is not None:
            # Ordered and labelled by the view (relation to the resident, absence); the
            # queryset still validates the choice.
            self.fields["clinician"].choices = [("", "---------"), *clinician_choices]
        if fixed_time:
            # A ward round is held at its slot's time: only the physician can change.
            del self.fields["day"]
            del self.fields["starts_at"]

    def clean(self):
        data = super().clean()
        if "day" in self.fields and (not data.get("day") or not data.get("starts_at")):
            raise forms.ValidationError(_("Give a date and a start time."))
        return data


class WorkRequestForm(forms.Form):
    """Ask the planner for a family meeting or a follow-up."""

    kind = forms.ChoiceField(label=_("Kind"), choices=WORK_REQUEST_KINDS)
    duration_minutes = forms.TypedChoiceField(
        label=_("Duration"), choices=DURATIONS, coerce=int, initial=30
    )
    earliest_on = DateField(
        label=_("Earliest date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline_on = DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.CharField(
        label=_("Language of the meeting"),
        max_length=8,
        initial="sv",
        help_text=_("ISO 639-1, e.g. sv or fi. Without a speaker an interpreter is booked."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("No sensitive details: the note is shown to the clinician and the unit."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Absences and working hours -------------------------------------------------------------------


class AbsenceForm(forms.Form):
    """An absence in whole days; the coordinator also chooses whose."""

    staff = forms.ModelChoiceField(label=_("Clinician"), queryset=StaffProfile.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Absence.Kind.choices)
    starts_on = DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = DateField(
        label=_("Last day"),
        help_text=_("The last day away, inclusive."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("No medical details: the note is shown to coordinators."),
    )

    def __init__(self, *args, clinicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clinicians is None:
            # A physician or nurse registers their own absence: no choice to make.
            del self.fields["staff"]
        else:
            self.fields["staff"].queryset = clinicians


class AbsenceSearchForm(forms.Form):
    q = forms.CharField(label=_("Clinician"), required=False, max_length=100)


class PatternRowForm(forms.Form):
    """One row of the weekly working hours; a row without times is left out."""

    starts = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ends = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    on_call = forms.BooleanField(label=_("On duty"), required=False)
    works_on_holidays = forms.BooleanField(label=_("Also public holidays"), required=False)

    def __init__(self, *args, weekday: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday = weekday

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("starts") is None and data.get("ends") is None

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if (starts is None) != (ends is None) and not self.errors:
            raise forms.ValidationError(
                _("%(day)s: give both a start and an end time, or neither.")
                % {"day": WorkingPattern.Weekday(self.weekday).label}
            )
        return data


class LocalHolidayForm(forms.Form):
    """A local or island holiday at a work place (issue 19 item 6)."""

    country = forms.ChoiceField(
        label=_("Country"), choices=StaffProfile.Country.choices, initial="ES"
    )
    place = forms.CharField(
        label=_("Work place"),
        max_length=100,
        help_text=_(
            "A city, written as in the clinicians' work city (e.g. Málaga), or a Canary island "
            "(e.g. Gran Canaria)."
        ),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Holiday"), max_length=200)
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the date is published, e.g. the official bulletin and decree."),
    )
