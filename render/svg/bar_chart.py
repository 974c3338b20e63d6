"""One SVG bar chart: horizontal bars (long names on the left, e.g. non-conformities per
sampling point) or vertical ones (a few months of consumption). Pure: bars in, escaped markup
out; every bar carries its tooltip, the figure is written by the bar (not only its length)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from render.svg.base import NS, number

MAX_LABEL = 36  # characters of a horizontal bar's name; longer ones end in an ellipsis


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str = "#b3261e"
    tip: str = ""  # the tooltip (default: none)
    text: str | None = None  # the figure written by the bar (default: the value, pt-BR)

    @property
    def figure(self) -> str:
        return self.text if self.text is not None else number(self.value, None)


def bar_chart(title: str, bars: Sequence[Bar], *, vertical: bool = False, width: int = 640,
              height: int = 140, caption: bool = True, css_class: str = "",
              fixed_width: bool = False) -> Markup:
    """An `<svg role="img">` named by `title` (and, with `caption`, the title written over
    the bars); horizontal bars take the height they need. `fixed_width`: the SVG's width
    attribute is its view box's (else 100 %). No bars: no markup."""
    if not bars:
        return Markup("")
    peak = max(b.value for b in bars) or 1
    body, height = (_vertical(bars, peak, width, height) if vertical
                    else _horizontal(bars, peak, width, 30 if caption else 8))
    cls = f' class="{css_class}"' if css_class else ""
    size = f'width="{width}"' if fixed_width else 'width="100%"'
    head = (f'<svg {NS} viewBox="0 0 {width} {height}" {size}{cls} role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>')
    if caption:
        head += f'<text x="0" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'
    return Markup(head + "".join(body) + "</svg>")


def _tip(bar: Bar) -> str:
    return f"<title>{escape(bar.tip)}</title>" if bar.tip else ""


def _horizontal(bars: Sequence[Bar], peak: float, width: int,
                top: int) -> tuple[list[str], int]:
    bar_h, gap, left = 22, 8, 230
    out = []
    for i, bar in enumerate(bars):
        y = top + i * (bar_h + gap)
        w = int((width - left - 40) * bar.value / peak)
        name = bar.label if len(bar.label) <= MAX_LABEL else bar.label[:MAX_LABEL - 1] + "…"
        out.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
                   f'{escape(name)}</text>'
                   f'<rect x="{left}" y="{y}" width="{max(w, 2)}" height="{bar_h}" '
                   f'fill="{bar.color}">{_tip(bar)}</rect>'
                   f'<text x="{left + w + 6}" y="{y + 15}" font-size="12">'
                   f'{escape(bar.figure)}</text>')
    return out, top + len(bars) * (bar_h + gap) + 10


def _vertical(bars: Sequence[Bar], peak: float, width: int,
              height: int) -> tuple[list[str], int]:
    pad = 24
    slot = (width - pad) / len(bars)
    out = []
    for i, bar in enumerate(bars):
        bh = (height - 2 * pad) * bar.value / peak
        x = pad / 2 + i * slot + slot * 0.2
        mid = x + slot * 0.3
        out.append(f'<rect x="{x:.1f}" y="{height - pad - bh:.1f}" width="{slot * 0.6:.1f}" '
                   f'height="{bh:.1f}" fill="{bar.color}">{_tip(bar)}</rect>'
                   f'<text x="{mid:.1f}" y="{height - pad - bh - 4:.1f}" font-size="11" '
                   f'text-anchor="middle">{escape(bar.figure)}</text>'
                   f'<text x="{mid:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
                   f'fill="#5b6470">{escape(bar.label)}</text>')
    return out, height
