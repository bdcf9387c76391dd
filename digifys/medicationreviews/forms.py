"""The medication review form: it parses what was typed; the service owns the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField

from .models import MedicationReview


class ReviewForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of review"),
        choices=MedicationReview.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a simple or an extended review.")},
    )
    performed_on = DateField(
        label=_("Date of the review"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Give the date of the review."),
            "invalid": _("Write the date as YYYY-MM-DD."),
        },
    )
    findings = forms.CharField(
        label=_("Findings"),
        max_length=5000,
        help_text=_(
            "What is prescribed and why, what the resident actually takes, interactions, "
            "duplicates, unsuitable drugs or doses, side effects."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write what the review found.")},
    )
    changes = forms.CharField(
        label=_("Changes to the medication"),
        max_length=5000,
        required=False,
        help_text=_("Leave empty if nothing was changed."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    drug_related_problems = forms.BooleanField(
        label=_("Drug-related problems remain or are suspected (consider an extended review)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        if not args or args[0] is None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].setdefault("performed_on", timezone.localdate())
            kwargs["initial"].setdefault("kind", MedicationReview.Kind.SIMPLE)
        super().__init__(*args, **kwargs)
