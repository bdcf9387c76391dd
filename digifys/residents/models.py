import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.directory import geography
from digifys.directory.models import Organisation, StaffProfile


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ResidentQuerySet":
        """Return the residents this user may see under the care-relationship policy."""
        from digifys.careteams.policy import resident_filter_for

        return self.filter(resident_filter_for(user))

    def active(self) -> "ResidentQuerySet":
        return self.filter(status=Resident.Status.ACTIVE)

    def eligible(self) -> "ResidentQuerySet":
        """Return residents the virtual clinic may serve (see `Resident.is_eligible`)."""
        registered = Q(
            identity_kind=Resident.IdentityKind.PERSONNUMMER,
            eligibility_ended_at__isnull=True,
            home_municipality_code__in=list(geography.municipalities()),
        )
        return self.filter(registered | Q(entitlement_decided_at__isnull=False))

    def in_care(self) -> "ResidentQuerySet":
        """Return residents who appear on the units' lists: everyone living there (active).

        Eligibility (registered in Västerbotten) limits the virtual clinic's care, not the
        municipal nurse at the bedside: a resident whose registration moves elsewhere stays on
        the worklist with their open consults and tasks (issue 19 item 2).
        """
        return self.active()

    def search(self, text: str) -> "ResidentQuerySet":
        """Filter by name words or by (part of) the identity number in any written form."""
        text = text.strip()
        if not text:
            return self
        digits = "".join(ch for ch in text if ch.isdigit())
        if (
            digits
            and len(digits) >= 6
            and len(digits) == len(text.replace("-", "").replace("+", ""))
        ):
            return self.filter(identity_number__contains=digits)
        query = self
        for word in text.split():
            query = query.filter(
                Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(room=word)
            )
        return query


class Resident(models.Model):
    """A person living in a SÄBO unit, cared for by the platform."""

    class IdentityKind(models.TextChoices):
        PERSONNUMMER = "personnummer", _("Personal identity number")
        SAMORDNINGSNUMMER = "samordningsnummer", _("Coordination number")
        RESERVNUMMER = "reservnummer", _("Reserve number")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    identity_kind = models.CharField(
        _("identity number kind"), max_length=20, choices=IdentityKind.choices
    )
    identity_number = models.CharField(
        _("identity number"), max_length=12, unique=True, help_text=_("Stored as 12 characters.")
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    home_municipality_code = models.CharField(_("registered in municipality (code)"), max_length=4)
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"kind": "unit"},
    )
    room = models.CharField(_("room"), max_length=20, blank=True)
    preferred_languages = models.JSONField(
        _("preferred languages"), default=list, blank=True, help_text=_("ISO 639-1 codes.")
    )
    needs_interpreter = models.BooleanField(_("needs interpreter"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=8, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    deceased_on = models.DateField(_("deceased on"), null=True, blank=True)
    cognitive_baseline = models.TextField(_("cognitive baseline"), blank=True)
    drug_related_problems = models.BooleanField(_("drug-related problems suspected"), default=False)
    # When the flag was last set: a simple review is due within MEDICATION_REVIEW_FOLLOWUP_DAYS
    # unless one was made since (HSLF-FS 2017:37).
    drug_related_problems_since = models.DateField(
        _("drug-related problems flagged on"), null=True, blank=True
    )
    eligibility_ended_at = models.DateTimeField(_("eligibility ended"), null=True, blank=True)
    # Entitled to the virtual clinic's care by a basis other than registration in Västerbotten,
    # documented by a coordinator: why, who, when (issue 19 item 10).
    entitlement_basis = models.TextField(_("other basis for entitlement"), blank=True)
    entitlement_decided_by = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entitlement decided by"),
    )
    entitlement_decided_at = models.DateTimeField(
        _("entitlement decided at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age(self, on: datetime.date | None = None) -> int:
        on = on or timezone.localdate()
        before_birthday = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - before_birthday

    @property
    def display_identity_number(self) -> str:
        """Return the number as written in Sweden: YYYYMMDD-NNNC (reserve: YYYYMMDD-RXNN)."""
        return f"{self.identity_number[:8]}-{self.identity_number[8:]}"

    @property
    def is_registered_in_vasterbotten(self) -> bool:
        """Registered (folkbokförd) in a municipality of Västerbotten.

        Only a personnummer shows registration: a samordningsnummer is given to people who are
        not registered in Sweden (domain-spec §4.2), and a reserve number to people whose
        identity is unknown (§4.4), so neither passes by the municipality code alone.
        """
        return (
            self.identity_kind == self.IdentityKind.PERSONNUMMER
            and self.eligibility_ended_at is None
            and geography.is_in_vasterbotten(self.home_municipality_code)
        )

    @property
    def has_documented_entitlement(self) -> bool:
        return self.entitlement_decided_at is not None

    @property
    def is_eligible(self) -> bool:
        """The virtual clinic may serve the resident: registered in Västerbotten, or entitled
        by another documented basis (domain-spec §3.5: the clinic serves only Västerbotten's
        residents)."""
        return self.is_registered_in_vasterbotten or self.has_documented_entitlement

    @property
    def eligibility_basis(self) -> str:
        """Return why the resident is eligible: registered, documented, or empty (not eligible)."""
        if self.is_registered_in_vasterbotten:
            return "registered"
        if self.has_documented_entitlement:
            return "documented"
        return ""

    @property
    def home_municipality_name(self) -> str:
        municipality = geography.municipalities().get(self.home_municipality_code)
        if municipality:
            return municipality.name
        return geography.county_name(self.home_municipality_code) or self.home_municipality_code


class ResidentDataQuerySet(models.QuerySet):
    """Base for every queryset of rows that belong to one resident."""

    def visible_to(self, user) -> "ResidentDataQuerySet":
        from digifys.careteams.policy import resident_field_filter_for

        return self.filter(resident_field_filter_for(user))


class ClinicalRecordQuerySet(ResidentDataQuerySet):
    """Records that belong to a resident and were made by a unit: blocks (spärr) apply."""

    def visible_to(self, user) -> "ClinicalRecordQuerySet":
        from digifys.careteams.policy import record_filter_for

        return self.filter(record_filter_for(user))

    def active(self) -> "ClinicalRecordQuerySet":
        return self.filter(is_active=True)


class ClinicalRecord(models.Model):
    """A record about one resident made by one unit: the policy's blocks (spärr) apply to it.

    `careteams.policy.record_filter_for` filters on the fields `resident` and `unit` (the unit
    that recorded it, whose block hides it from staff of other units), and `objects.visible_to`
    applies that filter. Each concrete record declares its own `resident` foreign key, because
    its reverse name (`resident.diagnoses`, `resident.consults`, …) and deletion rule differ;
    records that may predate units recording them redeclare `unit` as nullable.
    """

    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )

    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        abstract = True


class Diagnosis(ClinicalRecord):
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="diagnoses", verbose_name=_("resident")
    )
    icd10_code = models.CharField(_("ICD-10 code"), max_length=10)
    text = models.CharField(_("diagnosis"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    recorded_on = models.DateField(_("recorded on"), default=datetime.date.today)
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by unit"),
    )

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["icd10_code"]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.text}"


class Medication(ClinicalRecord):
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="medications", verbose_name=_("resident")
    )
    name = models.CharField(_("drug"), max_length=200)
    atc_code = models.CharField(_("ATC code"), max_length=10)
    dose = models.CharField(_("dose"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by unit"),
    )

    class Meta:
        verbose_name = _("medication")
        verbose_name_plural = _("medications")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.dose}"


