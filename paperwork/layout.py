"""Drawing shared by every document: an A4 sheet with a Cyrillic font and a few blocks
(title, city and date, headings, paragraphs, fields, an amounts table, signatures).

User text is drawn as plain text: fpdf2 encodes glyphs itself and nothing is parsed as
markup, so «<b>», «**» or «(\\)» come out exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, XPos, YPos

from paperwork.dates import format_date
from paperwork.fonts import FONTS

# Debian's fonts-dejavu-core; the installer provides it, a setting may point elsewhere.
DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR_FONT_FILE = "DejaVuSans.ttf"
BOLD_FONT_FILE = "DejaVuSans-Bold.ttf"
_FAMILY = "DejaVu"

BODY_SIZE = 10.5
TITLE_SIZE = 13
FOOTER_SIZE = 8
LINE_HEIGHT = 5.2  # mm, for BODY_SIZE
# Room the signatures block needs: with less left on the page it starts a new one.
SIGNATURES_HEIGHT = 55

# fpdf2 replaces its page-count alias («{nb}» by default) in *any* drawn text, so a
# report containing «{nb}» would have it turned into a number. The alias is made of NUL,
# which `clean_text` removes from every string a Sheet draws: only the footer has it.
PAGES_ALIAS = "\x00pages\x00"

_BLANK_LINES = re.compile(r"\n{3,}")
# Runs of whitespace, but not the no-break spaces our own formatting puts in amounts and
# dates («3 000,00 ₽», «25 ноября 2026 г.»): those must survive a single-line field.
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
_SOFT_HYPHEN = "\u00ad"


def clean_text(text: str, *, single_line: bool = False) -> str:
    """Text made safe to draw: line breaks normalised, tabs as spaces, control and format
    characters (NUL, bidi overrides, zero-width marks) dropped — they have no glyph, an
    override could make a name read differently from what is stored, and NUL is reserved
    for `PAGES_ALIAS`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    kept = "".join(
        ch
        for ch in text
        if ch in ("\n", _SOFT_HYPHEN) or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    if single_line:
        return _SPACES.sub(" ", kept).strip()
    lines = [line.rstrip() for line in kept.strip().split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


class _Pdf(FPDF):
    """FPDF with a footer naming the document on every page, so a loose page of a long
    act is still recognisably part of it."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FAMILY, "", FOOTER_SIZE)
        self.set_text_color(110)
        text = f"{self.footer_text} — страница {self.page_no()} из {PAGES_ALIAS}"
        self.cell(0, 5, text, align=Align.C)
        self.set_text_color(0)


class Sheet:
    """One document being drawn. Build it, call the block methods in order, then
    `to_bytes()`."""

    def __init__(self, *, title: str, dated: date, font_dir: Path = DEFAULT_FONT_DIR) -> None:
        pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
        pdf.footer_text = clean_text(title, single_line=True)
        pdf.alias_nb_pages(PAGES_ALIAS)
        pdf.set_margins(left=25, top=20, right=15)
        pdf.set_auto_page_break(auto=True, margin=20)
        _add_fonts(pdf, font_dir)
        _make_reproducible(pdf, title, dated)
        pdf.add_page()
        self.pdf = pdf
        self._body()

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())

    # -- blocks ---------------------------------------------------------------------------

    def title(self, *lines: str) -> None:
        """Centred title lines: the first bold and larger, the rest as its subtitle."""
        cleaned = [clean_text(line, single_line=True) for line in lines]
        self.pdf.set_font(_FAMILY, "B", TITLE_SIZE)
        self._centred(cleaned[0], TITLE_SIZE * 0.5)
        self._body()
        for line in cleaned[1:]:
            self._centred(line, LINE_HEIGHT)
        self.pdf.ln(LINE_HEIGHT)

    def city_and_date(self, city: str | None, day: date) -> None:
        """«г. Москва» on the left and the date on the right of one line (the date alone
        when there is no city)."""
        pdf = self.pdf
        date_text = format_date(day)
        date_width = pdf.get_string_width(date_text) + 2
        top = pdf.get_y()
        place = f"г. {clean_text(city, single_line=True)}" if city else ""
        # A multi-cell, not a cell: a long city name wraps instead of running under the date.
        pdf.multi_cell(
            pdf.epw - date_width,
            LINE_HEIGHT,
            place,
            align=Align.L,
            new_x=XPos.RIGHT,
            new_y=YPos.NEXT,
        )
        bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + pdf.epw - date_width, top)
        pdf.cell(date_width, LINE_HEIGHT, date_text, align=Align.R)
        pdf.set_xy(pdf.l_margin, bottom)
        pdf.ln(LINE_HEIGHT)

    def heading(self, text: str) -> None:
        self.pdf.ln(LINE_HEIGHT * 0.5)
        self.pdf.set_font(_FAMILY, "B", BODY_SIZE)
        self._paragraph(clean_text(text), Align.L)
        self._body()

    def paragraph(self, text: str) -> None:
        """Our own wording (with names and numbers in it): justified."""
        self._paragraph(clean_text(text), Align.J)

    def user_paragraph(self, text: str) -> None:
        """Text someone typed: cleaned, left-aligned (justifying a long URL or a list typed
        line by line stretches it badly), wrapped onto as many lines and pages as needed."""
        self._paragraph(clean_text(text), Align.L)

    def field(self, label: str, value: str) -> None:
        """«Label: value» — the label bold, the value (user text) wrapping under it."""
        pdf = self.pdf
        pdf.set_font(_FAMILY, "B", BODY_SIZE)
        pdf.write(LINE_HEIGHT, f"{clean_text(label, single_line=True)}: ")
        self._body()
        pdf.write(LINE_HEIGHT, clean_text(value, single_line=True))
        pdf.ln(LINE_HEIGHT)

    def amounts(self, rows: Sequence[tuple[str, str]], *, total_last: bool = True) -> None:
        """A bordered two-column table of labels and amounts; the last row bold as the
        total."""
        bold = FontFace(emphasis="BOLD")
        with self.pdf.table(
            col_widths=(3, 1),
            first_row_as_headings=False,
            text_align=(Align.L, Align.R),
            line_height=LINE_HEIGHT + 1,
            padding=1.5,
        ) as table:
            for index, (label, amount) in enumerate(rows):
                style = bold if total_last and index == len(rows) - 1 else None
                row = table.row()
                row.cell(clean_text(label, single_line=True), style=style)
                row.cell(clean_text(amount, single_line=True), style=style)
        self.pdf.ln(LINE_HEIGHT * 0.5)

    def signatures(self, left: Sequence[str], right: Sequence[str]) -> None:
        """Two side-by-side columns: a role heading, the party's details, a signature line.
        Starts a new page rather than split the block from its own heading."""
        pdf = self.pdf
        if pdf.will_page_break(SIGNATURES_HEIGHT):
            pdf.add_page()
        pdf.ln(LINE_HEIGHT)
        cleaned = [[clean_text(line, single_line=True) for line in col] for col in (left, right)]
        with pdf.table(
            borders_layout=TableBordersLayout.NONE,
            col_widths=(1, 1),
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD"),
            text_align=Align.L,
            line_height=LINE_HEIGHT,
            gutter_width=10,
        ) as table:
            table.row([cleaned[0][0], cleaned[1][0]])
            table.row(["\n".join(cleaned[0][1:]), "\n".join(cleaned[1][1:])])

    # -- helpers --------------------------------------------------------------------------

    def _body(self) -> None:
        self.pdf.set_font(_FAMILY, "", BODY_SIZE)

    def _centred(self, text: str, height: float) -> None:
        self.pdf.multi_cell(0, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _paragraph(self, text: str, align: Align) -> None:
        self.pdf.multi_cell(0, LINE_HEIGHT, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(LINE_HEIGHT * 0.4)


def signature_line() -> str:
    """The line to sign on. The signer's name is printed above it rather than after a
    slash: a full name after the line would wrap in a half-page column."""
    return f"{'_' * 24} (подпись)"


def load_fonts(font_dir: Path = DEFAULT_FONT_DIR) -> None:
    """Parse the documents' fonts now (each file once per process), so that the first
    document drawn afterwards does not pay for it."""
    for _, path in _font_files(font_dir):
        FONTS.load(path)


def _add_fonts(pdf: FPDF, font_dir: Path) -> None:
    for style, path in _font_files(font_dir):
        FONTS.add(pdf, _FAMILY, style, path)


def _font_files(font_dir: Path) -> list[tuple[str, Path]]:
    files = [("", font_dir / REGULAR_FONT_FILE), ("B", font_dir / BOLD_FONT_FILE)]
    for _, path in files:
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: Cyrillic documents need the DejaVu fonts "
                "(Debian package fonts-dejavu-core) or a font_dir that holds them"
            )
    return files


def _make_reproducible(pdf: FPDF, title: str, dated: date) -> None:
    # Stored documents are addressed by a hash of their bytes, and a retried generation
    # must give the same hash. fpdf2 would stamp the current time as the creation date
    # (and derive the file /ID from it); the document's own date is used instead. The
    # /ID is otherwise an MD5 of the content, so nothing else varies between runs.
    pdf.set_creation_date(datetime.combine(dated, time(), tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_lang("ru-RU")
    pdf.set_creator("service-aggregator paperwork")
