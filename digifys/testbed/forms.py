import json

from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.fhir.jwks import public_jwks
from digifys.fhir.jwks import uri_problem as jwks_uri_problem

from . import orgnr
from .models import RESOURCES


class ApplicationForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    organisation_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("Ten digits, e.g. 556677-8899."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone number"), max_length=30)
    purpose = forms.CharField(
        label=_("What do you want to test?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
    )
    resources = forms.MultipleChoiceField(
        label=_("FHIR resources you will use"),
        choices=[(name, name) for name in RESOURCES],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_organisation_number(self) -> str:
        value = orgnr.normalise(self.cleaned_data["organisation_number"])
        if value is None:
            raise forms.ValidationError(
                _(
                    "This is not a valid Swedish organisation number: ten digits, the third 2 "
                    "or more, the last a check digit (e.g. 556677-8899)."
                )
            )
        return value


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the company is told it)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class ClientForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the client"),
        max_length=200,
        help_text=_("E.g. the device or app that will use it."),
    )


# Members of a JWK that only a private (or symmetric) key has (RFC 7518 §6).
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


class KeyClientForm(forms.Form):
    """A SMART Backend Services client: its public keys pasted as a JWKS, or their address."""

    name = forms.CharField(
        label=_("Name of the client"),
        max_length=200,
        help_text=_("E.g. the device or integration that will use it."),
    )
    jwks = forms.CharField(
        label=_("Public keys (JWKS, JSON)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            'Paste {"keys": [...]} with RS384 (RSA) or ES384 (EC P-384) public keys. '
            "Never paste a private key."
        ),
    )
    jwks_uri = forms.URLField(
        label=_("Or: the https address where you publish them (jwks_uri)"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )

    def clean_jwks(self):
        text = self.cleaned_data["jwks"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("This is not JSON.")) from error
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list) or not keys:
            raise forms.ValidationError(_('A JWKS is a JSON object with a list "keys".'))
        for key in keys:
            if not isinstance(key, dict):
                raise forms.ValidationError(_('Each entry of "keys" is a JSON object (a key).'))
            if any(member in key for member in PRIVATE_MEMBERS):
                raise forms.ValidationError(
                    _(
                        "This contains private key material. Nothing was saved: paste the public "
                        "keys only, and make a new key pair, since this private key has left "
                        "your hands."
                    )
                )
            rsa = key.get("kty") == "RSA" and key.get("alg") in (None, "RS384")
            ec = key.get("kty") == "EC" and key.get("crv") == "P-384"
            if not (rsa or (ec and key.get("alg") in (None, "ES384"))):
                raise forms.ValidationError(
                    _("Only RS384 (RSA) and ES384 (EC P-384) public keys are accepted.")
                )
        try:
            return public_jwks(data)
        except ValueError as error:
            raise forms.ValidationError(_("A key of this JWKS cannot be read.")) from error

    def clean_jwks_uri(self):
        uri = self.cleaned_data["jwks_uri"].strip()
        if uri and jwks_uri_problem(uri):
            raise forms.ValidationError(
                _("Give an https address on the public internet (not a local or private one).")
            )
        return uri

    def clean(self):
        cleaned = super().clean()
        given = "jwks" in cleaned and "jwks_uri" in cleaned
        if given and (cleaned["jwks"] is None) == (not cleaned["jwks_uri"]):
            raise forms.ValidationError(
                _("Give either the public keys or their address, not both and not neither.")
            )
        return cleaned
