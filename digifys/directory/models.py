import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digifys.accounts.models import Role
from digifys.core.validators import image_upload_validators
from digifys.directory import phone as phone_numbers


class OrganisationQuerySet(models.QuerySet):
    def units(self) -> "OrganisationQuerySet":
        """The region's units (never a company's testbed sandbox: see `sandbox_units`)."""
        from digifys.testbed.models import sandbox_unit_ids

        return self.filter(kind=Organisation.Kind.UNIT).exclude(pk__in=sandbox_unit_ids())

    def sandbox_units(self) -> "OrganisationQuerySet":
        """The units of companies' testbed sandboxes (digifys.testbed), outside the region."""
        from digifys.testbed.models import sandbox_unit_ids

        return self.filter(kind=Organisation.Kind.UNIT, pk__in=sandbox_unit_ids())

    def municipalities(self) -> "OrganisationQuerySet":
        return self.filter(kind=Organisation.Kind.MUNICIPALITY)

    def active(self) -> "OrganisationQuerySet":
        return self.filter(is_active=True)


class Organisation(models.Model):
    """A node of the organisation tree: region → care area → municipality → SÄBO → unit, etc."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        CARE_AREA = "care_area", _("Local health-care area")
        MUNICIPALITY = "municipality", _("Municipality")
        NURSING_HOME = "nursing_home", _("Nursing home")
        UNIT = "unit", _("Unit")
        VIRTUAL_CLINIC = "virtual_clinic", _("Virtual clinic")
        HEALTH_CENTRE = "health_centre", _("Health centre")
        AGENCY = "agency", _("Staffing agency")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Denormalised for fast filtering of units and residents by municipality; set by services.
    municipality = models.ForeignKey(
        "self",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    municipality_code = models.CharField(
        _("municipality code"), max_length=4, blank=True, help_text=_("Four digits, e.g. 2418.")
    )
    hsa_id = models.CharField(_("HSA-id"), max_length=64, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="SE")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    is_active = models.BooleanField(_("active"), default=True)
    # E.164; a unit's number is what relatives are told to call (the relatives' portal).
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        blank=True,
        validators=[phone_numbers.validate],
        help_text=_("A Swedish or Spanish number, e.g. 070-123 45 67 or +34 612 34 56 78."),
    )
    # A unit's numbered rooms (e.g. 101–114). Registration accepts only a room in this range
    # when both ends are set; units without them accept any room label.
    first_room = models.PositiveIntegerField(_("first room"), null=True, blank=True)
    last_room = models.PositiveIntegerField(_("last room"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["hsa_id"], condition=~models.Q(hsa_id=""), name="organisation_hsa_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        if self.kind == self.Kind.UNIT and self.parent_id:
            return f"{self.parent.name} – {self.name}"
        return self.name

    def clean(self) -> None:
        super().clean()
        with contextlib.suppress(ValidationError):
            self.phone = phone_numbers.normalise(self.phone)
        if (self.first_room is None) != (self.last_room is None) or (
            self.has_room_range and self.first_room > self.last_room
        ):
            raise ValidationError(
                {
                    "last_room": _(
                        "Give both the first and the last room, the first not after the last."
                    )
                }
            )

    @property
    def has_room_range(self) -> bool:
        return self.first_room is not None and self.last_room is not None


class StaffQuerySet(models.QuerySet):
    def physicians(self) -> "StaffQuerySet":
        return self.filter(profession=Role.PHYSICIAN)

    def nurses(self) -> "StaffQuerySet":
        return self.filter(profession__in=[Role.NURSE, Role.ASSISTANT_NURSE])

    def users_caring_on(self, unit_id: int) -> list:
        """The active logins of the nurses and assistant nurses assigned to a unit."""
        profiles = self.nurses().filter(units=unit_id, user__is_active=True).select_related("user")
        return [profile.user for profile in profiles]


class StaffProfile(models.Model):
    """A clinician's or administrator's professional profile."""

    class Profession(models.TextChoices):
        PHYSICIAN = Role.PHYSICIAN.value, Role.PHYSICIAN.label
        NURSE = Role.NURSE.value, Role.NURSE.label
        ASSISTANT_NURSE = Role.ASSISTANT_NURSE.value, Role.ASSISTANT_NURSE.label
        COORDINATOR = Role.COORDINATOR.value, Role.COORDINATOR.label
        ADMINISTRATOR = Role.ADMINISTRATOR.value, Role.ADMINISTRATOR.label

    class Country(models.TextChoices):
        SWEDEN = "SE", _("Sweden")
        SPAIN = "ES", _("Spain")

    class Title(models.TextChoices):
        """Professional titles, stored as codes and shown in the reader's language."""

        GENERAL_PRACTICE = "general_practice", _("Specialist in general practice")
        GERIATRICS = "geriatrics", _("Specialist in geriatric medicine")
        PHYSICIAN = "physician", _("Licensed physician")
        LOCUM_PHYSICIAN = "locum_physician", _("Licensed physician, locum")
        REGISTERED_NURSE = (
            "registered_nurse",
            pgettext_lazy("professional title", "Registered nurse"),
        )
        DISTRICT_NURSE = "district_nurse", _("District nurse")
        SPECIALIST_NURSE_OLDER_PEOPLE = (
            "specialist_nurse_older_people",
            _("Specialist nurse in care of older people"),
        )
        ASSISTANT_NURSE = "assistant_nurse", _("Assistant nurse")
        CARE_COORDINATOR = "care_coordinator", _("Care coordinator")
        SYSTEM_ADMINISTRATOR = "system_administrator", _("System administrator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    profession = models.CharField(_("profession"), max_length=20, choices=Profession.choices)
    title = models.CharField(_("title"), max_length=100, blank=True, choices=Title.choices)
    # A title that is none of TITLE's, shown as written (also what a data migration could not
    # map to a code).
    title_other = models.CharField(
        _("other title"),
        max_length=100,
        blank=True,
        help_text=_("Only when the title is none of the list's; shown as written."),
    )
    hsa_id = models.CharField(_("HSA-id"), max_length=64, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=20, blank=True)
    # E.164; the default call-back number of the consults this person sends.
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        blank=True,
        validators=[phone_numbers.validate],
        help_text=_("A Swedish or Spanish number, e.g. 070-123 45 67 or +34 612 34 56 78."),
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    units = models.ManyToManyField(
        Organisation,
        verbose_name=_("assigned units"),
        blank=True,
        related_name="assigned_staff",
        limit_choices_to={"kind": "unit"},
    )
    work_country = models.CharField(
        _("work country"), max_length=2, choices=Country.choices, default=Country.SWEDEN
    )
    work_subdivision = models.CharField(
        _("autonomous community or county"),
        max_length=8,
        blank=True,
        help_text=_("Holiday subdivision code, e.g. AN (Andalusia) or CN (Canary Islands)."),
    )
    work_city = models.CharField(_("work city"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    is_locum = models.BooleanField(_("locum"), default=False)
    photo = models.ImageField(
        _("photo"), upload_to="staff/", blank=True, validators=image_upload_validators
    )
    presentation = models.TextField(_("presentation"), blank=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["hsa_id"], condition=~models.Q(hsa_id=""), name="staff_hsa_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} ({self.get_profession_display()})"

    def clean(self) -> None:
        super().clean()
        # Stored in E.164 whatever the spelling typed (the field's validator has checked it).
        with contextlib.suppress(ValidationError):
            self.phone = phone_numbers.normalise(self.phone)

    @property
    def name(self) -> str:
        return self.user.get_full_name()

    @property
    def title_display(self) -> str:
        """The professional title in the reader's language (or as written when not a code)."""
        return str(self.get_title_display()) if self.title else self.title_other


class StaffLanguage(models.Model):
    class Proficiency(models.TextChoices):
        NATIVE = "native", _("Native")
        FLUENT = "fluent", _("Fluent")
        PROFESSIONAL = "professional", _("Professional working proficiency")
        BASIC = "basic", _("Basic")

    staff = models.ForeignKey(
        StaffProfile, on_delete=models.CASCADE, related_name="languages", verbose_name=_("staff")
    )
    language = models.CharField(_("language"), max_length=8, help_text=_("ISO 639-1, e.g. sv"))
    proficiency = models.CharField(_("proficiency"), max_length=20, choices=Proficiency.choices)

    class Meta:
        verbose_name = _("language skill")
        verbose_name_plural = _("language skills")
        constraints = [
            models.UniqueConstraint(fields=["staff", "language"], name="staff_language_unique")
        ]

    def __str__(self) -> str:
        return f"{self.language} ({self.get_proficiency_display()})"
