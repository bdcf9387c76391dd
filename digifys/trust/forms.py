from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RESIDENT_WORDING, Item

SCALE = [(value, str(value)) for value in range(1, 6)]


class AnswerForm(forms.Form):
    """The five statements (1 = not at all, 5 = completely) and an optional comment."""

    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Please write no names: your answer is anonymous."),
    )

    def __init__(self, *args, resident: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        items = {}
        for item in Item:
            label = RESIDENT_WORDING.get(item, item.label) if resident else item.label
            items[item.value] = forms.TypedChoiceField(
                label=label,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose a number from 1 to 5.")},
            )
        # The statements first, the comment last.
        self.fields = {**items, "comment": self.fields["comment"]}

    def items(self):
        return [self[item] for item in Item.values]


class ResultsFilterForm(forms.Form):
    """Which unit or municipality to show (values "u<pk>" / "m<pk>")."""

    where = forms.ChoiceField(label=_("Unit or municipality"), required=False)

    def __init__(self, *args, units, municipalities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        if municipalities:
            choices.append((_("Municipalities"), [(f"m{m.pk}", m.name) for m in municipalities]))
        choices.append((_("Units"), [(f"u{u.pk}", f"{u.parent.name} – {u.name}") for u in units]))
        self.fields["where"].choices = choices
