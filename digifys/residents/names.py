"""What a resident's name and room may be (issue 12 §4.8).

A name is letters (any alphabet, so Swedish å ä ö, Spanish ñ á, Sami á č đ ŋ š ŧ ž and the
names of residents born abroad all pass), joined by single spaces, hyphens or apostrophes, at
most NAME_MAX_LENGTH characters: enough for "Maria Fernanda de los Ángeles" and short enough not
to swamp a worklist row. Markup, digits and other symbols are refused rather than escaped.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAME_MAX_LENGTH = 60
# ’ (U+2019) is how phones and word processors type an apostrophe.
NAME_JOINERS = frozenset(" -'’")


def clean_name(text: str) -> str:
    """The name tidied (NFC, single spaces); ValidationError with a translated message if bad."""
    name = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not name:
        raise ValidationError(_("Enter the name."), code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("A name can be at most %(max)s characters (this one has %(count)s).")
            % {"max": NAME_MAX_LENGTH, "count": len(name)},
            code="max_length",
        )
    previous = ""
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L") or (category.startswith("M") and previous.isalpha()):
            previous = char if category.startswith("L") else previous
            continue
        if char in NAME_JOINERS and previous and previous not in NAME_JOINERS:
            previous = char
            continue
        raise ValidationError(
            _(
                "A name can contain letters, spaces, hyphens and apostrophes only, "
                "e.g. Anna-Lena O’Brien."
            ),
            code="invalid",
        )
    if previous in NAME_JOINERS:
        raise ValidationError(
            _(
                "A name can contain letters, spaces, hyphens and apostrophes only, "
                "e.g. Anna-Lena O’Brien."
            ),
            code="invalid",
        )
    return name


def clean_room(text: str, unit) -> str:
    """The room, checked against the unit's numbered rooms when the unit defines them."""
    room = (text or "").strip()
    if not room or not unit.has_room_range:
        return room
    if not room.isdigit() or not unit.first_room <= int(room) <= unit.last_room:
        raise ValidationError(
            _("%(unit)s has rooms %(first)s–%(last)s. Choose one of them.")
            % {"unit": unit.name, "first": unit.first_room, "last": unit.last_room},
            code="invalid_room",
        )
    return str(int(room))
