"""`field__in_idset=IdSet(...)` selects exactly what `field__in=[...]` selects, as one parameter.

The access policy filters every query of a page by the residents the user may see
(core/idsets.py). These run on the database the suite runs on (SQLite by default, PostgreSQL
with DATABASE_URL), so each backend's SQL is checked.
"""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from digifys.core.idsets import IdSet
from digifys.residents.models import Diagnosis, Resident
from digifys.testing.world import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def residents(world):
    unit = world.unit_mala
    people = [make_resident(unit, room=str(100 + n)) for n in range(6)]
    for person in people[:3]:
        Diagnosis.objects.create(resident=person, unit=unit, icd10_code="I10", text="Hypertoni")
    return people


def _pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("chosen", [[], [0], [0, 2, 5], [0, 1, 2, 3, 4, 5]])
def test_the_same_rows_as_in(residents, chosen):
    ids = [residents[n].pk for n in chosen]
    everyone = Resident.objects.filter(pk__in=[r.pk for r in residents])
    assert _pks(everyone.filter(pk__in_idset=IdSet(ids))) == _pks(everyone.filter(pk__in=ids))
    # Negated (exclude, ~Q): an empty set excludes nothing.
    assert _pks(everyone.exclude(pk__in_idset=IdSet(ids))) == _pks(everyone.exclude(pk__in=ids))
    assert _pks(everyone.filter(~Q(pk__in_idset=IdSet(ids)))) == _pks(everyone.exclude(pk__in=ids))
    # Through a foreign key.
    assert _pks(Diagnosis.objects.filter(resident__in_idset=IdSet(ids))) == _pks(
        Diagnosis.objects.filter(resident__in=ids)
    )


def test_one_parameter_however_many_ids(residents):
    ids = IdSet(r.pk for r in residents)
    with CaptureQueriesContext(connection) as queries:
        assert len(list(Resident.objects.filter(pk__in_idset=ids))) == len(residents)
    (query,) = queries.captured_queries
    for resident in residents[1:]:
        assert f"{resident.pk}," in query["sql"] or f",{resident.pk}" in query["sql"]
    if connection.vendor in ("postgresql", "sqlite"):
        assert " IN (%s" not in query["sql"] and " IN (" + ", ".join(["%s"] * 6) not in query["sql"]


def test_a_set_of_ids():
    ids = IdSet([3, 1, 3, "2"])
    assert list(ids) == [1, 2, 3] and len(ids) == 3
    assert 2 in ids and 4 not in ids and "2" not in ids
    assert list(ids.union([4, 1])) == [1, 2, 3, 4]
    assert ids.array_literal == "{1,2,3}" and ids.json_literal == "[1,2,3]"
    with pytest.raises(ValueError):
        IdSet(["1); DROP TABLE residents_resident; --"])


def test_only_an_idset():
    with pytest.raises(TypeError):
        list(Resident.objects.filter(pk__in_idset=[1, 2]))
