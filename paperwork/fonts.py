"""TrueType fonts parsed once per process, and a font object of its own for each document.

fpdf2's `add_font` parses the TTF file with fontTools on every call, and its output
parses the tables again to cut the document's subset: a profile of the paperwork worker
had ~40 % of its samples there, re-reading the same two DejaVu files for every document.
Here a file is parsed once per process (`FontBook`). Each document then gets a new
`TTFFont` that shares only what fpdf2 never changes after parsing (the character map,
glyph ids, names and metrics) and owns everything a document changes: its glyph subset,
its missing-glyph list, its widths table, its font descriptor and its own fontTools font,
which fpdf2's output subsets in place. That fontTools font is a copy unpickled from the
tables as parsed (no parsing), so documents share no state and the bytes are exactly
those of `add_font` (tests/paperwork/test_fonts.py checks both).
"""

from __future__ import annotations

import copy
import pickle
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont

# Tables that fpdf2's output drops from every embedded subset (fpdf/output.py,
# `OutputProducer._add_fonts`). They are removed once, before the parsed tables are kept,
# so that no document copies tables its subset throws away. Naming one fpdf2 keeps would
# change the bytes, which the byte-identity test catches; missing one only costs time.
_DROPPED_FROM_SUBSETS = (
    "FFTM",
    "GDEF",
    "GPOS",
    "GSUB",
    "MATH",
    "hdmx",
    "meta",
    "sbix",
    "CBDT",
    "CBLC",
    "EBDT",
    "EBLC",
    "EBSC",
    "SVG ",
    "CPAL",
    "COLR",
)

# How a document's font relates to the parsed one, for every attribute of fpdf2's
# TTFFont. Shared: only read once parsed. The rest is set for each document. A new
# fpdf2 with other attributes is refused (`_check_fpdf_font_layout`) rather than guessed.
_SHARED = frozenset(
    {
        "type",
        "name",
        "glyph_ids",
        "cmap",
        "scale",
        "sp",
        "ss",
        "up",
        "ut",
        "ttffile",
        "palette_index",
        "is_compressed",
        "is_cff",
        "is_cid_keyed",
        "is_symbol",
        "cff_ros",
        "collection_font_number",
    }
)
_PER_DOCUMENT = frozenset(
    {
        "i",
        "fontkey",
        "emphasis",
        "desc",  # the output gives it an object number and the embedded file
        "cw",  # a defaultdict: looking up a character the font lacks inserts it
        "ttfont",  # subset in place by the output
        "subset",
        "missing_glyphs",
        "biggest_size_pt",
        "_hbfont",
        "color_font",
    }
)
_NEVER_SET = frozenset({"unicode_range"})  # declared by TTFFont, set by none of its code


@dataclass(frozen=True)
class _Parsed:
    """One font file as parsed: fpdf2's font object (never given to a document) and its
    fontTools tables, fully loaded and pickled, to be copied for each document."""

    font: TTFFont
    tables: bytes


class FontBook:
    """The fonts of one process, each file parsed on first use and kept."""

    def __init__(self) -> None:
        self._parsed: dict[Path, _Parsed] = {}
        self._parses: Counter[Path] = Counter()
        # Documents may be drawn on several threads; a file is still parsed only once.
        self._lock = threading.Lock()

    def add(self, pdf: FPDF, family: str, style: str, path: Path) -> None:
        """Make the font in `path` available to `pdf` as `family`/`style`, like
        `pdf.add_font(family, style, path)`, without parsing the file again."""
        style = "".join(sorted(style.upper()))
        fontkey = f"{family.lower()}{style}"
        if fontkey in pdf.fonts:
            # Not a ValueError: that is how a document reports data it cannot put on paper.
            raise RuntimeError(f"font {fontkey!r} is already in this document")
        pdf.fonts[fontkey] = _for_document(self._get(path), pdf, fontkey, style)

    def load(self, path: Path) -> None:
        """Parse `path` now (if not yet), so that the first document does not wait."""
        self._get(path)

    def times_parsed(self, path: Path) -> int:
        """How often this process has parsed `path`: once, or never."""
        return self._parses[path.resolve()]

    def _get(self, path: Path) -> _Parsed:
        key = path.resolve()
        parsed = self._parsed.get(key)
        if parsed is None:
            with self._lock:
                parsed = self._parsed.get(key)
                if parsed is None:
                    parsed = _parse(key)
                    self._parses[key] += 1
                    self._parsed[key] = parsed
        return parsed


# The process's fonts: what `paperwork.layout` draws documents with.
FONTS = FontBook()


def _parse(path: Path) -> _Parsed:
    _check_fpdf_font_layout()
    # fpdf2's own parsing, so that every derived value (widths, descriptor, names) is
    # what add_font would compute. The throwaway FPDF only numbers the font.
    font = TTFFont(FPDF(), path, "parsed", "")
    if font.color_font is not None or font.is_cff:
        # Colour fonts draw through images kept in the document, and CFF fonts raise the
        # PDF version: neither is needed for DejaVu, so neither is supported here.
        raise RuntimeError(f"{path}: only TrueType-outline fonts without colour are supported")
    tables = font.ttfont
    dropped = set(_DROPPED_FROM_SUBSETS)
    if "GPOS" in tables:
        dropped.add("kern")  # fontTools' subsetter drops it when GPOS is there
    for tag in dropped.intersection(tables.keys()):
        del tables[tag]
    _load_all(tables)
    pickled = pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL)
    del font.ttfont  # documents get copies of the pickle; the parsed tables need not stay
    return _Parsed(font, pickled)


def _load_all(tables: TTFont) -> None:
    """Decompile every table the output will read (it reads them all), then let go of the
    file: the pickled copy stands alone and a document never reads the disk."""
    for tag in list(tables.keys()):
        tables[tag]
    for subtable in tables["cmap"].tables:
        subtable.ensureDecompiled()
    tables.close()


def _for_document(parsed: _Parsed, pdf: FPDF, fontkey: str, style: str) -> TTFFont:
    """A font object of `pdf`'s own, as TTFFont.__init__ would have made it."""
    source = parsed.font
    font = TTFFont.__new__(TTFFont)
    for name in _SHARED:
        setattr(font, name, getattr(source, name))
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.emphasis = TextEmphasis.coerce(style)
    font.desc = copy.copy(source.desc)
    font.cw = copy.copy(source.cw)
    # Our own pickle of tables parsed in this process, never data from outside.
    font.ttfont = pickle.loads(parsed.tables)  # noqa: S301
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None  # HarfBuzz opens `ttffile` itself, only if text shaping is used
    font.color_font = None
    font.subset = SubsetMap(font)
    return font


def _check_fpdf_font_layout() -> None:
    known = _SHARED | _PER_DOCUMENT | _NEVER_SET
    slots = frozenset(TTFFont.__slots__)
    if slots != known:
        raise RuntimeError(
            "fpdf2's TTFFont has changed (attributes "
            f"{sorted(slots ^ known)}): review paperwork/fonts.py before using this version"
        )
