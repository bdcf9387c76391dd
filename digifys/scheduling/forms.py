import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import StaffProfile

from .models import Booking

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
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
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

    def __init__(self, *args, clinicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = (
            clinicians if clinicians is not None else StaffProfile.objects.none()
        )

    @staticmethod
    def duration_of(minutes: int) -> datetime.timedelta:
        return datetime.timedelta(minutes=minutes)
