"""Text for reportlab's Paragraph markup. Paragraph reads a small XML dialect (<b>, <font>,
<img src=...>, <a href=...>): a user string that reaches it unescaped can break the document
(a 500) or embed a file of the server as an image. Every user string goes through `esc`."""

from __future__ import annotations

from typing import Any


def esc(text: Any) -> str:
    """`text` as literal Paragraph text: no tag, no entity of its own survives."""
    return (str(text) if text is not None else "").replace("&", "&amp;").replace(
        "<", "&lt;").replace(">", "&gt;")
