"""Code systems, codes and units of the FHIR API (domain-spec §8.2–8.4), stated once.

LOINC and UCUM for vital signs follow the FHIR R4 vital-signs profile; the NEWS2 total and its
sub-scores use the SNOMED CT (UK extension) codes of NHS implementation guides. No authoritative
code was found for ACVPU or "air or oxygen" (domain-spec §9 item 8): those two use digifys' own
code system `LOCAL` until a national code exists.
"""

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
LOCAL = "urn:digifys:fhir:codes"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# Swedish identifier systems (HL7 Sweden basprofiler, domain-spec §8.4).
PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer"
IDENTIFIER_SYSTEMS = {"personnummer": PERSONNUMMER, "samordningsnummer": SAMORDNINGSNUMMER}

VITALS_PANEL = "85353-1"
BP_PANEL = "85354-9"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
OXYGEN_FLOW = "3151-8"  # inhaled oxygen flow rate, a component of the air-or-oxygen observation
NEWS2_TOTAL = "1104051000000101"
ACVPU = "acvpu"
AIR_OR_OXYGEN = "air-or-oxygen"

# One vital sign per FHIR Observation: (part of the id, LOINC code, digifys field, UCUM code).
# The first LOINC code of each row is the one the server writes; the others are accepted.
QUANTITIES = (
    ("rr", ("9279-1",), "respiratory_rate", "/min"),
    ("spo2", ("2708-6", "59408-5"), "spo2", "%"),
    ("hr", ("8867-4",), "pulse", "/min"),
    ("temp", ("8310-5",), "temperature", "Cel"),
    ("weight", ("29463-7",), "weight", "kg"),
)
BP_COMPONENTS = ((SYSTOLIC, "systolic_bp"), (DIASTOLIC, "diastolic_bp"))
UNITS = {"systolic_bp": "mm[Hg]", "diastolic_bp": "mm[Hg]", "oxygen_flow": "L/min"}
UNITS.update({field: unit for _part, _codes, field, unit in QUANTITIES})

# NEWS2 sub-scores (digifys key → SNOMED CT). SpO2 Scale 2 has no code: it is left out.
NEWS2_SUBSCORES = {
    "respiratory_rate": "1104301000000104",
    "spo2": "1104311000000102",  # scale 1 only
    "air_or_oxygen": "1104331000000105",
    "systolic_bp": "1104341000000101",
    "pulse": "1104351000000103",
    "consciousness": "1104361000000100",
    "temperature": "1104371000000107",
}

# The parts one digifys observation (a set of vital signs) is shown as, in order. Each FHIR
# Observation's id is "<set id>-<part>".
PARTS = ("panel", "rr", "spo2", "o2", "bp", "hr", "acvpu", "temp", "weight", "news2")

# The code a part carries: (system, code) — used to answer `code=` searches.
PART_CODES = {
    "panel": (LOINC, VITALS_PANEL),
    "bp": (LOINC, BP_PANEL),
    "o2": (LOCAL, AIR_OR_OXYGEN),
    "acvpu": (LOCAL, ACVPU),
    "news2": (SNOMED, NEWS2_TOTAL),
}
for _part, _codes, _field, _unit in QUANTITIES:
    PART_CODES[_part] = (LOINC, _codes[0])

# Codes accepted in a `code=` search for a part (first LOINC codes plus the alternatives).
PART_SEARCH_CODES = {part: {code} for part, (_system, code) in PART_CODES.items()}
for _part, _codes, _field, _unit in QUANTITIES:
    PART_SEARCH_CODES[_part] = set(_codes)
PART_SEARCH_CODES["bp"] |= {SYSTOLIC, DIASTOLIC}

# HSA-id of people and units (HL7 Sweden's current alias, domain-spec §8.4).
HSA_ID = "urn:oid:1.2.752.29.4.19"
# The clinician's IANA time zone (FHIR R4 extension "Timezone Code").
TZ_CODE = "http://hl7.org/fhir/StructureDefinition/tz-code"
