"""The trust survey (issue #13 §4): how relatives and residents find the care, every 3 months.

Two tables, deliberately not joinable:

- `Invitation` says who was asked (a relative through one consent link, or a resident with a
  login of their own), about which unit, for which round, and only *whether* they answered:
  `answered` is a boolean with no time, and nothing on the invitation points at an answer.
- `Answer` keeps the answer and only what the results need: the unit (and its municipality), the
  month (its first day, not the day or time), the relationship type and the five item scores,
  plus the free text. It has no user, no relative, no invitation, no timestamp, and its primary
  key is a random UUID, so neither a foreign key, nor a time, nor the order of keys leads from an
  answer back to an invitation. `trust.services.submit_answer` writes both rows in one
  transaction: the invitation is marked answered, the answer inserted.

What remains: within one unit, month and relationship type, the answers of a few people cannot be
told apart from each other only if there are several; the results therefore show a cell only with
at least `MIN_CELL` answers (in the page and the CSV). Someone with raw database access who
watched writes as they happened could still pair them; free text is the respondent's own words
and may identify them — the form asks them not to write names.

#16 (insights) builds on `Answer`: one row per answer, columns as below.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory.models import Organisation
from digifys.relatives.models import ResidentLogin
from digifys.residents.models import Relative

MIN_CELL = 5  # fewer answers than this in a cell: not shown (small cells suppressed)
ROUND_MONTHS = 3  # a survey every three months per consent (or resident login)

# The relationship types answers are grouped by: a relative's relationship, or the resident.
RESIDENT = "resident"
RELATIONSHIPS = [*Relative.Relationship.choices, (RESIDENT, _("The resident"))]


class Item(models.TextChoices):
    """The five statements, each scored 1 (not at all) – 5 (completely); field names alike."""

    KNOWS_DOCTOR = "knows_doctor", _("I know who the doctor is.")
    GETS_INFORMATION = "gets_information", _("I get information when something happens.")
    REACHES_TEAM = "reaches_team", _("I can reach the care team when I need to.")
    TRUSTS_CARE = "trusts_care", _("I trust the care my relative gets.")
    BETTER = "better", _("In the last six months the care has become better.")


RESIDENT_WORDING = {
    Item.TRUSTS_CARE: _("I trust the care I get."),
}


class Invitation(models.Model):
    """One person asked once (one round): who, about which unit, and whether they answered."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="trust_invitations",
        verbose_name=_("recipient"),
    )
    relative = models.ForeignKey(
        Relative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trust_invitations",
        verbose_name=_("relative"),
    )
    resident_login = models.ForeignKey(
        ResidentLogin,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trust_invitations",
        verbose_name=_("resident's own login"),
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=RELATIONSHIPS)
    round_start = models.DateField(_("round"))
    closes_on = models.DateField(_("open until"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # Whether, never when: see the module docstring.
    answered = models.BooleanField(_("answered"), default=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-round_start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(relative__isnull=True) ^ Q(resident_login__isnull=True),
                name="trust_invitation_one_respondent",
            ),
            models.UniqueConstraint(
                fields=["relative", "round_start"], name="trust_invitation_relative_round"
            ),
            models.UniqueConstraint(
                fields=["resident_login", "round_start"], name="trust_invitation_resident_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.round_start:%Y-%m-%d}"


def _score(label):
    return models.PositiveSmallIntegerField(label)


class Answer(models.Model):
    """One submitted survey, without the respondent: unit, month, relationship, scores, text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    municipality = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    month = models.DateField(_("month"))  # always the first day of the month
    relationship = models.CharField(_("relationship"), max_length=20, choices=RELATIONSHIPS)
    knows_doctor = _score(Item.KNOWS_DOCTOR.label)
    gets_information = _score(Item.GETS_INFORMATION.label)
    reaches_team = _score(Item.REACHES_TEAM.label)
    trusts_care = _score(Item.TRUSTS_CARE.label)
    better = _score(Item.BETTER.label)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["unit", "month"]), models.Index(fields=["month"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{item}__gte": 1, f"{item}__lte": 5}),
                name=f"trust_answer_{item}_1_to_5",
            )
            for item in Item.values
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"
