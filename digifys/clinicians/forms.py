from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from digifys.accounts.models import Role
from digifys.core.forms import DateField
from digifys.directory.models import Organisation, StaffProfile

from .models import ChecklistTick, Clinician, ClinicianDocument, ClinicianLanguage


class ClinicianForm(forms.ModelForm):
    contract_until = DateField(label=capfirst(_("contract until")), required=False)
    licence_date = DateField(label=capfirst(_("licence date")), required=False)
    licence_valid_until = DateField(label=capfirst(_("licence valid until")), required=False)
    specialist_date = DateField(label=capfirst(_("specialist since")), required=False)

    class Meta:
        model = Clinician
        fields = [
            "recruitment_status",
            "employer",
            "contract",
            "contract_until",
            "licence_profession",
            "licence_number",
            "licence_date",
            "licence_status",
            "licence_valid_until",
            "specialist_certificate",
            "specialist_date",
            "eu_recognition",
            "supervisor",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = Organisation.objects.exclude(
            kind=Organisation.Kind.UNIT
        ).order_by("name")
        self.fields["supervisor"].queryset = (
            StaffProfile.objects.filter(profession=Role.PHYSICIAN, user__is_active=True)
            .exclude(pk=self.instance.staff_id)
            .select_related("user")
        )
        for name in ("contract_until", "licence_date", "licence_valid_until", "specialist_date"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})


class WorkPlaceForm(forms.Form):
    work_city = forms.CharField(label=capfirst(_("work location")), max_length=100, required=False)
    time_zone = forms.ChoiceField(
        label=capfirst(_("time zone")),
        choices=[
            ("Europe/Stockholm", "Europe/Stockholm"),
            ("Europe/Madrid", "Europe/Madrid"),
            ("Atlantic/Canary", "Atlantic/Canary"),
        ],
    )


class LanguageForm(forms.ModelForm):
    course_until = DateField(label=capfirst(_("language course ends")), required=False)

    class Meta:
        model = ClinicianLanguage
        fields = ["language", "level", "course_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course_until"].widget = forms.DateInput(attrs={"type": "date"})

    def validate_unique(self) -> None:
        """An existing language is changed, not refused (the service updates it)."""


class DocumentForm(forms.ModelForm):
    expires_on = DateField(label=capfirst(_("expires on")), required=False)

    class Meta:
        model = ClinicianDocument
        fields = ["kind", "file", "expires_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["file"].widget.attrs["accept"] = "application/pdf,.pdf"
        self.fields["file"].help_text = _("A PDF of at most 10 MB.")


class TickForm(forms.Form):
    step = forms.ChoiceField(choices=ChecklistTick.Step.choices)
    done = forms.BooleanField(required=False)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=capfirst(_("Comment to the author")),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=capfirst(_("I have read the draft and take responsibility for it.")), required=True
    )
