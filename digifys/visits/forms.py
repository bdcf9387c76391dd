from django import forms
from django.utils.translation import gettext_lazy as _

from .models import GuestInvite


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Invite as"), choices=GuestInvite.Kind.choices, widget=forms.RadioSelect
    )
    phone = forms.CharField(
        label=_("Mobile phone (the link and the code are sent by SMS)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("or e-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, interpreter_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if interpreter_only:
            # Family meetings: relatives are invited by name (InviteRelativeForm).
            self.fields["kind"].choices = [
                (GuestInvite.Kind.INTERPRETER, GuestInvite.Kind.INTERPRETER.label)
            ]
            self.fields["kind"].initial = GuestInvite.Kind.INTERPRETER

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and "email" not in self.errors:
            self.add_error("phone", _("Give a mobile number or an e-mail address."))
        return data


class GuestCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class EndForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, end the video visit for everybody"),
        error_messages={"required": _("Confirm that you want to end the video visit.")},
    )


class InviteRelativeForm(forms.Form):
    relative = forms.IntegerField(widget=forms.HiddenInput)
