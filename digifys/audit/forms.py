import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import DateField, IntegerField

from .models import LogReviewItem


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StartReviewForm(forms.Form):
    period_start = DateField(label=_("From"), widget=_date_input())
    period_end = DateField(label=_("To"), widget=_date_input())
    sample_size = IntegerField(
        label=_("Random sample size"),
        min_value=0,
        max_value=500,
        initial=20,
        help_text=_("Entries picked at random, in addition to those the review rules select."),
    )

    @classmethod
    def for_last_month(cls) -> "StartReviewForm":
        """Return an unbound form proposing the previous calendar month."""
        first_of_month = timezone.localdate().replace(day=1)
        end = first_of_month - datetime.timedelta(days=1)
        return cls(initial={"period_start": end.replace(day=1), "period_end": end})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The end of the period must be on or after its start."))
        return cleaned


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("", _("Choose…")),
            *(
                choice
                for choice in LogReviewItem.Outcome.choices
                if choice[0] != LogReviewItem.Outcome.PENDING
            ),
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required unless the access was justified."),
    )


class CloseReviewForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the findings"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was checked, what was found, and what follow-up was decided."),
    )


class ExtractFilterForm(forms.Form):
    since = DateField(label=_("From"), required=False, widget=_date_input())
    until = DateField(label=_("To"), required=False, widget=_date_input())

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period must be on or after its start."))
        return cleaned
