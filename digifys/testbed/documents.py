"""The conformance report as a PDF (fpdf2 and DejaVu Sans, as the access-log extract)."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from digifys.audit.documents import _font_dir

from .report import Report


def _ms(value) -> str:
    return "–" if value is None else formats.number_format(value, 1)


def report_pdf(report: Report, *, company: str, client_name: str) -> bytes:
    """Return REPORT as an A4 PDF."""
    from fpdf import FPDF

    font_dir = _font_dir()
    pdf = FPDF(format="A4")
    title = _("Conformance report")
    pdf.set_title(f"{title} – {company}")
    pdf.set_creator("digifys")
    pdf.add_font("DejaVu", "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    when = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    lines = [
        f"{_('Company')}: {company}",
        f"{_('API client')}: {client_name}",
        f"{_('Produced')}: {when}",
        f"{_('Requests')}: {report.requests}; {_('refused')}: {report.refused}",
        f"{_('Latency')}: {_('median')} {_ms(report.median_ms)} ms, p95 {_ms(report.p95_ms)} ms",
    ]
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")

    def section(heading: str, rows: list[str], empty: str) -> None:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)
        for row in rows or [empty]:
            pdf.multi_cell(0, 6, row, new_x="LMARGIN", new_y="NEXT")

    section(
        _("Interactions used"),
        [f"{label}: {n}" for label, n in report.interaction_lines],
        _("No requests yet."),
    )
    section(
        _("Refused requests by OperationOutcome issue or OAuth 2.0 error"),
        [f"{code}: {n}" for code, n in report.refusals],
        _("No request was refused."),
    )
    section(
        _("Vital signs: codes and units"),
        [_("Right LOINC code and UCUM unit: %(n)s") % {"n": report.vitals_right}]
        + [
            _("%(code)s with unit %(unit)s (expected %(expected)s): %(n)s")
            % {"code": c, "unit": u or "–", "expected": e or "–", "n": n}
            for c, u, e, n in report.vitals_wrong
        ],
        "",
    )
    section(
        _("NEWS2 of the vital signs sent"),
        [
            f"{formats.date_format(timezone.localtime(o.measured_at), 'SHORT_DATETIME_FORMAT')}"
            f" · {o.resident.given_name} {o.resident.family_name} · NEWS2 {o.news2_total}"
            for o in report.news2
        ],
        _("No complete set sent yet."),
    )
    return bytes(pdf.output())
