import pytest

from digifys.testbed import sandbox as generator
from digifys.testbed.models import Application, Sandbox

FORM = {
    "company": "Sensorbolaget AB",
    "organisation_number": "556677-8899",
    "contact_name": "Kim Test",
    "email": "kim@example.com",
    "phone": "070-174 06 05",
    "purpose": "Vital signs from a wristband.",
    "resources": ["Observation", "Patient"],
}


@pytest.fixture
def application(db):
    fields = {**FORM, "organisation_number": "556677-8899"}
    return Application.objects.create(**fields)


@pytest.fixture
def sandbox(world, application):
    """An approved company with a generated sandbox."""
    from digifys.testbed import services

    services.approve_application(actor=world.coordinator, application=application)
    return generator.generate(Sandbox.objects.get(application=application))
