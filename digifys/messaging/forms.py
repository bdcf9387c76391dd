from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ANSWER_MAX_LENGTH, MESSAGE_MAX_LENGTH, UPDATE_MAX_LENGTH


def _limit_message(limit: int) -> str:
    return _("At most %(limit)d characters, please.") % {"limit": limit}


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message to the unit"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The unit's nurses read it on working days. Do not use it for emergencies."),
        error_messages={"required": _("Write your message first.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["max_length"] = _limit_message(MESSAGE_MAX_LENGTH)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain language. The relative sees your answer after logging in."),
        error_messages={"required": _("Write the answer first.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].error_messages["max_length"] = _limit_message(ANSWER_MAX_LENGTH)


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("Update for the relatives"),
        max_length=UPDATE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Plain language, a few sentences: how the resident is, what has happened. "
            "No diagnoses, test results or medication details."
        ),
        error_messages={"required": _("Write the update first.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["max_length"] = _limit_message(UPDATE_MAX_LENGTH)


class HandOverForm(forms.Form):
    physician = forms.ModelChoiceField(
        label=_("Physician"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Choose a physician.")},
    )

    def __init__(self, *args, physicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["physician"].queryset = physicians
        self.fields["physician"].label_from_instance = lambda staff: staff.name
