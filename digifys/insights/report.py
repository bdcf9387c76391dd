"""The monthly insights report as a PDF (issue #16 §2): one level's main figures for one month.

`monthly_report(level, key, month, language)` returns an A4 PDF in the reader's LANGUAGE: the
level and its name, the month, the units' go-live dates, a table of the main figures for the
month (all, before and after go-live), and per main figure a chart of the last 12 months (all,
before and after go-live, each unit's go-live date as a vertical line and the target as a
horizontal line where `targets.TARGETS` names one) with the same 12 months as a table.
Every value is read through `figures.figures_for` and written by `figure_views.show`, so cells
behind fewer than five residents say so instead of a number, as on the page. The charts are
drawn by matplotlib (Agg, PNG) and embedded with fpdf2; numbers and dates follow the locale.
Who may get which report, and the log entry, are the callers' business (report_services.py).
"""

import datetime
import io
import math

from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from digifys.audit.documents import _font_dir
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation, StaffProfile

from . import figure_views, figures
from .targets import TARGETS

# The figures the report covers, in this order (those the level has; a physician has fewer).
MAIN_FIGURES = (
    "contacts",
    "named_share",
    "locum_share",
    "upc",
    "consult_within:urgent",
    "news2_reviewed:5",
    "reviews_on_time",
    "transfers_per_1000",
)
MONTHS_SHOWN = 12
ERAS = ("all", "before", "after")
CHART_WIDTH_MM, CHART_HEIGHT_MM = 180, 68
# Colour-blind-safe pairs from the Okabe–Ito palette; line styles differ as well.
COLOURS = {"all": "#000000", "before": "#E69F00", "after": "#0072B2", "target": "#009E73"}


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(today: datetime.date) -> datetime.date:
    """The first day of the month before TODAY's."""
    return first_of_month(first_of_month(today) - datetime.timedelta(days=1))


