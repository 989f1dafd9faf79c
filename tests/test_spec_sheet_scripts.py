"""The contract draft keeps every script its buyer and supplier write in.

CI installs DejaVu and Droid Sans Fallback (.ci/run), so there the Chinese, Russian and
Portuguese lines must read back from the PDF exactly. On a machine without those fonts
the draft must say in its metadata what it could not print, instead of failing silently.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from bot.services.spec_sheet import (
    NO_CJK_FONT,
    NO_UNICODE_FONT,
    Section,
    Sheet,
    cjk_font,
    render,
    unicode_font,
)

LINES = {
    "zh": ("材料", "100% 棉，潘通 186 C"),
    "ru": ("Материал", "100% хлопок"),
    "pt": ("Embalagem", "caixa de papelão, não plástico"),
}


def test_chinese_russian_and_portuguese_survive_in_the_pdf() -> None:
    sheet = Sheet(
        title="订单规格说明 · Спецификация",
        subtitle="Pedido nº 1",
        sections=[Section(heading="规格", rows=tuple(LINES.values()))],
        signatures=("买家", "Поставщик"),
    )
    pdf = PdfReader(io.BytesIO(render(sheet)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    subject = (pdf.metadata or {}).get("/Subject")
    if unicode_font() is None:
        assert subject == NO_UNICODE_FONT
        assert "Pedido" in text
        return
    for label, value in LINES.values():
        if cjk_font() is None and label == "材料":
            continue
        assert label in text and value in text
    assert "Спецификация" in text
    if cjk_font() is None:
        assert subject == NO_CJK_FONT
    else:
        assert subject is None
        assert "订单规格说明" in text and "买家" in text


def test_without_a_cjk_font_only_a_draft_with_han_text_says_what_it_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.services import spec_sheet

    monkeypatch.setattr(spec_sheet, "cjk_font", lambda: None)  # as on a bare machine

    def subject(title: str) -> object:
        pdf = PdfReader(io.BytesIO(render(Sheet(title=title, subtitle="", sections=[]))))
        return (pdf.metadata or {}).get("/Subject")

    if unicode_font() is None:
        assert subject("Pedido nº 1") == subject("订单") == NO_UNICODE_FONT
    else:
        assert subject("Pedido nº 1 · Спецификация") is None  # DejaVu draws all of it
        assert subject("订单规格说明") == NO_CJK_FONT
