"""Evidence files are judged by their first bytes as well as their declared type."""

from __future__ import annotations

from policy.evidence_files import acceptable, sniffed_family

EXE = b"MZ\x90\x00\x03\x00\x00\x00"


def test_an_executable_is_refused_whatever_it_is_called() -> None:
    assert sniffed_family(EXE) is None
    assert not acceptable("application/pdf", "receipt.pdf", EXE)
    assert not acceptable("application/x-msdownload", "receipt.exe", None)
    assert not acceptable(None, "receipt.exe", None)
    assert not acceptable("text/x-shellscript", "run.sh", b"#!/bin/sh\nrm -rf /")


def test_images_pdf_video_and_office_documents_pass_when_their_bytes_agree() -> None:
    assert acceptable("application/pdf", "po.pdf", b"%PDF-1.7\n")
    assert acceptable("image/jpeg", "shade.jpg", b"\xff\xd8\xff\xe0")
    assert acceptable("video/mp4", "unboxing.mp4", b"\x00\x00\x00\x18ftypmp42")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert acceptable(docx, "report.docx", b"PK\x03\x04")
    assert acceptable(
        "application/octet-stream", "invoice.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    )
    # A PDF that is really a JPEG is not what it says it is.
    assert not acceptable("application/pdf", "po.pdf", b"\xff\xd8\xff\xe0")
    assert not acceptable("image/svg+xml", "logo.svg", b"<svg onload=alert(1)>")
