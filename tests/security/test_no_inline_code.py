"""Item 8 (mechanical part): the Content-Security-Policy allows no inline code, so no template
may hold an inline <script>, a <style> block, a style="" attribute or an on...="" handler, and
no script may write server data as markup (innerHTML and friends). Fails on the main of
2026-12-04: four inline scripts, seven <style> blocks, eleven style="" attributes, two onclick
handlers and five innerHTML writes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "test-artifacts", "tests", ".git"}


def _files(*suffixes: str) -> list[Path]:
    return [p for p in ROOT.rglob("*") if p.suffix in suffixes and p.is_file()
            and not SKIP.intersection(p.relative_to(ROOT).parts)]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
MARKUP_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write\(")


def test_templates_hold_no_inline_code():
    found = []
    for path in _files(".html"):
        text = path.read_text(encoding="utf-8")
        for name, rx in (("inline <script>", INLINE_SCRIPT), ("<style>", STYLE_BLOCK),
                         ('style=""', STYLE_ATTR), ("on...= handler", HANDLER_ATTR)):
            for m in rx.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not found, "\n".join(found)


def test_python_made_markup_has_no_inline_style_or_handlers():
    found = []
    for path in _files(".py"):
        text = path.read_text(encoding="utf-8")
        for rx in (re.compile(r"<[a-z][^>\n]*\sstyle=\\?[\"']"), re.compile(r"<style\b"),
                   re.compile(r"<script(?![^>]*src=)[^>\n]*>")):
            for m in rx.finditer(text):
                found.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}")
    assert not found, "\n".join(found)


def test_scripts_never_write_markup():
    found = []
    for path in _files(".js", ".html"):
        text = path.read_text(encoding="utf-8")
        for m in MARKUP_SINKS.finditer(text):
            found.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}")
    assert not found, "\n".join(found)
