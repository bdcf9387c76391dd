"""Forms for vital signs, Scale-2 decisions and unit escalation tables.

The vital-signs form is deliberately dumb: every vital sign is a plain `CharField`, so whatever the
nurse typed is re-displayed as typed, and the limits are checked in one place
(`services.validate_vitals`, whose messages the view maps onto these fields).
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateTimeField, IntegerField
from digifys.core.time import STOCKHOLM

from .models import Consciousness, Level, OxygenDevice, Urgency

# The vital signs the service takes as **values, in NEWS2 chart order, then the optional ones.
VITAL_FIELDS = (
    "respiratory_rate",
    "spo2",
    "on_oxygen",
    "oxygen_flow",
    "oxygen_device",
    "fio2",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "weight",
    "blood_glucose",
    "pain",
)
AIR, OXYGEN = "air", "oxygen"


def _number(*, decimal: bool = False, size: int = 4) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "inputmode": "decimal" if decimal else "numeric",
            "autocomplete": "off",
            "class": "vital-input",
            "size": size,
            "maxlength": 8,
        }
    )


def _vital(label, unit, *, decimal: bool = False, help_text="") -> forms.CharField:
    field = forms.CharField(
        label=label,
        required=False,
        max_length=8,
        help_text=help_text,
        widget=_number(decimal=decimal),
    )
    field.unit = unit  # shown after the input
    return field


class VitalsForm(forms.Form):
    """One set of vital signs, in the order of the NEWS2 chart (RCP Chart 1)."""

    respiratory_rate = _vital(_("Respiration rate"), _("/min"))
    spo2 = _vital(_("SpO2"), "%")
    spo2_scale = forms.CharField(
        label=_("SpO2 scale"),
        required=False,
        widget=forms.RadioSelect,
    )
    on_oxygen = forms.CharField(
        label=_("Air or oxygen"),
        required=False,
        widget=forms.RadioSelect(choices=[(AIR, _("Air")), (OXYGEN, _("Oxygen"))]),
    )
    oxygen_flow = _vital(_("Oxygen flow"), _("l/min"), decimal=True)
    oxygen_device = forms.CharField(
        label=_("Oxygen device"),
        required=False,
        widget=forms.Select(choices=[("", "–"), *OxygenDevice.choices]),
    )
    fio2 = _vital(_("FiO2"), "%", help_text=_("If known (Venturi mask, high flow, NIV)."))
    systolic_bp = _vital(_("Systolic blood pressure"), "mmHg")
    diastolic_bp = _vital(_("Diastolic blood pressure"), "mmHg")
    pulse = _vital(_("Pulse"), _("/min"))
    consciousness = forms.CharField(
        label=_("Consciousness (ACVPU)"),
        required=False,
        widget=forms.RadioSelect(choices=Consciousness.choices),
    )
    temperature = _vital(_("Temperature"), "°C", decimal=True)
    weight = _vital(_("Weight"), "kg", decimal=True)
    blood_glucose = _vital(_("Blood glucose"), "mmol/l", decimal=True)
    pain = _vital(_("Pain"), _("0–10"), help_text=_("0 = no pain, 10 = worst imaginable pain."))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    measured_at = DateTimeField(
        label=_("Measured at"),
        required=False,
        help_text=_("Stockholm time. Leave empty if you measured just now."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, scale2_decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale2_decision = scale2_decision
        choices = [("1", _("Scale 1"))]
        if scale2_decision is not None:
            choices.append(
                (
                    "2",
                    _("Scale 2 (target %(low)s–%(high)s %%)")
                    % {"low": scale2_decision.target_low, "high": scale2_decision.target_high},
                )
            )
        self.fields["spo2_scale"].widget.choices = choices
        # A Scale-2 decision in force is the resident's scale: offer it first-hand, so the nurse
        # does not switch every time (issue #19 item 5). Scale 1 otherwise (domain-spec §1.2).
        self.default_scale = "2" if scale2_decision is not None else "1"
        self.fields["spo2_scale"].initial = self.default_scale

    def full_clean(self):
        # The time typed is Stockholm time, whatever time zone the request runs in.
        with timezone.override(STOCKHOLM):
            super().full_clean()

    def service_arguments(self) -> dict:
        """Return the keyword arguments for `services.record_observation` (raw, unvalidated)."""
        data = self.cleaned_data
        values = {name: data.get(name, "").strip() for name in VITAL_FIELDS}
        on_oxygen = values["on_oxygen"]
        # Anything but the two choices is passed on as typed, so the service refuses it.
        values["on_oxygen"] = {"": None, AIR: False, OXYGEN: True}.get(on_oxygen, on_oxygen)
        scale = data.get("spo2_scale", "").strip() or self.default_scale
        try:
            spo2_scale: int | str = int(scale)
        except ValueError:
            spo2_scale = scale
        measured_at: datetime.datetime | None = data.get("measured_at")
        return {
            **values,
            "spo2_scale": spo2_scale,
            "measured_at": measured_at,
            "note": data.get("note", ""),
        }


class Scale2DecisionForm(forms.Form):
    """A physician records that SpO2 Scale 2 applies, with the prescribed target range."""

    target_low = IntegerField(
        label=_("Target SpO2 from (%)"),
        initial=88,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "vital-input"}),
    )
    target_high = IntegerField(
        label=_("Target SpO2 to (%)"),
        initial=92,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "vital-input"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        help_text=_("e.g. the diagnosis of hypercapnic respiratory failure and who confirmed it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EndScale2Form(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I confirm that Scale 2 ends now and SpO2 Scale 1 is used from the next observation."
        ),
        error_messages={"required": _("Tick the box to confirm that Scale 2 ends.")},
    )


class EscalationRuleForm(forms.Form):
    """One row of a unit's escalation table (one NEWS2 level)."""

    monitor_every_minutes = IntegerField(
        label=_("Observe at least every (minutes)"),
        help_text=_("From 5 minutes to 1440 minutes (24 hours)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "vital-input"}),
    )
    # Not required here: the service says what is missing in its own words.
    response = forms.CharField(
        label=_("Response"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggested_urgency = forms.ChoiceField(
        label=_("Suggest a consult"),
        required=False,
        choices=[("", _("No consult suggested")), *Urgency.choices],
    )
    call_112 = forms.BooleanField(
        label=_("Tell the nurse to call 112 per local routine"), required=False
    )

    def __init__(self, *args, level: str, rule, **kwargs):
        kwargs.setdefault("prefix", level)
        kwargs.setdefault(
            "initial",
            {
                "monitor_every_minutes": rule.monitor_every_minutes,
                "response": rule.response,
                "suggested_urgency": rule.suggested_urgency,
                "call_112": rule.call_112,
            },
        )
        super().__init__(*args, **kwargs)
        self.level = level
        self.level_label = Level(level).label
        self.rule = rule
