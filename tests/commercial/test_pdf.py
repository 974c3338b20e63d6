"""The invoice PDF's machine-readable parts: the PIX QR code and the FEBRABAN barcode
printed on the page are read back by a barcode reader (zbar) from the page rendered at
150 dpi."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from commercial import invoice_pdf
from commercial.domain.febraban import collection_barcode, format_typed_line, typed_line
from commercial.domain.money import money
from commercial.domain.pix import pix_payload


def _doc(total: str = "101.48") -> dict:
    code = collection_barcode(money(total), "0123",
                                     "2026110500000123432610000")
    line = typed_line(code)
    pix = pix_payload("12345678000195", "SAAE VALE VERDE", "VALE VERDE",
                             money(total), txid="F202610000012340")
    return {
        "number": "202610000012340", "reference": "10/2026", "issue_date": "2026-10-20",
        "due_date": "2026-11-05",
        "utility": {"name": "Serviço Autônomo de Água e Esgoto", "short_name": "SAAE Teste",
                    "cnpj": "12.345.678/0001-95", "phone": "(19) 3333-1000", "website": "saae.test"},
        "customer": {"name": "Maria Silva", "document": "***.982.247-**"},
        "connection": {"matricula": "1234-3", "address": "Rua A, 10", "neighbourhood": "Centro",
                       "city": "Vale Verde", "group": 1, "route": 1, "sector": "SET-01",
                       "system_name": "Sistema Sede", "situation": "Ativa",
                       "categories": [{"label": "Residencial", "economias": 1}],
                       "meter": {"number": "Y25A000001", "diameter": '3/4"', "telemetered": False}},
        "reading": {"previous_value": 160, "previous_date": "2026-09-18", "current_value": 190,
                    "current_date": "2026-10-18", "consumption": 30, "days": 30, "average": 21,
                    "basis": "Consumo medido.", "occurrence": None},
        "history": [{"label": "set/26", "consumption": 21, "kind": "real"},
                    {"label": "out/26", "consumption": 30, "kind": "real"}],
        "tariff": {"table": "Tabela 2025", "valid_from": "2025-01-01", "sewer_percent": "50",
                   "has_sewer": True,
                   "lines": [{"label": "Residencial", "economias": 1, "table": "Tabela 2025",
                              "share": "1", "per_economia": "30", "water": "67.65", "sewer": "33.83",
                              "bands": [{"label": "00 a 10", "volume": "10", "price": None, "amount": "18.90"},
                                        {"label": "11 a 15", "volume": "5", "price": "2.10", "amount": "10.50"}]}]},
        "amounts": {"water": "67.65", "sewer": "33.83", "services": [], "total": total},
        "messages": ["Mensagem de teste."],
        "quality": {"system_name": "Sistema Sede", "label": "09/2026", "parameters": [
            {"name": "Turbidez", "unit": "uT", "standard": "Rede de distribuição: <= 5,0 uT",
             "required": 10, "analysed": 12, "conforming": 12, "verdict": "conforme"}],
            "note": "", "more_info": "saae.test/qualidade"},
        "consumer_info": {"health": "Ferva a água em caso de aviso."},
        "payment": {"barcode": code, "typed_line": line, "typed_line_fmt": format_typed_line(line),
                    "pix": pix, "direct_debit": False},
    }


def test_printed_codes_are_read_back(tmp_path: Path):
    from PIL import Image
    from pyzbar.pyzbar import decode

    doc = _doc()
    (tmp_path / "f.pdf").write_bytes(invoice_pdf.render_invoice(doc))
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "f.pdf"), str(tmp_path / "p")],
                   check=True)
    found = {d.type: d.data.decode() for d in decode(Image.open(tmp_path / "p-1.png"))}
    assert found["I25"] == doc["payment"]["barcode"]
    assert found["QRCODE"] == doc["payment"]["pix"]
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "R$ 101,48" in text and "até 5,0 uT" in text and "2ª VIA" not in text
    copy = invoice_pdf.render_invoice(doc, copy=True)
    (tmp_path / "c.pdf").write_bytes(copy)
    text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2ª VIA" in text


def test_pdf_writer_escapes_and_falls_back(tmp_path: Path):
    """Parentheses, backslashes and characters outside WinAnsi in a customer's name or a
    Gestor's message still give a valid PDF whose text reads back."""
    doc = _doc()
    doc["customer"]["name"] = "José (Zé) d\\Ávila – ≤ 5 ✓"
    doc["messages"] = ["Mensagem com (parênteses) e acentuação: água, ç, ã, õ, º, ª."]
    data = invoice_pdf.render_invoice(doc)
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    (tmp_path / "f.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "José (Zé) d\\Ávila – <= 5 v" in text
    assert "Mensagem com (parênteses) e acentuação: água, ç, ã, õ, º, ª." in text
    info = subprocess.run(["pdfinfo", str(tmp_path / "f.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "Fatura 202610000012340" in info


def test_whole_tariff_table_is_printed(tmp_path: Path):
    """Tender 7.4: the bill shows the tariff table with its bands and prices; the bands the
    consumption did not reach are listed too."""
    doc = _doc()
    doc["tariff"]["lines"][0]["table_bands"] = [
        {"label": "00 a 10", "price": None}, {"label": "11 a 15", "price": "2.10"},
        {"label": "16 a 20", "price": "2.30"}, {"label": "31 a 50", "price": "3.18"},
        {"label": "acima de 50", "price": "3.58"}]
    (tmp_path / "f.pdf").write_bytes(invoice_pdf.render_invoice(doc))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "31 a 50 m³" in text and "3,18" in text and "acima de 50 m³" in text and "3,58" in text


def test_render_many_makes_one_page_per_invoice(tmp_path: Path):
    n = invoice_pdf.render_many([_doc(), _doc("20.00"), _doc("0.50")], tmp_path / "lote.pdf")
    info = subprocess.run(["pdfinfo", str(tmp_path / "lote.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert n == 3 and re.search(r"Pages:\s+3\n", info)


def test_many_services_keep_water_and_sewer_lines(tmp_path: Path):
    doc = _doc()
    doc["amounts"]["services"] = [{"description": f"Serviço {i}", "amount": "10.00", "id": i}
                                  for i in range(1, 9)]
    (tmp_path / "f.pdf").write_bytes(invoice_pdf.render_invoice(doc))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Água" in text and "Esgoto (50% da água)" in text and "R$ 33,83" in text
    assert "Serviço 1" in text and "Outros serviços" in text
