"""The rendering toolkit: barcodes, labels, PDF helpers and SVG charts. Knows no domain (it
imports nothing from the repository but `core`); every area may use it. Callers import the
module they need, so a page that draws an SVG chart does not load reportlab or libdmtx:

- `render.labels`: label sheets (PDF), thermal rolls, ZPL, PNG (`LabelSpec`, `SheetLayout`);
- `render.reader`: codes read from a photo, image checks;
- `render.barcodes.{code128,datamatrix,i25,qr}`: the symbols as modules, drawn by callers;
- `render.pdf.text`: `esc` for reportlab's Paragraph markup; `render.pdf.writer`: the small
  direct PDF writer of the invoice batch;
- `render.svg.{line_chart,bar_chart,map}`: server-rendered SVG (no JavaScript, no inline
  style), every string escaped.
"""
