"""Small inline-SVG charts for the offline dashboard: no chart library, no network at view time.

Each function returns one `<svg>` element as text, every label escaped. Sizes are in SVG user
units and the charts scale with the page (viewBox), so one HTML file renders the same in any
browser, printed or offline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

GOOD = "#2f7d4f"
BAD = "#c0392b"
NEUTRAL = "#3b6ea8"
MUTED = "#8a8f98"


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(label)}" preserveAspectRatio="xMidYMid meet">'
        f"<title>{esc(label)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, text: object, anchor: str = "middle", size: int = 12, cls: str = ""
) -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{klass}>'
        f"{esc(text)}</text>"
    )


def bar_chart(
    bars: Sequence[tuple[str, float, str]],
    label: str,
    width: int = 520,
    height: int = 260,
    colour: str = NEUTRAL,
) -> str:
    """Vertical bars: (category, value, text shown above the bar)."""
    left, right, top, bottom = 16, 16, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((value for _, value, _ in bars), default=0) or 1
    slot = plot_w / max(len(bars), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>'
    ]
    for i, (category, value, note) in enumerate(bars):
        bar_h = plot_h * (value / peak)
        x = left + i * slot + slot * 0.15
        y = top + plot_h - bar_h
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar_h:.1f}" fill="{colour}"><title>{esc(category)}: {esc(note)}</title>'
            "</rect>"
        )
        body.append(_text(x + slot * 0.35, y - 6, note, size=11))
        body.append(_text(x + slot * 0.35, top + plot_h + 18, category, size=13, cls="axis"))
    return _svg(width, height, label, body)


def pareto_chart(
    points: Sequence[tuple[str, float, float]],
    label: str,
    x_title: str,
    y_title: str,
    width: int = 420,
    height: int = 320,
) -> str:
    """Cumulative share of customers (x) against cumulative share of revenue (y), best first.

    `points` are (grade, cumulative customer share, cumulative revenue share); the curve starts
    at the origin and the dashed diagonal is "every customer brings the same".
    """
    left, right, top, bottom = 62, 24, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(share_x: float, share_y: float) -> tuple[float, float]:
        return left + plot_w * share_x, top + plot_h * (1 - share_y)

    body = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="{MUTED}"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top}" '
        f'stroke="{MUTED}" stroke-dasharray="4 4"/>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x, y = xy(tick, tick)
        body.append(_text(x, top + plot_h + 16, f"{tick:.0%}", size=10))
        body.append(_text(left - 6, y + 4, f"{tick:.0%}", anchor="end", size=10))
    body.append(_text(left + plot_w / 2, height - 6, x_title, size=12, cls="axis"))
    body.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="12" text-anchor="middle" '
        f'class="axis" transform="rotate(-90 12 {top + plot_h / 2:.1f})">{esc(y_title)}</text>'
    )
    coords = [xy(0, 0)] + [xy(px, py) for _, px, py in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    body.append(
        f'<polyline class="series" fill="none" stroke="{NEUTRAL}" stroke-width="2.5" '
        f'points="{line}"/>'
    )
    for (grade, px, py), (x, y) in zip(points, coords[1:], strict=True):
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{NEUTRAL}">'
            f"<title>{esc(grade)}: {px:.1%} of customers, {py:.1%} of revenue</title></circle>"
        )
        body.append(_text(x + 6, y - 6, grade, anchor="start", size=12))
    return _svg(width, height, label, body)


def diverging_bars(
    dates: Sequence[str],
    up: Sequence[int],
    down: Sequence[int],
    label: str,
    names: tuple[str, str],
    width: int = 640,
    height: int = 260,
) -> str:
    """Per date a bar up (e.g. upgrades) and a bar down (downgrades) from a common zero line.

    Two lines would hide each other whenever the counts are equal, which top-share grades make
    the rule (every customer who moves up pushes one down).
    """
    left, right, top, bottom = 44, 16, 28, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([*up, *down, 0]) or 1
    zero = top + plot_h / 2
    scale = (plot_h / 2) / peak
    slot = plot_w / max(len(dates), 1)
    bar_w = max(slot * 0.8, 0.5)
    body = [
        f'<line x1="{left}" y1="{zero:.1f}" x2="{left + plot_w}" y2="{zero:.1f}" '
        f'stroke="{MUTED}"/>',
        _text(left - 6, top + 4, f"+{peak:,}", anchor="end", size=10),
        _text(left - 6, zero + 4, "0", anchor="end", size=10),
        _text(left - 6, top + plot_h + 4, f"-{peak:,}", anchor="end", size=10),
    ]
    if dates:
        body.append(_text(left, height - 4, dates[0], anchor="start", size=10))
        if len(dates) > 1:
            body.append(_text(left + plot_w, height - 4, dates[-1], anchor="end", size=10))
    for i, day in enumerate(dates):
        x = left + i * slot + (slot - bar_w) / 2
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{zero - up[i] * scale:.1f}" width="{bar_w:.1f}" '
            f'height="{up[i] * scale:.1f}" fill="{GOOD}"><title>{esc(day)}: {up[i]:,} '
            f"{esc(names[0])}</title></rect>"
        )
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{zero:.1f}" width="{bar_w:.1f}" '
            f'height="{down[i] * scale:.1f}" fill="{BAD}"><title>{esc(day)}: {down[i]:,} '
            f"{esc(names[1])}</title></rect>"
        )
    for n, (name, colour) in enumerate(zip(names, (GOOD, BAD), strict=True)):
        legend_x = left + 8 + n * 150
        body.append(f'<rect x="{legend_x}" y="8" width="12" height="12" fill="{colour}"/>')
        body.append(_text(legend_x + 18, 18, name, anchor="start", size=12))
    return _svg(width, height, label, body)


def histogram(counts: Sequence[int], label: str, width: int = 220, height: int = 120) -> str:
    """Bins of equal width from 0 to the maximum score; the tooltip gives each bin's count."""
    left, right, top, bottom = 6, 6, 6, 18
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts, default=0) or 1
    slot = plot_w / max(len(counts), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>'
    ]
    for i, count in enumerate(counts):
        bar_h = plot_h * count / peak
        low, high = i * 100 // len(counts), (i + 1) * 100 // len(counts)
        body.append(
            f'<rect class="bar" x="{left + i * slot + 1:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{slot - 2:.1f}" height="{bar_h:.1f}" fill="{NEUTRAL}">'
            f"<title>{low}-{high}%: {count:,}</title></rect>"
        )
    body.append(_text(left, height - 4, "0", anchor="start", size=10))
    body.append(_text(left + plot_w, height - 4, "max", anchor="end", size=10))
    return _svg(width, height, label, body)