class TreatmentLimitation(ClinicalRecord):
    """A documented decision to limit treatment, e.g. no CPR (behandlingsbegränsning)."""

    class Kind(models.TextChoices):
        NO_CPR = "no_cpr", _("Do not resuscitate (no CPR)")
        NO_ICU = "no_icu", _("No intensive care")
        NO_HOSPITAL = "no_hospital", _("No hospital transfer")
        OTHER = "other", _("Other limitation")

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="treatment_limitations",
        verbose_name=_("resident"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    decided_by = models.ForeignKey(
        StaffProfile,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    is_active = models.BooleanField(_("in force"), default=True)
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by unit"),
    )

    class Meta:
        verbose_name = _("treatment limitation")
        verbose_name_plural = _("treatment limitations")
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Relative(models.Model):
    """A resident's relative or legal representative (närstående, god man, förvaltare)."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", _("Spouse or partner")
        CHILD = "child", _("Child")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        NIECE_NEPHEW = "niece_nephew", _("Niece or nephew")
        FRIEND = "friend", _("Friend")
        OTHER = "other", _("Other")

    class Representative(models.TextChoices):
        NONE = "", _("Not a legal representative")
        GOOD_MAN = "god_man", _("Guardian (god man)")
        ADMINISTRATOR = "forvaltare", _("Administrator (förvaltare)")

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="relatives", verbose_name=_("resident")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relative_links",
        verbose_name=_("login"),
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    legal_representative = models.CharField(
        _("legal representative"), max_length=20, choices=Representative.choices, blank=True
    )
    # What a relative may see is their consent (relatives.Consent, with its history).

    objects = ResidentDataQuerySet.as_manager()

    class Meta:
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_legal_representative(self) -> bool:
        return bool(self.legal_representative)
