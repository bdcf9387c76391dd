"""Continuity indices (domain-spec §6): the worked example, the edge cases and their relations.

No database: `indices` is a pure function of the chronological list of provider ids.
"""

import dataclasses
import random
from collections import deque
from fractions import Fraction

import pytest

from digifys.insights.continuity import ContinuityIndices, exact_indices, indices

# §6 worked example: A = named physician in Spain, B = local GP, C = out-of-hours.
WORKED_EXAMPLE = ["A", "A", "B", "A", "A", "C", "A", "A", "B", "A"]


def _random_visits(rng: random.Random) -> list[str]:
    providers = [f"physician-{i}" for i in range(rng.randint(1, 6))]
    weights = [rng.random() + 0.05 for _ in providers]
    return rng.choices(providers, weights=weights, k=rng.randint(1, 30))


RANDOM_VISITS = [_random_visits(random.Random(seed)) for seed in range(200)]


# --- worked example ---------------------------------------------------------------------------


def test_the_worked_example_gives_the_values_in_the_spec_digit_for_digit():
    result = indices(WORKED_EXAMPLE, usual="A")

    assert (result.n, result.m) == (10, 3)
    assert f"{result.upc:.3f}" == "0.700"
    assert f"{result.upc_usual:.3f}" == "0.700"
    assert f"{result.coc:.3f}" == "0.489"
    assert f"{result.secon:.3f}" == "0.333"
    assert f"{result.mmci:.3f}" == "0.780"
    assert f"{result.hhi:.3f}" == "0.540"


def test_the_worked_example_is_exact_not_merely_rounded():
    exact = exact_indices(WORKED_EXAMPLE, usual="A")

    assert exact.upc == Fraction(7, 10)
    assert exact.coc == Fraction(44, 90)
    assert exact.secon == Fraction(3, 9)
    # (1 − 3/10.1) / (1 − 1/10.1) = 7.1 / 9.1 with 0.1 taken exactly.
    assert exact.mmci == Fraction(71, 91)
    assert exact.hhi == Fraction(54, 100)
    # The floats are the correctly rounded fractions.
    result = indices(WORKED_EXAMPLE)
    assert result.coc == 44 / 90
    assert result.mmci == 71 / 91
    assert result.hhi == 0.54


def test_the_result_is_a_frozen_dataclass_of_floats():
    result = indices(WORKED_EXAMPLE, usual="B")

    assert isinstance(result, ContinuityIndices)
    assert [field.name for field in dataclasses.fields(result)] == [
        "n",
        "m",
        "upc",
        "upc_usual",
        "coc",
        "secon",
        "mmci",
        "hhi",
    ]
    for name in ("upc", "upc_usual", "coc", "secon", "mmci", "hhi"):
        assert type(getattr(result, name)) is float, name
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.upc = 1.0  # type: ignore[misc]


# --- UPC against the usual provider ----------------------------------------------------------


def test_upc_usual_is_the_share_with_the_given_provider_not_the_most_frequent():
    result = indices(WORKED_EXAMPLE, usual="B")

    assert result.upc == 0.7
    assert result.upc_usual == 0.2


def test_upc_usual_is_zero_when_the_named_physician_was_never_seen():
    assert indices(["B", "C", "B"], usual="A").upc_usual == 0.0


def test_upc_usual_is_none_when_no_usual_provider_is_given():
    assert indices(WORKED_EXAMPLE).upc_usual is None


# --- edge cases (§6 test vectors and N < 2) --------------------------------------------------


def test_one_provider_for_every_visit_gives_one_for_every_index():
    result = indices(["A"] * 5, usual="A")

    assert (result.n, result.m) == (5, 1)
    assert result.upc == result.upc_usual == result.coc == result.secon == 1.0
    assert result.mmci == result.hhi == 1.0


def test_a_different_provider_for_every_visit_gives_the_spec_vector():
    result = indices(["A", "B", "C", "D"])

    assert (result.n, result.m) == (4, 4)
    assert result.upc == 0.25
    assert result.coc == 0.0
    assert result.secon == 0.0
    assert result.hhi == 0.25
    assert f"{result.mmci:.3f}" == "0.032"
    assert exact_indices(["A", "B", "C", "D"]).mmci == Fraction(1, 31)  # 0.1 / 3.1


def test_a_single_visit_leaves_coc_and_secon_undefined():
    result = indices(["A"], usual="B")

    assert (result.n, result.m) == (1, 1)
    assert result.coc is None
    assert result.secon is None
    assert result.upc == result.hhi == result.mmci == 1.0
    assert result.upc_usual == 0.0


def test_two_visits_are_enough_for_coc_and_secon():
    same = indices(["A", "A"])
    different = indices(["A", "B"])

    assert (same.coc, same.secon) == (1.0, 1.0)
    assert (different.coc, different.secon) == (0.0, 0.0)


@pytest.mark.parametrize("empty", [[], ()])
def test_no_visits_give_n_zero_and_no_index_at_all(empty):
    result = indices(empty, usual="A")

    assert (result.n, result.m) == (0, 0)
    assert result == ContinuityIndices(0, 0, None, None, None, None, None, None)


def test_alternating_providers_have_no_sequential_continuity_but_some_dispersion():
    result = indices(["A", "B", "A", "B", "A", "B"])

    assert result.secon == 0.0
    assert result.upc == 0.5
    assert result.coc == pytest.approx(0.4)  # (9 + 9 − 6) / 30


def test_a_tuple_gives_the_same_result_as_a_list():
    assert indices(tuple(WORKED_EXAMPLE), usual="A") == indices(WORKED_EXAMPLE, usual="A")


