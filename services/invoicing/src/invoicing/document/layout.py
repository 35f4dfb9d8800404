"""A small page layout over fpdf2: wrapped text, columns and page breaks that repeat a header.

fpdf2's own tables and multi_cell measure text character by character and need seconds for a
1,000-line invoice; placing measured words with `text()` does the same job in a fraction of it.
The built-in PDF fonts (Helvetica, in Windows-1252) cover €, the Dutch accents and the rest of
Western Europe without shipping a font file; any other character is shown by its nearest
Latin letter or, failing that, a question mark.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal

from fpdf import FPDF
from fpdf.fonts import CORE_FONTS_CHARWIDTHS

Align = Literal["L", "R"]
FONT = "Helvetica"
ENCODING = "windows-1252"
MM_PER_PT = 25.4 / 72
# Letters that Unicode does not decompose into a Latin base letter plus accents.
_FALLBACKS = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "\u0131": "i", "Ħ": "H", "ħ": "h"}
_FALLBACKS |= {"Ŀ": "L", "ŀ": "l", "Ŧ": "T", "ŧ": "t", "Ĳ": "IJ", "ĳ": "ij", "\u017f": "s"}
_FALLBACKS |= {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u2009": " "}
_FALLBACKS |= {"\u202f": " ", "\u2007": " ", "\u2060": "", "\ufeff": "", "\u200b": ""}


@lru_cache(maxsize=4096)
def _printable_char(char: str) -> str:
    if char in _FALLBACKS:
        return _FALLBACKS[char]
    if char in "\t\r\n\v\f":
        return " "
    if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
        return ""
    try:
        char.encode(ENCODING)
        return char
    except UnicodeEncodeError:
        pass
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        base.encode(ENCODING)
        return base or "?"
    except UnicodeEncodeError:
        return "?"


@lru_cache(maxsize=64)
def _char_widths(bold: bool, size: float) -> dict[str, float]:
    """Width in mm of each character the font has, at this size (fpdf2's metrics, once)."""
    metrics = CORE_FONTS_CHARWIDTHS["helveticaB" if bold else "helvetica"]
    widths = {}
    for code in range(32, 256):
        try:
            char = bytes([code]).decode(ENCODING)
        except UnicodeDecodeError:
            continue
        widths[char] = metrics[chr(code)] * size * 0.001 * MM_PER_PT
    return widths


def printable(text: str) -> str:
    """The text as the built-in fonts can show it (one line: line breaks become spaces)."""
    return "".join(_printable_char(c) for c in text)


@dataclass(frozen=True)
class Style:
    """Font size, weight and grey level of a piece of text."""

    size: float = 9
    bold: bool = False
    grey: int = 0

    @property
    def line_height(self) -> float:
        return self.size * MM_PER_PT * 1.3


@dataclass(frozen=True)
class Column:
    """A column of a table: where it starts, how wide it is, how its text is aligned."""

    x: float
    width: float
    align: Align = "L"


class _Sheet(FPDF):
    """An A4 sheet whose every page ends with the document's name and its page number."""

    def __init__(self, footer: str, page_label: str, fine_print: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.core_fonts_encoding = ENCODING
        self.footer_text = footer
        self.page_label = page_label
        self.fine_print = fine_print

    def footer(self) -> None:
        self.set_font(FONT, "", 7)
        self.set_text_color(110)
        self.set_xy(self.l_margin, self.h - 13)
        width = self.w - self.l_margin - self.r_margin
        self.cell(width * 0.75, 4, self.footer_text)
        # cell(), unlike text(), fills in the total page count ({nb}) when the PDF is written.
        number = self.page_label.format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(width * 0.25, 4, number, align="R")
        self.set_font(FONT, "", 6.5)
        self.set_xy(self.l_margin, self.h - 9.5)
        self.cell(width, 3, self.fine_print)


class Layout:
    """A cursor over the pages; everything drawn moves it down and breaks pages when full."""

    def __init__(
        self, footer: str, fine_print: str, page_label: str, title: str, author: str, day: date
    ) -> None:
        self.pdf = _Sheet(printable(footer), page_label, printable(fine_print))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(18, 16, 18)
        self.pdf.set_title(title)
        self.pdf.set_author(author)
        self.pdf.set_creator("einvoice platform")
        # A fixed creation date keeps the same invoice rendering to the same bytes.
        self.pdf.set_creation_date(datetime(day.year, day.month, day.day, tzinfo=UTC))
        self.left = self.pdf.l_margin
        self.right = self.pdf.w - self.pdf.r_margin
        self.top = 16.0
        self.bottom = self.pdf.h - 18
        self.on_new_page: Callable[[], None] | None = None
        self.pdf.add_page()
        self.y = self.top
        self._style: Style | None = None

    @property
    def width(self) -> float:
        return self.right - self.left

    def new_page(self) -> None:
        """Start the next page; a table being drawn repeats its header there."""
        self.pdf.add_page()
        self._style = None
        self.y = self.top
        if self.on_new_page is not None:
            self.on_new_page()

    def room_for(self, height: float) -> None:
        """Break the page unless `height` more fits on it (and it can fit on any page at all)."""
        if self.y + height > self.bottom and self.y > self.top:
            self.new_page()

    def skip(self, height: float) -> None:
        """Leave vertical space (at most to the end of the page)."""
        self.y = min(self.y + height, self.bottom)

    def use(self, style: Style) -> None:
        if style != self._style:
            self.pdf.set_font(FONT, "B" if style.bold else "", style.size)
            self.pdf.set_text_color(style.grey)
            self._style = style

    def measure(self, text: str, style: Style) -> float:
        """How wide the (printable) text is in mm."""
        widths = _char_widths(style.bold, style.size)
        return sum(widths.get(char, 0.0) for char in text)

    def wrap(self, text: str, width: float, style: Style) -> list[str]:
        """The text broken into lines no wider than `width`; line breaks in it are kept."""
        space = self.measure(" ", style)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current, current_width = "", 0.0
            for word in printable(paragraph).split():
                word_width = self.measure(word, style)
                if current and current_width + space + word_width <= width:
                    current, current_width = f"{current} {word}", current_width + space + word_width
                    continue
                if current:
                    lines.append(current)
                current, current_width = word, word_width
                while current_width > width and len(current) > 1:
                    cut = self._longest_prefix(current, width, style)
                    lines.append(current[:cut])
                    current = current[cut:]
                    current_width = self.measure(current, style)
            lines.append(current)
        return lines

    def _longest_prefix(self, text: str, width: float, style: Style) -> int:
        """How many characters of `text` fit in `width` (at least one)."""
        widths = _char_widths(style.bold, style.size)
        total = 0.0
        for index, char in enumerate(text):
            total += widths.get(char, 0.0)
            if total > width:
                return max(index, 1)
        return len(text)

    def put(self, text: str, column: Column, style: Style) -> None:
        """One line of text in a column on the current line (cut to the column if too wide)."""
        self.use(style)
        line = printable(text)
        line_width = self.measure(line, style)
        if line_width > column.width:
            line = line[: self._longest_prefix(line, column.width, style)]
            line_width = self.measure(line, style)
        x = column.x + column.width - line_width if column.align == "R" else column.x
        self.pdf.text(x, self.y + style.size * MM_PER_PT, line)

    def row(self, cells: Sequence[tuple[str, Column]], style: Style) -> None:
        """One line of single-line cells; moves the cursor below it."""
        self.room_for(style.line_height)
        for text, column in cells:
            self.put(text, column, style)
        self.y += style.line_height

    def paragraph(self, text: str, column: Column, style: Style) -> None:
        """Wrapped text in a column, breaking pages between its lines as needed."""
        for line in self.wrap(text, column.width, style):
            self.row([(line, column)], style)

    def rule(self, grey: int = 170, width: float = 0.2) -> None:
        """A thin horizontal line across the page at the cursor."""
        self.pdf.set_draw_color(grey)
        self.pdf.set_line_width(width)
        self.pdf.line(self.left, self.y, self.right, self.y)

    def shade(self, height: float, grey: int = 236) -> None:
        """A light band across the page from the cursor down (behind a table header)."""
        self.pdf.set_fill_color(grey)
        self.pdf.rect(self.left, self.y, self.width, height, style="F")

    def output(self) -> bytes:
        return bytes(self.pdf.output())
