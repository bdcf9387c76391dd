"""Synthetic planning weeks for the planner's benchmark and tests (no Django, deterministic).

`make_instance(scale, seed=...)` returns one `(region name, items, clinicians)` per decomposed
region for the week starting Monday 7 December 2026 (horizon minute 0 = Monday 00:00 Stockholm):

* "unit": one nursing-home unit area, 40 residents, 4 physicians and a locum.
* "region": Region Västerbotten, 2,500 residents, 60 clinicians, about 4,000 items.
* "nation": 90,000 residents in Sweden's 21 regions (sized by population), each planned alone.

What makes the week realistic, and the problem not trivial:

* Physicians live in Sweden (Umeå, Skellefteå, Lycksele: 08:00-16:30), mainland Spain (Málaga,
  Alicante: Spanish intensive hours 08:00-15:00, or split 09:00-14:00 + 16:00-19:00) and the
  Canary Islands (09:00-17:00 local, i.e. 10:00-18:00 Stockholm: one hour behind). All times in
  the instance are Stockholm minutes.
* Public holidays from the `holidays` package: this week Spain has Immaculate Conception on
  Tuesday 8 December, and Andalusia also the Monday after Constitution Day (7 December).
* Some physicians are on vacation the whole week or part of it, some work part time, every day
  has a few existing bookings cut out of the windows, and planned time is capped per day.
* Units have a weekly digital round at a fixed start with the unit's named physician; it counts
  for every resident of the unit (`Item.weight`). Residents have follow-ups (due within 0-3
  days), medication reviews (simple or in-depth; half due this week, half due in one to three
  weeks and so `deferrable`), family meetings (afternoons, relatives' time); a few need
  Finnish, Arabic, Spanish or Somali.
* Panel sizes vary, so some named physicians have more panel work than free time.
* Locums (a staffing agency) have plenty of time but no continuity; one physician still awaits
  a Swedish licence (legitimation) and may not be planned.
"""

from __future__ import annotations

import datetime
import functools
import random
import zlib

from .engine import DAY, Clinician, Item, Window

WEEK_START = datetime.date(2026, 12, 7)
HOUR = 60

# Sweden's regions by population (thousands, 2024, rounded): the nation scale sizes by these.
REGIONS = (
    ("Stockholm", 2450),
    ("Västra Götaland", 1760),
    ("Skåne", 1420),
    ("Östergötland", 470),
    ("Uppsala", 400),
    ("Jönköping", 370),
    ("Halland", 340),
    ("Örebro", 310),
    ("Södermanland", 300),
    ("Dalarna", 290),
    ("Gävleborg", 290),
    ("Värmland", 285),
    ("Västmanland", 280),
    ("Västerbotten", 278),
    ("Norrbotten", 250),
    ("Kalmar", 246),
    ("Västernorrland", 243),
    ("Kronoberg", 203),
    ("Blekinge", 157),
    ("Jämtland Härjedalen", 132),
    ("Gotland", 61),
)

# Where physicians work from: (place, country, subdivision, share, offset to Stockholm in hours,
# working patterns as local (start, end) hour pairs; one is drawn per physician).
PLACES = (
    ("Umeå", "SE", "", 0.25, 0, (((8, 12), (13, 16.5)),)),
    ("Skellefteå", "SE", "", 0.12, 0, (((8, 12), (13, 16.5)), ((7.5, 11.5), (12.5, 16)))),
    ("Lycksele", "SE", "", 0.08, 0, (((8, 12), (13, 16.5)),)),
    ("Málaga", "ES", "AN", 0.20, 0, (((8, 15),), ((9, 14), (16, 19)))),
    ("Alicante", "ES", "VC", 0.15, 0, (((8, 15),), ((9, 14), (16, 19)))),
    ("Las Palmas de Gran Canaria", "ES", "CN", 0.12, 1, (((9, 13), (14, 17)), ((8, 15),))),
    ("Santa Cruz de Tenerife", "ES", "CN", 0.08, 1, (((9, 13), (14, 17)),)),
)
LANGUAGES = (("sv", 0.935), ("fi", 0.025), ("ar", 0.02), ("es", 0.012), ("so", 0.008))


