"""Server-rendered coverage pictures as plain data for the SVG templates (``_charts.html``):
a bar of independent sources by lean, and articles over time stacked by lean.

Pure geometry and numbers; every label is rendered by Jinja with autoescaping, so an outlet's
lean or name is text in the SVG, never markup. Colours come from a fixed palette (never from
the user's data), so the CSP needs no inline styles.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from newsweave.outlets import UNRATED
from newsweave.wording import count

LEFT = ("#1f5fa8", "#4a86c8", "#7eaadb")
RIGHT = ("#b8322c", "#d5605a", "#e79590")
MIDDLE = ("#7a6aa8", "#9a8cc0", "#6b8e6b", "#a08a4f")
OTHER = ("#2a9d8f", "#e9a03b", "#8c564b", "#5b7f95", "#b5489b", "#7f7f3f")
GREY = "#b4b4b4"
MAX_BARS = 60  # time buckets: a long story gets wider buckets, never an unreadable comb


def lean_colours(leans: Sequence[str], sides: Mapping[str, str]) -> dict[str, str]:
    """A colour per lean: blues for leans of the left, reds for the right, muted tones for
    the rest (center), a grey for unrated; a vocabulary without left/right gets distinct
    colours in table order."""
    colours: dict[str, str] = {}
    used = Counter[str]()
    for lean in leans:
        side = sides.get(lean, "")
        group = side if side in ("left", "right", "") else "other"
        palette = {"left": LEFT, "right": RIGHT, "": MIDDLE, "other": OTHER}[group]
        colours[lean] = palette[used[group] % len(palette)]
        used[group] += 1
    colours[UNRATED] = GREY
    return colours


@dataclass(frozen=True)
class Segment:
    lean: str
    count: int
    x: float
    y: float
    width: float
    height: float
    fill: str
    outlets: str = ""  # the outlets behind the segment, for its tooltip


@dataclass(frozen=True)
class LeanBar:
    segments: tuple[Segment, ...]
    width: int
    height: int
    total: int
    text: str  # the text alternative: "left 2, center 1, unrated 1"


def lean_bar(counts: Mapping[str, int], colours: Mapping[str, str], width: int = 120,
             height: int = 10) -> LeanBar | None:
    """One horizontal bar split by lean, proportional to independent sources."""
    total = sum(counts.values())
    if total <= 0:
        return None
    segments, x = [], 0.0
    for lean, n in counts.items():
        w = round(width * n / total, 2)
        segments.append(Segment(lean, n, round(x, 2), 0, w, height, colours.get(lean, GREY)))
        x += w
    text = ", ".join(f"{lean} {n}" for lean, n in counts.items())
    return LeanBar(tuple(segments), width, height, total, text)


@dataclass(frozen=True)
class Bucket:
    label: str  # the day, or "first – last" day of a wider bucket
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class TimeChart:
    buckets: tuple[Bucket, ...]
    leans: tuple[tuple[str, str], ...]  # legend: (lean, colour)
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    max_count: int
    first: str
    last: str
    days_per_bar: int
    undated: int
    text: str  # the text alternative


def time_chart(dated: Sequence[tuple[str | None, str, str | None]],
               colours: Mapping[str, str], width: int = 640,
               height: int = 200) -> TimeChart | None:
    """Articles per day (or per span of days for a long story), stacked by lean.
    ``dated``: (published date or None, lean, outlet name) per article; undated ones are
    counted aside."""
    days: list[tuple[dt.date, str]] = []
    names: dict[tuple[int, str], set[str]] = {}
    undated = 0
    dated_names: list[str | None] = []
    for published, lean, outlet in dated:
        try:
            days.append((dt.date.fromisoformat((published or "")[:10]), lean))
            dated_names.append(outlet)
        except ValueError:
            undated += 1
    if not days:
        return None
    first = min(d for d, _ in days)
    last = max(d for d, _ in days)
    span = (last - first).days + 1
    step = -(-span // MAX_BARS)  # days per bar
    n_bars = -(-span // step)
    counts: list[Counter[str]] = [Counter() for _ in range(n_bars)]
    for (d, lean), outlet in zip(days, dated_names, strict=True):
        i = (d - first).days // step
        counts[i][lean] += 1
        if outlet:
            names.setdefault((i, lean), set()).add(outlet)
    order = [lean for lean in colours if any(c[lean] for c in counts)]
    order += sorted({lean for c in counts for lean in c} - set(order))
    left, right, top, bottom = 34, 10, 10, height - 34
    plot_w, plot_h = width - left - right, bottom - top
    max_count = max(sum(c.values()) for c in counts)
    slot = plot_w / n_bars
    bar_w = max(1.0, slot * 0.8)
    buckets = []
    for i, c in enumerate(counts):
        start = first + dt.timedelta(days=i * step)
        end = min(last, start + dt.timedelta(days=step - 1))
        label = start.isoformat() if step == 1 else f"{start.isoformat()} – {end.isoformat()}"
        x = round(left + i * slot + (slot - bar_w) / 2, 2)
        y, segs = float(bottom), []
        for lean in order:
            if not c[lean]:
                continue
            h = plot_h * c[lean] / max_count
            y -= h
            segs.append(Segment(lean, c[lean], x, round(y, 2), round(bar_w, 2), round(h, 2),
                                colours.get(lean, GREY),
                                ", ".join(sorted(names.get((i, lean), ()), key=str.casefold))))
        buckets.append(Bucket(label, x, round(bar_w, 2), sum(c.values()), tuple(segs)))
    per = "day" if step == 1 else f"{step} days"
    parts = [f"{b.label}: " + ", ".join(f"{s.lean} {s.count}" for s in b.segments)
             for b in buckets if b.total]
    text = (f"{count(len(days), 'dated article')}, counted per {per} from {first} to {last} "
            f"by the lean of their outlet. " + "; ".join(parts) + "."
            + (f" {count(undated, 'undated article')} not shown." if undated else ""))
    return TimeChart(tuple(buckets), tuple((lean, colours.get(lean, GREY)) for lean in order),
                     width, height, top, bottom, left, max_count, first.isoformat(),
                     last.isoformat(), step, undated, text)
