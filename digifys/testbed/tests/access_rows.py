"""Access-matrix rows for the testbed (collected by core/tests/test_access_matrix.py).

The public page and its receipt answer everybody; the applications and decisions only the
region's coordinators (the innovation lead); the company page only an approved company's login,
so every persona of the matrix is refused them (what the company sees is tested in
test_company.py; a company cannot reach another company's client: 404).
"""

from digifys.testing.access_matrix import BAD_REQUEST, FORBIDDEN, LOGIN, OK, everyone, row


def _none(w):
    return {}


def _application(w):
    from digifys.testbed.models import Application

    item = Application.objects.create(
        company="Sensorbolaget AB",
        organisation_number="556677-8899",
        contact_name="Kim Test",
        email="kim@example.com",
        phone="070-1740605",
        purpose="Vital signs from a wristband.",
        resources=["Observation"],
    )
    return {"pk": item.pk}


ROWS = {
    "testbed:index": (_none, "get", everyone(OK, anonymous=OK)),
    "testbed:applied": (_none, "get", everyone(OK, anonymous=OK)),
    "testbed:applications": (_none, "get", row(FORBIDDEN, coordinator=OK)),
    "testbed:application": (_application, "get", row(FORBIDDEN, coordinator=OK)),
    "testbed:approve": (_application, "get", row(FORBIDDEN, coordinator=OK)),
    # Declining without a reason is refused with the form again (400).
    "testbed:decline": (_application, "post", row(FORBIDDEN, coordinator=BAD_REQUEST)),
    "testbed:company": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:clients": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:revoke": (lambda w: {"pk": 1}, "post", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:log": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:deliveries": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:keys": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:key_revoke": (lambda w: {"pk": 1}, "post", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:report": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:report_pdf": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:live": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
    "testbed:reset": (_none, "get", row(FORBIDDEN, anonymous=LOGIN)),
}
