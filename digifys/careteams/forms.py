from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation

from .models import Block


class EmergencyLookupForm(forms.Form):
    identity_number = forms.CharField(
        label=_("Identity number"),
        max_length=20,
        help_text=_("The resident's personnummer or samordningsnummer."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EmergencyReasonForm(EmergencyLookupForm):
    reason = forms.CharField(
        label=_("Why do you need access now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    confirm = forms.BooleanField(
        label=_(
            "I need this resident's data for care the resident urgently needs, and I understand "
            "that this access is logged and reviewed."
        )
    )


class ConsentOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("How did the resident consent?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
    confirm = forms.BooleanField(
        label=_("The resident has consented to open the blocked records to me.")
    )


class BlockForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit whose records are blocked"),
        queryset=Organisation.objects.units().select_related("parent"),
    )
    reason = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LiftBlockForm(forms.Form):
    basis = forms.ChoiceField(
        label=_("Basis for lifting the block"),
        choices=Block.LiftBasis.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("How did the resident consent, or why is the block lifted?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the block and in the access log."),
    )


def physician_label(staff) -> str:
    """A physician's choice label: name, current panel size, languages, locum."""
    languages = ", ".join(sorted(lang.language for lang in staff.languages.all())) or "–"
    label = _("%(name)s — named %(named)d, deputy %(deputy)d — languages: %(languages)s") % {
        "name": staff.name,
        "named": staff.named_count,
        "deputy": staff.deputy_count,
        "languages": languages,
    }
    if staff.is_locum:
        label = f"{label} ({_('Locum')})"
    return label


class PhysicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return physician_label(obj)


class PanelSearchForm(forms.Form):
    SORTS = [
        ("name", _("Name")),
        ("-named", _("Most named residents first")),
        ("named", _("Fewest named residents first")),
        ("-deputy", _("Most deputy residents first")),
        ("deputy", _("Fewest deputy residents first")),
    ]
    q = forms.CharField(label=_("Search physician by name"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)


class AssignPhysicianForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("named", _("Named physician")), ("deputy", _("Deputy"))],
        widget=forms.RadioSelect,
    )
    physician = PhysicianChoiceField(label=_("Physician"), queryset=None)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the assignment history and the access log."),
    )
    confirm_replace = forms.BooleanField(
        label=_("I understand that the current physician's assignment in this role ends now."),
        required=False,
    )

    def __init__(self, *args, physicians, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["physician"].queryset = physicians
        self.current = current

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        existing = self.current.get(role)
        physician = cleaned.get("physician")
        replacing = existing is not None and (
            physician is None or existing.physician_id != physician.pk
        )
        if replacing and not cleaned.get("confirm_replace"):
            self.add_error(
                "confirm_replace",
                _("%(name)s is the current %(role)s. Confirm that their assignment ends.")
                % {"name": existing.physician.name, "role": existing.get_role_display().lower()},
            )
        return cleaned
