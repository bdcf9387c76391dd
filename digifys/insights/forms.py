"""Forms for hospital transfers: they parse what was typed; the services own the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateTimeField

from .models import HospitalTransfer

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class TransferForm(forms.Form):
    occurred_at = DateTimeField(
        label=_("Left the unit at"),
        help_text=_("Stockholm time."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Give the date and time the resident left the unit."),
            "invalid": _("Write the time as YYYY-MM-DD HH:MM."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=HospitalTransfer.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a hospital admission or an emergency department visit."),
            "invalid_choice": _("Choose a hospital admission or an emergency department visit."),
        },
    )
    destination = forms.CharField(
        label=_("Where to"),
        max_length=200,
        help_text=_("E.g. the hospital's name and department."),
        error_messages={"required": _("Write where the resident went, e.g. the hospital's name.")},
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write why the resident was transferred.")},
    )
    consult_first = forms.ChoiceField(
        label=_("Did a digital consult with a physician happen first?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether a digital consult happened first."),
            "invalid_choice": _("Say whether a digital consult happened first."),
        },
    )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["consult_first"] = _yes_no(data["consult_first"])
        return data


class JudgementForm(forms.Form):
    avoidable = forms.ChoiceField(
        label=_("Was the transfer avoidable?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the transfer was avoidable."),
            "invalid_choice": _("Say whether the transfer was avoidable."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def values(self) -> dict:
        return {
            "avoidable": _yes_no(self.cleaned_data["avoidable"]),
            "comment": self.cleaned_data["comment"],
        }
