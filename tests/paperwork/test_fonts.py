"""Fonts parsed once per process: the same bytes as fpdf2's own add_font for every kind
of document and glyph mix, each file parsed once however many documents use it, and no
state shared between documents drawn side by side."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.fonts import TTFFont

from paperwork import layout
from paperwork.fonts import FONTS, FontBook
from paperwork.layout import BOLD_FONT_FILE, DEFAULT_FONT_DIR, REGULAR_FONT_FILE, Sheet
from paperwork.pdf import render_act, render_contract, render_payout
from tests.helpers.paperwork_data import ACT, CONTRACT, PAYOUT

REGULAR = DEFAULT_FONT_DIR / REGULAR_FONT_FILE
BOLD = DEFAULT_FONT_DIR / BOLD_FONT_FILE

Render = Callable[..., bytes]
# Different glyph subsets: the base documents, Latin only, a long report with signs and
# letters of other scripts, and characters DejaVu lacks (reported, drawn as .notdef).
DOCUMENTS: list[tuple[Render, object]] = [
    (render_act, ACT),
    (render_contract, CONTRACT),
    (render_payout, PAYOUT),
    (render_act, replace(ACT, work_description="Plain ASCII only, 1-2-3.")),
    (
        render_act,
        replace(ACT, work_description="ΣΔ ∑√∞ ≠ ₽ € ü ß ç — «ёлка» № 5 " + "текст " * 1500),
    ),
    (render_act, replace(ACT, work_description="нет глифа: 😀 \ufdfd 𝔘")),
]


class AddFontPerDocument:
    """What documents did before: fpdf2's add_font, which parses the file each time."""

    def add(self, pdf: FPDF, family: str, style: str, path: Path) -> None:
        pdf.add_font(family, style, str(path))


def test_documents_are_byte_identical_to_fpdf2s_own_add_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In an order and its reverse: what one document leaves behind must not reach the next.
    cached = [render(data) for render, data in DOCUMENTS]
    backwards = [render(data) for render, data in reversed(DOCUMENTS)][::-1]
    monkeypatch.setattr(layout, "FONTS", AddFontPerDocument())
    reference = [render(data) for render, data in DOCUMENTS]

    assert cached == reference
    assert backwards == reference


def test_each_font_file_is_parsed_once_per_process_however_many_documents() -> None:
    for render, data in DOCUMENTS * 3:
        render(data)
    assert FONTS.times_parsed(REGULAR) == 1
    assert FONTS.times_parsed(BOLD) == 1


def test_documents_drawn_side_by_side_share_no_state() -> None:
    def sheet(text: str) -> Sheet:
        drawn = Sheet(title="Документ", dated=date(2026, 11, 25))
        drawn.heading("Заголовок")
        drawn.user_paragraph(text)
        return drawn

    alone = [sheet(text).to_bytes() for text in ("абв", "xyz ∑")]

    first, second = sheet("абв"), sheet("xyz ∑")  # both open at once, glyphs interleaved
    first.paragraph("ёжик")
    second.paragraph("ёжик")
    mine, theirs = first.pdf.fonts["dejavu"], second.pdf.fonts["dejavu"]
    assert isinstance(mine, TTFFont)
    assert isinstance(theirs, TTFFont)
    for own in ("ttfont", "subset", "desc", "cw", "missing_glyphs"):
        assert getattr(mine, own) is not getattr(theirs, own), own
    assert mine.cmap is theirs.cmap  # only what fpdf2 merely reads is shared

    first_bytes, second_bytes = first.to_bytes(), second.to_bytes()
    again = sheet("абв")
    again.paragraph("ёжик")
    assert first_bytes == again.to_bytes()
    assert sheet("абв").to_bytes() == alone[0]
    assert sheet("xyz ∑").to_bytes() == alone[1]
    later = sheet("xyz ∑")
    later.paragraph("ёжик")
    assert second_bytes == later.to_bytes()


def test_a_new_book_parses_a_file_on_first_use_only_even_from_many_threads() -> None:
    book = FontBook()
    assert book.times_parsed(REGULAR) == 0
    documents = [FPDF() for _ in range(8)]
    threads = [
        threading.Thread(target=book.add, args=(pdf, "DejaVu", "", REGULAR)) for pdf in documents
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert book.times_parsed(REGULAR) == 1
    assert book.times_parsed(BOLD) == 0
    assert all("dejavu" in pdf.fonts for pdf in documents)
    fonts = [font for pdf in documents if isinstance(font := pdf.fonts["dejavu"], TTFFont)]
    assert len(fonts) == len(documents)
    assert len({id(font.ttfont) for font in fonts}) == len(documents)


def test_a_font_added_twice_to_one_document_is_refused() -> None:
    pdf = FPDF()
    FONTS.add(pdf, "DejaVu", "B", BOLD)
    with pytest.raises(RuntimeError, match="already"):
        FONTS.add(pdf, "DejaVu", "b", BOLD)