def last_of_month(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def report_figures(level: str) -> list[tuple[str, str, str]]:
    """(code, label, unit) of the main figures LEVEL has, in report order."""
    allowed = figure_views.PHYSICIAN_FIGURES if level == "physician" else figure_views.FIGURE_LIST
    by_code = {code: (code, label, unit) for code, label, unit in allowed}
    return [by_code[code] for code in MAIN_FIGURES if code in by_code]


def level_name(level: str, key: int) -> str:
    """The name of LEVEL's KEY (an organisation or a physician); raises LookupError if none."""
    if level == "physician":
        profile = StaffProfile.objects.filter(
            pk=key, profession=StaffProfile.Profession.PHYSICIAN
        ).first()
        if profile is None:
            raise LookupError(f"no physician {key}")
        return profile.name
    org = (
        Organisation.objects.filter(kind=figure_views.ORG_KIND[level], pk=key)
        .select_related("parent")
        .first()
    )
    if org is None:
        raise LookupError(f"no {level} {key}")
    return str(org)


def _target(code: str) -> float | None:
    """The region's pilot target of figure CODE (targets.TARGETS), as a 0–1 share or a value."""
    target = TARGETS.get(code)
    return target.value if target else None


def _plotted(value: figures.Value, unit: str) -> float:
    if value.suppressed or value.value is None:
        return math.nan  # a gap in the line
    return 100 * value.value if unit == "share" else value.value


def _month_tick(day: datetime.date, first: bool, language: str) -> str:
    # English capitalises month abbreviations; Swedish and Spanish do not (digifys/formats).
    name = date_format(day, "M" if language == "en" else "b")
    return f"{name}\n{day.year}" if first or day.month == 1 else name


def chart_png(series: figures.Series, label: str, unit: str, language: str) -> bytes:
    """SERIES (one point per month) as a line chart: all, before and after go-live, the target."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    chart = Figure(figsize=(CHART_WIDTH_MM / 25.4, CHART_HEIGHT_MM / 25.4), dpi=150)
    FigureCanvasAgg(chart)
    axes = chart.add_subplot()
    xs = list(range(len(series.points)))
    lines = (
        ("all", _("Whole unit or area"), "-", "o"),
        ("before", _("Before go-live"), "--", "s"),
        ("after", _("After go-live"), ":", "^"),
    )
    for era, name, style, marker in lines:
        ys = [_plotted(getattr(point, era), unit) for point in series.points]
        if not all(math.isnan(y) for y in ys):
            axes.plot(
                xs,
                ys,
                linestyle=style,
                marker=marker,
                color=COLOURS[era],
                label=name,
                linewidth=1.6,
            )
    target = _target(series.code)
    if target is not None:
        axes.axhline(
            100 * target if unit == "share" else target,
            color=COLOURS["target"],
            linestyle="-.",
            linewidth=1.2,
            label=_("Target"),
        )
    went_live = sorted(
        {
            day
            for day in series.go_live.values()
            if series.points and series.points[0].start <= day <= series.points[-1].end
        }
    )
    for number, day in enumerate(went_live):
        index = next(i for i, p in enumerate(series.points) if p.start <= day <= p.end)
        days = (series.points[index].end - series.points[index].start).days + 1
        axes.axvline(
            index - 0.5 + (day - series.points[index].start).days / days,
            color="#555555",
            linewidth=0.8,
            label=_("Went live") if number == 0 else None,
        )
    axes.set_xticks(
        xs,
        [
            _month_tick(point.start, number == 0, language)
            for number, point in enumerate(series.points)
        ],
    )
    axes.set_xlim(-0.5, len(xs) - 0.5)
    decimals = 2 if unit == "index" else (0 if unit in ("count", "share") else 1)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: number_format(y, decimals)))
    if unit == "share":
        axes.set_ylabel("%")
    elif unit == "minutes":
        axes.set_ylabel(_("minutes"))
    axes.tick_params(labelsize=7)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_title(label, fontsize=9, loc="left")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    chart.tight_layout()
    out = io.BytesIO()
    chart.savefig(out, format="png", facecolor="white")
    return out.getvalue()


def _series(level, key, month, codes) -> dict[str, figures.Series]:
    start = first_of_month(month)
    for _n in range(MONTHS_SHOWN - 1):
        start = previous_month(start)
    return figures.figures_for(codes, level, key, "month", start, last_of_month(month))


def monthly_report(level: str, key: int, month: datetime.date, language: str) -> bytes:
    """The monthly report of LEVEL's KEY for MONTH (any day of it) in LANGUAGE, as PDF bytes."""
    month = first_of_month(month)
    with translation.override(language):
        return _build(level, int(key), month, language)


def _build(level: str, key: int, month: datetime.date, language: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    name = level_name(level, key)
    shown = report_figures(level)
    series = _series(level, key, month, [code for code, _label, _unit in shown])
    go_live: dict[int, datetime.date] = {}
    for one in series.values():
        go_live.update(one.go_live)
    month_text = date_format(month, "YEAR_MONTH_FORMAT")
    title = _("Monthly report")
    footer_text = _("%(title)s · %(name)s · %(month)s · page %(page)s of %(pages)s")

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.cell(
                0,
                8,
                footer_text
                % {
                    "title": title,
                    "name": name,
                    "month": month_text,
                    "page": self.page_no(),
                    "pages": "{nb}",  # fpdf2 replaces it with the page count
                },
                align="C",
            )

    font_dir = _font_dir()
    pdf = Report(orientation="P", format="A4")
    pdf.set_title(f"{title} – {name} – {month_text}")
    pdf.set_lang(language)
    pdf.set_creator("digifys")
    pdf.add_font("DejaVu", "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(10, 12, 10)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, f"{title}: {name}", new_x="LMARGIN", new_y="NEXT")
    now = timezone.now().astimezone(STOCKHOLM)
    units = Organisation.objects.filter(pk__in=go_live).select_related("parent")
    live_text = "; ".join(
        f"{unit} {date_format(go_live[unit.pk], 'SHORT_DATE_FORMAT')}"
        for unit in sorted(units, key=lambda unit: (go_live[unit.pk], str(unit)))
    ) or _("No unit here has a go-live date, so there is no before and after.")
    facts = [
        (_("Level"), str(figure_views.LEVEL_LABELS[level])),
        (_("Month"), month_text),
        (_("Went live with digifys"), live_text),
        (_("Produced"), date_format(now, "SHORT_DATE_FORMAT")),
    ]
    for label, value in facts:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(48, 6, f"{label}:")
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(
        0,
        5,
        _(
            "Figures behind fewer than %(n)s residents are not shown, to protect the residents' "
            "privacy. Before and after compare each unit's figures before and after its go-live "
            "date."
        )
        % {"n": figures.SUPPRESS_BELOW},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    headings = FontFace(emphasis="BOLD", fill_color=(230, 234, 238))
    columns = [_("Whole unit or area"), _("Before go-live"), _("After go-live")]
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(
        0, 8, _("%(month)s at a glance") % {"month": month_text}, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", size=9)
    with pdf.table(
        col_widths=(85, 35, 35, 35), headings_style=headings, line_height=5, repeat_headings=1
    ) as table:
        table.row([_("Figure"), *columns])
        for code, label, unit in shown:
            point = series[code].points[-1]
            table.row(
                [
                    str(label),
                    *(figure_views.show(getattr(point, era), unit) for era in ERAS),
                ]
            )
    for code, label, unit in shown:
        one = series[code]
        # Keep the heading, the chart and the table's first rows on one page.
        if pdf.will_page_break(10 + CHART_HEIGHT_MM + 30):
            pdf.add_page()
        else:
            pdf.ln(6)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, str(label), new_x="LMARGIN", new_y="NEXT")
        pdf.image(
            io.BytesIO(chart_png(one, str(label), unit, language)),
            w=CHART_WIDTH_MM,
            h=CHART_HEIGHT_MM,
            alt_text=_("Chart: %(figure)s per month, the last 12 months") % {"figure": label},
        )
        pdf.set_font("DejaVu", size=9)
        with pdf.table(
            col_widths=(55, 45, 45, 45), headings_style=headings, line_height=5, repeat_headings=1
        ) as table:
            table.row([_("Month"), *columns])
            for point in one.points:
                table.row(
                    [
                        date_format(point.start, "YEAR_MONTH_FORMAT"),
                        *(figure_views.show(getattr(point, era), unit) for era in ERAS),
                    ]
                )
    return bytes(pdf.output())