def _pick(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


@functools.lru_cache(maxsize=16)
def _holidays(country: str, subdivision: str) -> frozenset[int]:
    """Return the day indexes (0-6) of this week that are public holidays at the place."""
    import holidays

    categories = ("public", "de_facto") if country == "SE" else ("public",)
    cal = holidays.country_holidays(
        country, subdiv=subdivision or None, years=WEEK_START.year, categories=categories
    )
    return frozenset(d for d in range(7) if WEEK_START + datetime.timedelta(days=d) in cal)


def _carve(windows: list[tuple[int, int]], hole: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for s, e in windows:
        if hole[1] <= s or e <= hole[0]:
            out.append((s, e))
            continue
        if s < hole[0]:
            out.append((s, hole[0]))
        if hole[1] < e:
            out.append((hole[1], e))
    return out


def _physician_week(rng: random.Random, place) -> tuple[list[tuple[int, int]], set[int]]:
    """Return (usual working windows, days present this week) in Stockholm minutes."""
    _name, country, subdivision, _share, offset, patterns = place
    pattern = rng.choice(patterns)
    usual = set(range(5))
    if rng.random() < 0.15:
        usual.discard(rng.randrange(5))  # part time: one weekday off every week
    present = usual - _holidays(country, subdivision)
    roll = rng.random()
    if roll < 0.06:
        present = set()  # vacation all week
    elif roll < 0.14:
        first = rng.randrange(5)  # vacation from FIRST to Friday, or Monday to FIRST
        present = {d for d in present if (d < first if rng.random() < 0.5 else d > first)}
    base = [
        (d * DAY + round((a + offset) * HOUR), d * DAY + round((b + offset) * HOUR))
        for d in sorted(usual)
        for a, b in pattern
    ]
    return base, present


def _free_windows(rng, base, present, keep) -> list[tuple[int, int]]:
    """Cut this week's existing bookings out of the present days, never over a KEEP slot."""
    free = []
    for d in sorted(present):
        day = [w for w in base if w[0] // DAY == d]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            wide = [w for w in day if w[1] - w[0] >= 90]
            if not wide:
                break
            s, e = rng.choice(wide)
            start = rng.randrange(s, e - 30, 15)
            hole = (start, start + rng.choice((30, 30, 60)))
            if all(hole[1] <= a or b <= hole[0] for a, b in keep):
                day = _carve(day, hole)
        free.extend(w for w in day if w[1] - w[0] >= 15)
    return free


def _add(items, rid, who, kind, duration, earliest, deadline, n) -> None:
    items.append(Item(f"{rid}-{kind}{n}", kind, duration, earliest, deadline, *who))


def _region(name: str, residents: int, rng: random.Random) -> tuple[list[Item], list[Clinician]]:
    n_clinicians = max(5, round(residents * 60 / 2500))
    n_locums = max(1, round(n_clinicians * 8 / 60))
    n_physicians = n_clinicians - n_locums
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:12]

    locums: list[Clinician] = []
    profiles: dict[str, tuple] = {}  # physician id -> team, languages, usual hours, present days
    bases: dict[str, list[tuple[int, int]]] = {}
    physicians: list[tuple[str, str, float]] = []  # id, team, panel weight
    places = [(p, p[3]) for p in PLACES]
    for n in range(n_physicians):
        place = _pick(rng, places)
        pid = f"{slug}-md{n:03d}"
        team = f"{slug}-{place[0][:6].lower()}"
        langs = {"sv"}
        if place[1] == "ES" and rng.random() < 0.7:
            langs.add("es")
        if rng.random() < 0.3:
            langs.add("en")
        if place[1] == "SE" and rng.random() < 0.12:
            langs.add("fi")
        if rng.random() < 0.05:
            langs.add("ar")
        base, present = _physician_week(rng, place)
        profiles[pid] = (team, frozenset(langs), base, present, n != 3 or n_physicians < 10)
        bases[pid] = base
        physicians.append((pid, team, rng.uniform(0.7, 1.45)))
    for n in range(n_locums):
        # Agency locums: long days all week, Swedish and English, no panel.
        windows = [(d * DAY + 8 * HOUR, d * DAY + 18 * HOUR) for d in range(5)]
        locums.append(
            Clinician(
                id=f"{slug}-locum{n:02d}",
                team="locum-agency",
                languages=frozenset({"sv", "en"} | ({"ar"} if n % 3 == 1 else set())),
                windows=tuple(Window(s, e) for s, e in windows),
                is_locum=True,
                daily_capacity=480,
            )
        )

    by_team: dict[str, list[str]] = {}
    for pid, team, _ in physicians:
        by_team.setdefault(team, []).append(pid)

    items: list[Item] = []
    weights = [w for _, _, w in physicians]
    left = residents
    unit = 0
    slots_taken: dict[str, list[tuple[int, int]]] = {}
    while left > 0:
        size = min(left, rng.randint(8, 14))
        left -= size
        unit += 1
        uid = f"{slug}-u{unit:04d}"
        named, team, _ = rng.choices(physicians, weights=weights)[0]
        mates = [p for p in by_team[team] if p != named] or [
            p for p, _, _ in physicians if p != named
        ]
        deputy = rng.choice(mates) if mates else None
        # The unit's round: a fixed weekly slot inside the named physician's usual hours.
        duration = 60 if size <= 10 else 90
        taken = slots_taken.setdefault(named, [])
        options = [
            (s, s + duration)
            for ws, we in bases[named]
            for s in range(ws, we - duration + 1, HOUR)
            if all(s + duration <= a or b <= s for a, b in taken)
        ]
        if options:
            s, e = rng.choice(options)
            taken.append((s, e))
            # The round is the unit's contact with its named physician: it counts for every
            # resident on the agenda (the whole unit).
            items.append(
                Item(f"{uid}-round", "round", duration, s, e, named, deputy, team, "sv", s,
                     weight=size)
            )  # fmt: skip
        for r in range(size):
            rid = f"{uid}-r{r:02d}"
            lang = _pick(rng, LANGUAGES)
            roll = rng.random()
            if roll < 0.04:
                r_named, r_deputy, r_team = None, None, None  # just moved in, no physician yet
            elif roll < 0.09:
                r_named = rng.choice(by_team[team])  # chose another physician of the team
                r_deputy = named if r_named != named else deputy
                r_team = team
            else:
                r_named, r_deputy, r_team = named, deputy, team

            who = (r_named, r_deputy, r_team, lang, None, rid)
            add = functools.partial(_add, items, rid, who)

            n_follow = rng.choices((0, 1, 2, 3), weights=(22, 40, 28, 10))[0]
            for n in range(n_follow):
                day = rng.randrange(5)
                last = min(4, day + rng.choice((0, 1, 1, 2, 3, 3)))
                dur = rng.choice((10, 10, 15, 15, 20))
                add("follow_up", dur, day * DAY + 8 * HOUR, last * DAY + 18 * HOUR, n)
            if rng.random() < 0.16:
                dur = 45 if rng.random() < 0.3 else 20  # in-depth or simple review
                last = rng.choice((2, 3, 4, 4))
                if zlib.crc32(rid.encode()) % 2:
                    add("medication_review", dur, 0, last * DAY + 18 * HOUR, 0)
                else:
                    # Due in one to three weeks: may wait for a later week (its own draw, so
                    # the rest of the week is the same as before this choice existed).
                    items.append(
                        Item(f"{rid}-medication_review0", "medication_review", dur, 0,
                             4 * DAY + 18 * HOUR, *who, deferrable=True)
                    )  # fmt: skip
            if rng.random() < 0.07:
                day = rng.randrange(5)
                if rng.random() < 0.7:
                    lo, hi = 13 * HOUR, 18 * HOUR  # relatives after lunch
                else:
                    lo, hi = 9 * HOUR, 12 * HOUR
                add("family_meeting", 30, day * DAY + lo, day * DAY + hi, 0)
    # Existing bookings go around the units' recurring round slots.
    clinicians: list[Clinician] = []
    for pid, (team, langs, base, present, licensed) in profiles.items():
        free = _free_windows(rng, base, present, slots_taken.get(pid, ()))
        clinicians.append(
            Clinician(
                id=pid,
                team=team,
                languages=langs,
                windows=tuple(Window(s, e) for s, e in free),
                licensed=licensed,  # one physician still awaits the licence
                daily_capacity=rng.choice((360, 390, 420)),
            )
        )
    clinicians.extend(locums)
    return items, clinicians


def make_instance(scale: str, *, seed: int = 1) -> list[tuple[str, list[Item], list[Clinician]]]:
    """Return one (region name, items, clinicians) per decomposed region of SCALE."""
    if scale == "unit":
        rng = random.Random(f"{seed}-unit")
        return [("Malå", *_region("Malå", 40, rng))]
    if scale == "region":
        rng = random.Random(f"{seed}-Västerbotten")
        return [("Västerbotten", *_region("Västerbotten", 2500, rng))]
    if scale == "nation":
        total = sum(p for _, p in REGIONS)
        sizes = [round(90_000 * p / total) for _, p in REGIONS]
        sizes[0] += 90_000 - sum(sizes)
        return [
            (name, *_region(name, size, random.Random(f"{seed}-{name}")))
            for (name, _), size in zip(REGIONS, sizes, strict=True)
        ]
    raise ValueError(f"unknown scale {scale!r}: use unit, region or nation")
