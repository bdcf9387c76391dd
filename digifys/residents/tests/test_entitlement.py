"""Issue 19 items 9 and 10: the eligibility rule made explicit, and reserve numbers.

Eligible for the virtual clinic's care = registered (folkbokförd) in Västerbotten, or entitled by
another documented basis (who decided, when, why). A samordningsnummer holder is by definition
not in the population register, so does not pass "registered" by default; neither does a person
known only by a reserve number.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.residents import services
from digifys.residents.models import Resident

SAMORDNINGSNUMMER = "701063-2391"  # Skatteverket's published example (domain-spec §4.2)
RESERVE = "19400101-R601"  # Region Västerbotten form YYYYMMDD-RXNN (domain-spec §4.4)
BASIS = "Bor på Malåhemmet sedan 2025; regionens beslut om vård trots samordningsnummer."


def _register(world, number, **extra):
    values = {
        "actor": world.coordinator,
        "identity_number": number,
        "given_name": "Sigrid",
        "family_name": "Holm",
        "home_municipality_code": "2418",
        "unit": world.unit_mala,
    }
    values.update(extra)
    return services.register_resident(**values)


def test_a_samordningsnummer_holder_does_not_pass_registered_in_vasterbotten(world):
    with pytest.raises(ValidationError) as caught:
        _register(world, SAMORDNINGSNUMMER)
    message = caught.value.message_dict["entitlement_basis"][0]
    assert "samordningsnummer" in message
    assert "documented basis" in message
    assert not Resident.objects.filter(family_name="Holm").exists()


def test_a_samordningsnummer_holder_is_entitled_by_a_documented_basis(world):
    resident = _register(world, SAMORDNINGSNUMMER, entitlement_basis=BASIS)
    assert resident.identity_kind == Resident.IdentityKind.SAMORDNINGSNUMMER
    assert not resident.is_registered_in_vasterbotten
    assert resident.is_eligible
    assert resident.eligibility_basis == "documented"
    assert resident.entitlement_decided_by == world.coordinator.staff_profile
    assert resident.entitlement_decided_at is not None
    assert Resident.objects.eligible().filter(pk=resident.pk).exists()


def test_a_personnummer_registered_in_mala_is_eligible_as_registered(world):
    assert world.resident_mala.eligibility_basis == "registered"
    assert Resident.objects.eligible().filter(pk=world.resident_mala.pk).exists()


def test_the_overview_shows_the_basis_and_who_decided(world, login):
    resident = _register(world, SAMORDNINGSNUMMER, entitlement_basis=BASIS)
    client = login(world.coordinator, language="en")
    html = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "Entitled by a documented basis" in html
    assert BASIS in html
    assert world.coordinator.get_full_name() in html
    html = client.get(reverse("residents:detail", args=[world.resident_mala.pk])).content.decode()
    assert "Registered in Västerbotten" in html


def test_a_coordinator_documents_a_basis_for_a_resident_registered_elsewhere(world, login):
    resident = world.resident_mala
    services.change_registration(
        actor=world.coordinator, resident=resident, municipality_code="0180"
    )
    resident.refresh_from_db()
    assert not resident.is_eligible
    client = login(world.coordinator, language="en")
    url = reverse("residents:entitlement", args=[resident.pk])
    assert client.get(url).status_code == 200
    # An empty basis is refused and changes nothing.
    assert client.post(url, {"basis": "  "}).status_code == 400
    resident.refresh_from_db()
    assert not resident.is_eligible
    response = client.post(url, {"basis": "Avtal med Region Stockholm om fortsatt vård."})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.is_eligible
    assert resident.eligibility_basis == "documented"
    assert AuditEvent.objects.filter(object_type="entitlement", resident=resident).exists()


def test_only_a_coordinator_documents_a_basis(world):
    with pytest.raises(PermissionDenied):
        services.document_entitlement(
            actor=world.nurse_mala, resident=world.resident_mala, basis=BASIS
        )


# --- Item 9: reserve numbers ---------------------------------------------------------------


def test_an_unidentified_resident_is_registered_with_a_reserve_number(world, login):
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("residents:register"),
        {
            "identity_number": RESERVE,
            "given_name": "Okänd",
            "family_name": "Kvinna",
            "home_municipality_code": "2418",
            "unit": world.unit_mala.pk,
            "entitlement_basis": "Oidentifierad, bor på Malåhemmet; identitet utreds.",
        },
    )
    resident = Resident.objects.get(family_name="Kvinna")
    assert response.status_code == 302
    assert resident.identity_kind == Resident.IdentityKind.RESERVNUMMER
    assert resident.identity_number == "19400101R601"
    assert resident.birth_date.isoformat() == "1940-01-01"
    html = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "19400101-R601" in html
    assert "Reserve number" in html


def test_the_short_reserve_form_takes_its_century_from_x(world):
    resident = _register(world, "400101-R601", entitlement_basis=BASIS)
    assert resident.identity_number == "19400101R601"


def test_a_reserve_number_needs_a_documented_basis(world):
    with pytest.raises(ValidationError) as caught:
        _register(world, RESERVE)
    assert "reserve number" in caught.value.message_dict["entitlement_basis"][0]


def test_a_reserve_number_whose_x_does_not_match_the_birth_year_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _register(world, "20100101-R601", entitlement_basis=BASIS)
    message = caught.value.message_dict["identity_number"][0]
    assert "reserve number" in message
