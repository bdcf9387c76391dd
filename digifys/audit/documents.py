"""The resident's log extract (loggutdrag, PDL 8 kap. 5 §) as CSV and PDF.

The extract shows who accessed the resident's data, in which role, from which unit or
organisation, when (Stockholm time), what they did and why (HSLF-FS 2016:40 4 kap. 10 §).
The PDF uses DejaVu Sans (Debian package fonts-dejavu-core) so Swedish and Spanish letters render.
"""

import csv
import io
import logging
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent
from .services import STOCKHOLM

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"

# fontTools logs every font subsetting step at INFO; one PDF would fill the log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _columns() -> list[str]:
    return [
        _("Time (Swedish time)"),
        _("Name"),
        _("Role"),
        _("Unit or organisation"),
        _("Action"),
        _("Purpose"),
    ]


def _when(event: AuditEvent) -> str:
    return timezone.localtime(event.occurred_at, STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S")


def _row(event: AuditEvent) -> list[str]:
    return [
        _when(event),
        event.actor_name or _("The system"),
        event.actor_role_label,
        event.organisation_name,
        event.get_action_display(),
        event.get_purpose_display(),
    ]


def _spreadsheet_safe(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def extract_csv(entries: Iterable[AuditEvent]) -> str:
    """Return the extract as CSV for Swedish spreadsheets: semicolons, UTF-8 with a BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_columns())
    for event in entries:
        writer.writerow([_spreadsheet_safe(value) for value in _row(event)])
    return out.getvalue()


def _font_dir() -> Path:
    font_dir = Path(getattr(settings, "DIGIFYS_PDF_FONT_DIR", DEFAULT_FONT_DIR))
    if not (font_dir / "DejaVuSans.ttf").exists():
        raise ImproperlyConfigured(
            f"DejaVuSans.ttf not found in {font_dir}: install the Debian package fonts-dejavu-core."
        )
    return font_dir


def extract_pdf(entries: Iterable[AuditEvent], *, resident, period: str, produced_by: str) -> bytes:
    """Return the extract as an A4 landscape PDF."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font_dir = _font_dir()
    title = _("Access log extract")
    now = timezone.localtime(timezone.now(), STOCKHOLM).strftime("%Y-%m-%d %H:%M")

    class Extract(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.cell(
                0,
                8,
                _("%(title)s · %(name)s · page %(page)s of %(pages)s")
                % {
                    "title": title,
                    "name": resident.full_name,
                    "page": self.page_no(),
                    "pages": "{nb}",  # fpdf2 replaces it with the page count
                },
                align="C",
            )

    pdf = Extract(orientation="L", format="A4")
    pdf.set_title(f"{title} – {resident.full_name}")
    pdf.set_creator("digifys")
    pdf.add_font("DejaVu", "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    facts = [
        (_("Resident"), f"{resident.full_name}, {resident.display_identity_number}"),
        (_("Period"), period),
        (
            _("Produced"),
            _("%(when)s (Swedish time) by %(who)s") % {"when": now, "who": produced_by},
        ),
        (_("Care provider"), _("Region Västerbotten")),
    ]
    for label, value in facts:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(40, 6, f"{label}:")
        pdf.set_font("DejaVu", size=10)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=8)
    rows = [_row(event) for event in entries]
    if not rows:
        pdf.cell(0, 8, _("No one has accessed the resident's data in this period."))
    else:
        with pdf.table(
            col_widths=(32, 50, 34, 70, 34, 34),
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 234, 238)),
            line_height=5,
            repeat_headings=1,
        ) as table:
            table.row(_columns())
            for row in rows:
                table.row(row)
    return bytes(pdf.output())
