"""Paperwork: the documents of a job rendered to PDF.

An act of completed works (акт сдачи-приёмки выполненных работ) between a customer and a
self-employed executor, the services contract the platform concludes with an executor on
their first job, and the payout statement of each job (price, platform commission, net).

Rendering is pure and deterministic — the same data gives byte-identical PDFs — because
stored documents are addressed by a hash of their content. Cyrillic is drawn with the
DejaVu TTF fonts (`font_dir`, by default Debian's fonts-dejavu-core).
"""

from paperwork.layout import DEFAULT_FONT_DIR
from paperwork.models import ActData, Company, ContractData, Party, PayoutData
from paperwork.money import amount_in_words, format_amount, split_payout
from paperwork.naming import DocumentKind, document_title, file_name
from paperwork.pdf import render_act, render_contract, render_payout

__all__ = [
    "DEFAULT_FONT_DIR",
    "ActData",
    "Company",
    "ContractData",
    "DocumentKind",
    "Party",
    "PayoutData",
    "amount_in_words",
    "document_title",
    "file_name",
    "format_amount",
    "render_act",
    "render_contract",
    "render_payout",
    "split_payout",
]
