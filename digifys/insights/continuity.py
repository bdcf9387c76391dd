"""Continuity-of-care indices for one resident (domain-spec §6).

`indices(visits, usual=...)` takes the chronological list of provider ids a resident met in a
period (e.g. the physician contacts of the last 12 months) and returns UPC, COC (Bice–Boxerman),
SECON, MMCI and HHI together with N (visits) and M (distinct providers), which must always be
reported next to the indices.

Notation (§6): N = number of visits, n_i = visits to provider i, M = distinct providers,
c_j = 1 when visit j and j+1 are with the same provider.

    UPC        max_i(n_i) / N                          share with the most frequent provider
    UPC_usual  n_usual / N                             share with the given usual provider
                                                       (the resident's fast läkarkontakt)
    COC        (Σ n_i² − N) / (N(N − 1))               Bice–Boxerman, needs N ≥ 2
    SECON      Σ_{j=1}^{N−1} c_j / (N − 1)             sequential, needs N ≥ 2
    MMCI       (1 − M/(N + 0.1)) / (1 − 1/(N + 0.1))
    HHI        Σ (n_i / N)²

`exact_indices` computes with `fractions.Fraction` (0.1 is taken as exactly 1/10), so the worked
example of §6 is exact (COC = 44/90, MMCI = 7.1/9.1). `indices` returns the same values as floats:
each index is a ratio of two integers (MMCI = (10(N − M) + 1) / (10N − 9) once multiplied by 10),
and Python divides integers with correct rounding, exactly like `float(Fraction)`, so it computes
them without fractions (dashboards call it for thousands of residents).

Edge cases, decided here:
- N = 0 (no contacts in the period): N = M = 0 and every index is None. The indices are undefined
  rather than 0 or 1, and a resident without contacts must not count as "perfect continuity".
- N = 1: COC and SECON are None (their denominators vanish); UPC, HHI and MMCI are 1.0; UPC_usual is
  1.0 or 0.0.
- N ≥ 2: all indices are defined. Many studies want ≥ 3–4 visits for stable values; that cut-off is
  the caller's, which is why N is always returned.

Relations that always hold (checked by the tests): all indices lie in [0, 1]; MMCI > 0;
1/M ≤ HHI ≤ UPC; UPC_usual ≤ UPC; COC = (N·HHI − 1)/(N − 1) ≤ HHI. UPC, COC, MMCI and HHI depend
only on the counts per provider and so do not change when the visits are reordered; SECON does.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice, pairwise
from operator import eq

__all__ = ["ContinuityIndices", "ExactContinuityIndices", "exact_indices", "indices"]

_TENTH = Fraction(1, 10)


@dataclass(frozen=True, slots=True)
class ExactContinuityIndices:
    """The indices as exact fractions; None where undefined (see the module docstring)."""

    n: int
    m: int
    upc: Fraction | None
    upc_usual: Fraction | None
    coc: Fraction | None
    secon: Fraction | None
    mmci: Fraction | None
    hhi: Fraction | None


@dataclass(frozen=True, slots=True)
class ContinuityIndices:
    """Continuity indices of one resident over one period; None where undefined.

    `n` is the number of visits and `m` the number of distinct providers; report them with every
    index. `upc_usual` is None when no usual provider was given (or when n == 0).
    """

    n: int
    m: int
    upc: float | None
    upc_usual: float | None
    coc: float | None
    secon: float | None
    mmci: float | None
    hhi: float | None


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value


def _check_visits(visits: Sequence[str]) -> Sequence[str]:
    # A str is a Sequence of characters: indices("ABA") would silently treat every letter as a
    # provider, so it is refused like any other non-sequence (sets, generators, mappings).
    if isinstance(visits, str | bytes | bytearray) or not isinstance(visits, Sequence):
        raise TypeError(
            "visits must be a sequence (list or tuple) of provider ids in chronological order, "
            f"not {type(visits).__name__}"
        )
    for position, provider in enumerate(visits):
        _check_id(provider, f"visits[{position}]")
    return visits


def exact_indices(visits: Sequence[str], *, usual: str | None = None) -> ExactContinuityIndices:
    """Like `indices`, but return exact fractions instead of floats."""
    visits = _check_visits(visits)
    if usual is not None:
        _check_id(usual, "usual")
    n = len(visits)
    counts = Counter(visits)
    m = len(counts)
    if n == 0:
        return ExactContinuityIndices(0, 0, None, None, None, None, None, None)

    upc = Fraction(max(counts.values()), n)
    upc_usual = None if usual is None else Fraction(counts.get(usual, 0), n)
    sum_of_squares = sum(count * count for count in counts.values())
    hhi = Fraction(sum_of_squares, n * n)
    big_n = n + _TENTH
    mmci = (1 - m / big_n) / (1 - 1 / big_n)
    if n < 2:
        coc = secon = None
    else:
        coc = Fraction(sum_of_squares - n, n * (n - 1))
        same_provider_pairs = sum(1 for before, after in pairwise(visits) if before == after)
        secon = Fraction(same_provider_pairs, n - 1)
    return ExactContinuityIndices(n, m, upc, upc_usual, coc, secon, mmci, hhi)


def indices(visits: Sequence[str], *, usual: str | None = None) -> ContinuityIndices:
    """Return the continuity indices (domain-spec §6) of one resident's visits.

    VISITS is the chronological list of provider ids (non-empty strings) for one resident; USUAL,
    when given, is the id of the resident's usual provider (the named physician) for UPC_usual.
    Values are floats in [0, 1], or None where undefined: every index when there are no visits,
    COC and SECON when there is only one. Raises TypeError when VISITS is not a list/tuple of
    strings (a bare string is refused) and ValueError for an empty provider id.
    """
    visits = _check_visits(visits)
    if usual is not None:
        _check_id(usual, "usual")
    n = len(visits)
    if n == 0:
        return ContinuityIndices(0, 0, None, None, None, None, None, None)
    counts = Counter(visits)
    m = len(counts)
    sum_of_squares = sum(count * count for count in counts.values())
    # Each value is one integer division: correctly rounded, so equal to float(exact_indices(...)).
    if n < 2:
        coc = secon = None
    else:
        coc = (sum_of_squares - n) / (n * (n - 1))
        # Pairs (j, j+1) with the same provider, compared in C: this runs for every resident.
        same_provider_pairs = sum(map(eq, visits, islice(visits, 1, None)))
        secon = same_provider_pairs / (n - 1)
    return ContinuityIndices(
        n=n,
        m=m,
        upc=max(counts.values()) / n,
        upc_usual=None if usual is None else counts.get(usual, 0) / n,
        coc=coc,
        secon=secon,
        mmci=(10 * (n - m) + 1) / (10 * n - 9),
        hhi=sum_of_squares / (n * n),
    )
