"""Chart pieces for the printed workbooks: bar charts whose text is Thai, as
LibreOffice and Excel draw them (openpyxl charts over the workbook's own cells).

Chart text carries the forms' font in its Latin, complex-script and East Asian slots,
so that LibreOffice does not fall back to a font of its choosing for the Thai.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.chart import BarChart
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FONT", "bar_chart", "chart_title", "colour", "series_title", "text_props"]

FONT = "TH SarabunPSK"


def text_props(size: int = 12, bold: bool = False) -> RichText:
    """Chart text in the forms' Thai font (its Latin, complex-script and East Asian slots)."""
    face = DrawingFont(typeface=FONT)
    props = CharacterProperties(latin=face, cs=face, ea=face, sz=size * 100, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def chart_title(text: str, size: int = 16) -> Title:
    """A chart's (or an axis's) title in the forms' Thai font, bold."""
    face = DrawingFont(typeface=FONT)
    props = CharacterProperties(latin=face, cs=face, ea=face, sz=size * 100, b=True)
    run = RegularTextRun(rPr=props, t=text)
    body = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), r=[run])])
    return Title(tx=Text(rich=body), overlay=False)


def bar_chart(title: str, *, horizontal: bool, stacked: bool) -> BarChart:
    """A bar chart in the forms' Thai font, its legend below; ``horizontal`` bars run
    from the first category at the top; ``stacked`` stacks the series."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    chart.title = chart_title(title)
    chart.style = 10
    chart.txPr = text_props(13)
    chart.legend.position = "b"
    chart.legend.txPr = text_props(13)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = text_props(13)
    chart.y_axis.txPr = text_props(13)
    chart.y_axis.majorGridlines = chart.y_axis.majorGridlines  # keep the value gridlines
    chart.x_axis.tickLblSkip = 1  # every category's label, however many (never every other)
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # the first unit on top, as in the table
        chart.y_axis.crosses = "max"  # and the value axis below the bars
    return chart


def colour(chart: BarChart, colours: Sequence[str]) -> None:
    """Fill the chart's series with ``colours`` (RGB hex), in order."""
    for series, colour in zip(chart.series, colours, strict=False):
        series.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.graphicalProperties.line.solidFill = colour


def series_title(ws: Worksheet, row: int, col: int) -> SeriesLabel:
    """A series' name read from a cell of ``ws``."""
    return SeriesLabel(strRef=StrRef(f"'{ws.title}'!${get_column_letter(col)}${row}"))
