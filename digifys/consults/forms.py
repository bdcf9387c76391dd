"""Forms of the consult UI: the SBAR form with photos, the thread's actions and the journal note.

Messages for empty SBAR sections use the same wording as `services.send_consult`, so the form and
the service say the same thing whichever of them catches the mistake.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digifys.core.forms import IntegerField
from digifys.core.validators import IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, MaxFileSizeValidator
from digifys.directory import phone
from digifys.directory.models import StaffProfile
from digifys.vitals.models import Observation, Urgency

from .services import MAX_PHOTOS

# What Pillow must find inside a photo, whatever its name says.
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}

SBAR_TEXTAREA = {"rows": 4, "spellcheck": "true"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input; each file is checked on its own (Django docs, "Uploading
    multiple files"), and each error names the file and says to choose it again."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int = MAX_PHOTOS, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise ValidationError(
                _("Send at most %(count)s photos with one consult.") % {"count": self.max_files},
                code="too_many",
            )
        errors = []
        for upload in files:
            message = _check_photo(upload)
            if message:
                errors.append(
                    ValidationError(
                        _("%(file)s: %(problem)s Choose the photo again."),
                        params={"file": upload.name, "problem": message},
                        code="bad_photo",
                    )
                )
        if errors:
            raise ValidationError(errors)
        return files


def _check_photo(upload) -> str:
    """Return why UPLOAD is not an acceptable photo, or an empty string."""
    try:
        MaxFileSizeValidator(MAX_IMAGE_BYTES)(upload)
    except ValidationError as exc:
        return " ".join(exc.messages)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    kinds = ", ".join(ext.upper() for ext in IMAGE_EXTENSIONS)
    if extension not in IMAGE_EXTENSIONS:
        return gettext("Only photos of these types can be sent: %(kinds)s.") % {"kinds": kinds}
    try:
        # ImageField has Pillow open and verify the file: a renamed text file fails here.
        checked = forms.ImageField().clean(upload)
    except ValidationError:
        return gettext("The file is not a photo that can be read (%(kinds)s).") % {"kinds": kinds}
    image = getattr(checked, "image", None)
    if image is None or image.format not in IMAGE_FORMATS:
        return gettext("The file is not a photo that can be read (%(kinds)s).") % {"kinds": kinds}
    upload.seek(0)
    return ""


class ConsultForm(forms.Form):
    """The SBAR consult (domain-spec §2): identity, the four sections, urgency and photos."""

    # One key per form shown: the same post sent twice makes one consult (services.send_consult).
    # A hidden field the nurse cannot correct: a missing or unreadable key only means no
    # protection against a repeat, never an error (see clean_idempotency_key).
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    caller_phone = forms.CharField(
        label=_("Phone to call back"),
        max_length=30,
        required=False,
        help_text=_("The number the physician calls to reach you."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    situation = forms.CharField(
        label=_("S – Situation"),
        max_length=5000,
        help_text=_("Why you are calling and what worries you, in a sentence or two."),
        error_messages={
            "required": _("Describe the situation: why you are calling, in one sentence or two.")
        },
        widget=forms.Textarea(attrs={**SBAR_TEXTAREA, "rows": 3}),
    )
    background = forms.CharField(
        label=_("B – Background"),
        max_length=10000,
        help_text=_(
            "Filled in from the record: diagnoses, medication, limitation decisions. "
            "Edit as needed."
        ),
        error_messages={
            "required": _("Give the background: diagnoses, medication, limitation decisions.")
        },
        widget=forms.Textarea(attrs={**SBAR_TEXTAREA, "rows": 8}),
    )
    assessment = forms.CharField(
        label=_("A – Current condition"),
        max_length=10000,
        help_text=_(
            "Filled in with the vital signs and NEWS2. Add what you see and your assessment."
        ),
        error_messages={
            "required": _("Describe the current condition: vital signs and your assessment.")
        },
        widget=forms.Textarea(attrs={**SBAR_TEXTAREA, "rows": 10}),
    )
    recommendation = forms.CharField(
        label=_("R – Recommendation"),
        max_length=5000,
        help_text=_("What you ask the physician for (advice, visit, order, transfer) and by when."),
        error_messages={"required": _("Say what you ask the physician for, and by when.")},
        widget=forms.Textarea(attrs={**SBAR_TEXTAREA, "rows": 3}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how urgent the consult is."),
            "invalid_choice": _("Choose how urgent the consult is."),
        },
    )
    urgency_reason = forms.CharField(
        label=_("Reason for a lower urgency than suggested"),
        max_length=2000,
        required=False,
        help_text=_(
            "Only needed when you choose a lower urgency than the unit's escalation table "
            "suggests for these vital signs, e.g. a treatment-limitation decision."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    observation = forms.ModelChoiceField(
        queryset=Observation.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _(
                "The vital signs given with the consult could not be found. Send it without them "
                "or open the form again from the vital signs."
            )
        },
    )
    photos = MultipleImageField(
        label=_("Photos (optional)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, observations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if observations is not None:
            self.fields["observation"].queryset = observations
        self.fields["photos"].help_text = gettext(
            "Up to %(count)s photos, JPEG, PNG or WebP, at most %(size)s MB each."
        ) % {"count": MAX_PHOTOS, "size": MAX_IMAGE_BYTES // (1024 * 1024)}

    def clean_idempotency_key(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data["idempotency_key"])
        except ValueError:
            return None

    def clean_caller_phone(self) -> str:
        # A Swedish or Spanish number, kept in E.164 (issue 12 §4.7); the bound form still shows
        # exactly what was typed when it is refused.
        return phone.normalise(self.cleaned_data["caller_phone"])


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(
        choices=[("message", _("Message")), ("vitals_request", _("Ask for new vital signs"))],
        required=False,
        widget=forms.HiddenInput,
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "message"


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(
        label=_("Hand over to"),
        queryset=StaffProfile.objects.none(),
        empty_label=_("Choose a physician"),
        error_messages={"required": _("Choose an active physician.")},
    )
    reason = forms.CharField(
        label=_("Reason for handing over"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why you hand the consult over.")},
    )

    def __init__(self, *args, current: StaffProfile | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        physicians = StaffProfile.objects.physicians().filter(user__is_active=True)
        if current is not None:
            physicians = physicians.exclude(pk=current.pk)
        self.fields["to"].queryset = physicians.select_related("user", "employer").order_by(
            "user__last_name", "user__first_name", "pk"
        )
        self.fields["to"].label_from_instance = _physician_label


def _physician_label(staff: StaffProfile) -> str:
    place = staff.work_city or staff.employer.name
    return f"{staff.name} ({place})" if place else staff.name


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing"),
        max_length=1000,
        help_text=_("e.g. answered by phone, resident moved to hospital, no longer needed."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the consult is closed.")},
    )


class NoteForm(forms.Form):
    """A journal note in Swedish keyword structure (the record stays in Swedish)."""

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
    amends = IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("aktuellt", "status", "bedomning", "atgard")):
            raise ValidationError(_("Write the note before saving."))
        return cleaned


class SignNoteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the note and sign it. It cannot be changed afterwards."),
        error_messages={"required": _("Confirm that you sign the note.")},
    )
