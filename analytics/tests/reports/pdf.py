"""Reading a rendered report back: its pages' text, as a reader's PDF viewer extracts it."""

import io

from pypdf import PdfReader


def pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return "\n".join(pdf_pages(content))
