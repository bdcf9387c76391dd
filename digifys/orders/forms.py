"""Forms for orders and nurse tasks: they parse what was typed; the services own the rules."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField, IntegerField, add_service_errors
from digifys.core.time import STOCKHOLM
from digifys.vitals.models import Observation

from .models import Order

# Service error keys that the order form shows on one of its own fields.
_SERVICE_FIELDS = {"first_due_at": "first_due_time"}


def stockholm_now() -> datetime.datetime:
    return timezone.localtime(timezone.now(), STOCKHOLM)


class OrderForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is ordered"),
        choices=Order.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is ordered.")},
    )
    instructions = forms.CharField(
        label=_("Instructions to the nurse"),
        max_length=2000,
        error_messages={"required": _("Write what the nurse should do.")},
        help_text=_("What to do, and what to report back, e.g. values or observations."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    first_due_date = DateField(
        label=_("First due: date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date of the first task."),
            "invalid": _("Write the date as YYYY-MM-DD."),
        },
    )
    first_due_time = forms.TimeField(
        label=_("First due: time (Stockholm time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Give the time of the first task."),
            "invalid": _("Write the time as HH:MM."),
        },
    )
    every_hours = IntegerField(
        label=_("Repeat every (hours)"),
        required=False,
        help_text=_("Leave both repeat fields empty for a single task."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 168, "inputmode": "numeric"}),
        error_messages={"invalid": _("Write a whole number of hours.")},
    )
    for_days = IntegerField(
        label=_("For (days)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 90, "inputmode": "numeric"}),
        error_messages={"invalid": _("Write a whole number of days.")},
    )

    def __init__(self, *args, **kwargs):
        if not args or args[0] is None:
            now = stockholm_now()
            kwargs.setdefault("initial", {})
            kwargs["initial"].setdefault("first_due_date", now.date())
            kwargs["initial"].setdefault("first_due_time", now.time().replace(second=0))
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        day, time = data.get("first_due_date"), data.get("first_due_time")
        if day is not None and time is not None:
            when = datetime.datetime.combine(day, time, tzinfo=STOCKHOLM)
            # A wall-clock time skipped when the clocks go forward does not survive a round trip.
            if when.astimezone(datetime.UTC).astimezone(STOCKHOLM).time() != time:
                self.add_error(
                    "first_due_time",
                    _(
                        "This time does not exist in Stockholm that night: the clocks go "
                        "forward. Choose a time after 03:00."
                    ),
                )
            else:
                data["first_due_at"] = when
        return data

    def order_arguments(self) -> dict:
        """The cleaned values as the arguments of `services.place_order`."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "instructions": data["instructions"],
            "first_due_at": data["first_due_at"],
            "every_hours": data["every_hours"],
            "for_days": data["for_days"],
        }

    def schedule_arguments(self) -> tuple | None:
        """(first due, every, for) when the schedule fields make sense, for the preview."""
        data = getattr(self, "cleaned_data", {})
        if "first_due_at" not in data:
            return None
        every, days = data.get("every_hours"), data.get("for_days")
        if (every is None) != (days is None):
            return None
        if every is not None and not (1 <= every <= 168 and 1 <= days <= 90):
            return None
        return data["first_due_at"], every, days

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {_SERVICE_FIELDS.get(key, key): value for key, value in exc.error_dict.items()}
            )
        add_service_errors(self, exc)


class ObservationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Observation) -> str:
        measured = timezone.localtime(obj.measured_at, STOCKHOLM).strftime("%Y-%m-%d %H:%M")
        if obj.news2_total is None:
            score = gettext("incomplete, no NEWS2")
        else:
            score = gettext("NEWS2 %(total)s") % {"total": obj.news2_total}
        return f"{measured} · {score}"


class CompleteTaskForm(forms.Form):
    result = forms.CharField(
        label=_("Result or what was done"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    observation = ObservationChoiceField(
        label=_("Attach vital signs measured since the order"),
        queryset=Observation.objects.none(),
        required=False,
        empty_label=_("None"),
        blank=True,
        widget=forms.RadioSelect,
        help_text=_("Vital signs of the resident recorded since the order was placed."),
    )

    def __init__(self, *args, observations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if observations is None:
            del self.fields["observation"]
        else:
            self.fields["observation"].queryset = observations
            self.fields["result"].help_text = _(
                "Required unless you attach vital signs; then it may be left empty."
            )


class CancelOrderForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the order cancelled?"),
        max_length=2000,
        error_messages={"required": _("Say why the order is cancelled.")},
        help_text=_("The reason is recorded in the consult thread and on the cancelled tasks."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
