"""A set of primary keys that reaches the database as one parameter (`field__in_idset=`).

The access policy resolves "which residents may this user see?" once per read-only request
(`careteams.policy`, `core/request_memo.py`) and every query of the page then filters by those
ids. As `resident_id IN (%s, %s, …)` a physician's panel of ~90 residents became ~90 parameters
in each of a page's queries (3,500 on the resident page): Django prepared each value, psycopg
quoted each one and, above 50 parameters, could not reuse its parsed form of the statement, and
all of it again for every query. `IdSet` turns the ids into one text value once per request:

- PostgreSQL: `resident_id = ANY(%s::bigint[])` with the array literal `'{1,2,3}'` (the same
  plan as an `IN` list: PostgreSQL rewrites `IN (…)` to `= ANY(ARRAY[…])` itself);
- SQLite: `resident_id IN (SELECT value FROM json_each(%s))` with `'[1,2,3]'`;
- any other database: an ordinary `IN` list.

The rows selected are exactly those of `field__in=list(ids)`; `core/tests/test_idsets.py` shows
it on the database the tests run on.
"""

from collections.abc import Iterable, Iterator

from django.db.models import Field, ForeignObject, Lookup


class IdSet:
    """An immutable set of integer primary keys (for `field__in_idset=`)."""

    __slots__ = ("_array", "_ids", "_json", "_members")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._ids = tuple(sorted({int(pk) for pk in ids}))
        self._members = frozenset(self._ids)
        # Digits and commas only (every member went through int()): safe as a literal.
        self._array = "{" + ",".join(map(str, self._ids)) + "}"
        self._json = "[" + ",".join(map(str, self._ids)) + "]"

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, pk: object) -> bool:
        return pk in self._members

    def __repr__(self) -> str:
        return f"IdSet({list(self._ids)!r})"

    def union(self, other: Iterable[int]) -> "IdSet":
        return IdSet((*self._ids, *other))

    @property
    def array_literal(self) -> str:
        return self._array

    @property
    def json_literal(self) -> str:
        return self._json


class InIdSet(Lookup):
    """`field__in_idset=IdSet(...)`: the field's value is one of the set's ids."""

    lookup_name = "in_idset"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_prep_lookup(self):
        if not isinstance(self.rhs, IdSet):
            raise TypeError(f"in_idset needs an IdSet, not {type(self.rhs).__name__}")
        return self.rhs

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not self.rhs:
            return "1 = 0", []  # nothing is in an empty set (the same as Django's empty IN)
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", (*lhs_params, *self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, self.rhs.array_literal)

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - lhs is a column
        return sql, (*lhs_params, self.rhs.json_literal)


# Foreign keys look their lookups up only from ForeignObject down, not on Field.
Field.register_lookup(InIdSet)
ForeignObject.register_lookup(InIdSet)