# --- input validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "visits",
    [
        "AABAACAABA",  # a str is a sequence of characters, almost certainly a mistake
        b"AAB",
        {"A", "B"},  # no order
        (provider for provider in ["A", "B"]),
        {"A": 1},
        None,
        42,
    ],
    ids=["str", "bytes", "set", "generator", "dict", "none", "int"],
)
def test_anything_but_a_sequence_of_visits_is_refused(visits):
    with pytest.raises(TypeError, match="visits must be a sequence"):
        indices(visits)


@pytest.mark.parametrize("bad", ["", "   ", "\t"])
def test_an_empty_provider_id_is_refused(bad):
    with pytest.raises(ValueError, match=r"visits\[1\] must not be empty"):
        indices(["A", bad, "A"])


@pytest.mark.parametrize("bad", [None, 7, ("A",)])
def test_a_provider_id_that_is_not_a_string_is_refused(bad):
    with pytest.raises(TypeError, match=r"visits\[0\] must be a str"):
        indices([bad, "A"])


def test_an_empty_usual_provider_is_refused():
    with pytest.raises(ValueError, match="usual must not be empty"):
        indices(["A"], usual="")
    with pytest.raises(TypeError, match="usual must be a str"):
        indices(["A"], usual=1)  # type: ignore[arg-type]


def test_usual_is_keyword_only():
    with pytest.raises(TypeError):
        indices(["A"], "A")  # type: ignore[misc]


# --- properties over many sequences ----------------------------------------------------------


@pytest.mark.parametrize("visits", RANDOM_VISITS)
def test_every_index_lies_between_zero_and_one(visits):
    result = indices(visits, usual=visits[0])

    for name in ("upc", "upc_usual", "coc", "secon", "mmci", "hhi"):
        value = getattr(result, name)
        if result.n < 2 and name in ("coc", "secon"):
            assert value is None
        else:
            assert 0.0 <= value <= 1.0, (name, value)
    assert result.mmci > 0


@pytest.mark.parametrize("visits", RANDOM_VISITS)
def test_the_relations_stated_in_the_spec_hold(visits):
    exact = exact_indices(visits, usual=visits[-1])
    n, m = exact.n, exact.m

    assert m == len(set(visits)) and n == len(visits)
    assert Fraction(1, m) <= exact.hhi <= exact.upc  # HHI ranges 1/M – 1 and never exceeds UPC
    assert exact.upc**2 <= exact.hhi
    assert exact.upc_usual <= exact.upc
    if n >= 2:
        assert exact.coc == (n * exact.hhi - 1) / (n - 1)  # §6: COC = (N·HHI − 1)/(N − 1)
        assert exact.coc <= exact.hhi
    if m == 1:
        assert exact.upc == exact.hhi == exact.mmci == 1


@pytest.mark.parametrize("visits", RANDOM_VISITS[:50])
def test_reordering_visits_changes_neither_upc_nor_coc_nor_hhi_nor_mmci(visits):
    shuffled = list(visits)
    random.Random(len(visits)).shuffle(shuffled)
    rotated = deque(visits)
    rotated.rotate(1)

    original = indices(visits, usual=visits[0])
    for other in (indices(shuffled, usual=visits[0]), indices(list(rotated), usual=visits[0])):
        assert (other.n, other.m) == (original.n, original.m)
        assert other.upc == original.upc
        assert other.upc_usual == original.upc_usual
        assert other.coc == original.coc
        assert other.hhi == original.hhi
        assert other.mmci == original.mmci


def test_reordering_visits_does_change_secon():
    grouped = ["A", "A", "A", "B", "B", "B"]
    interleaved = ["A", "B", "A", "B", "A", "B"]

    assert indices(grouped).coc == indices(interleaved).coc
    assert indices(grouped).upc == indices(interleaved).upc
    assert indices(grouped).secon == pytest.approx(0.8)
    assert indices(interleaved).secon == 0.0


def test_secon_counts_consecutive_pairs_in_the_given_order():
    # The worked example reversed has the same pairs, a rotation does not.
    assert indices(WORKED_EXAMPLE[::-1]).secon == indices(WORKED_EXAMPLE).secon
    assert indices(["B", "A", "A", "A"]).secon == pytest.approx(2 / 3)
    assert indices(["A", "B", "A", "A"]).secon == pytest.approx(1 / 3)


def test_renaming_providers_changes_nothing():
    renamed = [{"A": "dr-x", "B": "dr-y", "C": "dr-z"}[p] for p in WORKED_EXAMPLE]

    assert indices(renamed, usual="dr-x") == indices(WORKED_EXAMPLE, usual="A")


def test_more_visits_with_the_same_provider_never_lower_continuity():
    before = indices(WORKED_EXAMPLE, usual="A")
    after = indices([*WORKED_EXAMPLE, "A"], usual="A")

    assert after.upc > before.upc
    assert after.coc > before.coc
    assert after.hhi > before.hhi
    assert after.secon > before.secon
    assert after.mmci > before.mmci


@pytest.mark.parametrize("visits", [*RANDOM_VISITS, WORKED_EXAMPLE, ["A"], []])
def test_the_floats_are_exactly_the_exact_fractions_rounded(visits):
    # `indices` divides integers instead of building fractions (it runs for every resident of
    # a dashboard); both round correctly, so the floats must be identical, not merely close.
    usual = visits[0] if visits else "A"
    exact = exact_indices(visits, usual=usual)
    fast = indices(visits, usual=usual)
    for name in ("n", "m"):
        assert getattr(fast, name) == getattr(exact, name)
    for name in ("upc", "upc_usual", "coc", "secon", "mmci", "hhi"):
        value = getattr(exact, name)
        assert getattr(fast, name) == (None if value is None else float(value)), name
