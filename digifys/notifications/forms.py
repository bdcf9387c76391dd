import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from digifys.core.time import STOCKHOLM_NAME

from . import topics
from .delivery import normalise_mobile
from .models import Channel

# Zones offered first: where the region's relatives and staff usually are.
_COMMON_ZONES = [
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Madrid",
    "Atlantic/Canary",
]


def zone_choices() -> list[tuple[str, str]]:
    others = sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [(zone, zone.replace("_", " ")) for zone in _COMMON_ZONES] + [
        (zone, zone.replace("_", " ")) for zone in others if zone not in _COMMON_ZONES
    ]


class DeliveryPreferencesForm(forms.Form):
    """How each topic reaches the person, their mobile number and quiet hours.

    One radio field per topic (`topic_<key>`), built for the person's audience.
    """

    mobile = forms.CharField(
        label=_("Mobile number for SMS"),
        required=False,
        max_length=30,
        help_text=_("Only needed for SMS, e.g. 070-123 45 67 or +46 70 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    quiet_from = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        help_text=_("Quiet hours follow the clock where you are."),
    )

    def __init__(self, *args, audience: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.audience = audience
        self.topics = topics.topics_for(audience)
        for topic in self.topics:
            choices = [(Channel.EMAIL, Channel.EMAIL.label), (Channel.SMS, Channel.SMS.label)]
            if not topic.required:
                choices.append((Channel.NONE, Channel.NONE.label))
            self.fields[self.topic_field(topic)] = forms.ChoiceField(
                label=topic.label,
                help_text=topic.help,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how you want to get these.")},
            )
        if audience == topics.STAFF:
            del self.fields["time_zone"]  # staff: the zone of their staff profile
        else:
            self.fields["time_zone"].choices = zone_choices()

    @staticmethod
    def topic_field(topic: topics.Topic) -> str:
        return f"topic_{topic.key}"

    def topic_fields(self) -> list:
        return [self[self.topic_field(topic)] for topic in self.topics]

    def clean_mobile(self) -> str:
        return normalise_mobile(self.cleaned_data.get("mobile", ""))

    def clean_time_zone(self) -> str:
        return self.cleaned_data.get("time_zone") or STOCKHOLM_NAME

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if (start is None) != (end is None):
            missing = "quiet_until" if end is None else "quiet_from"
            if not self.has_error(missing):
                self.add_error(
                    missing,
                    _("Give both the start and the end of quiet hours, or leave both empty."),
                )
        if start is not None and start == end:
            self.add_error(
                "quiet_until", _("Quiet hours must end at another time than they start.")
            )
        wants_sms = any(data.get(self.topic_field(topic)) == Channel.SMS for topic in self.topics)
        if wants_sms and not data.get("mobile") and not self.has_error("mobile"):
            self.add_error("mobile", _("Enter your mobile number to get SMS."))
        return data

    def channels(self) -> dict[str, str]:
        """Topic key -> chosen channel (after validation)."""
        return {topic.key: self.cleaned_data[self.topic_field(topic)] for topic in self.topics}
