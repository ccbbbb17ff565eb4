"""Coverage pictures: bar proportions, time buckets, colours by side, text alternatives."""

from __future__ import annotations

from newsweave.charts import GREY, LEFT, MAX_BARS, RIGHT, lean_bar, lean_colours, time_chart
from newsweave.outlets import UNRATED, lean_sides


def colours() -> dict[str, str]:
    leans = ["left", "lean left", "center", "right"]
    return lean_colours(leans, lean_sides(leans))


def test_colours_follow_sides() -> None:
    c = colours()
    assert c["left"] in LEFT and c["lean left"] in LEFT and c["left"] != c["lean left"]
    assert c["right"] in RIGHT and c[UNRATED] == GREY
    assert len(set(lean_colours(["a", "b", "c"], lean_sides(["a", "b", "c"])).values())) == 4


def test_lean_bar_is_proportional() -> None:
    bar = lean_bar({"left": 3, "right": 1}, colours(), width=100)
    assert [(s.lean, s.x, s.width) for s in bar.segments] == [("left", 0, 75.0),
                                                              ("right", 75.0, 25.0)]
    assert bar.text == "left 3, right 1" and bar.total == 4
    assert lean_bar({}, colours()) is None


def test_time_chart_days_stacked_by_lean() -> None:
    chart = time_chart([("2017-03-01", "left", "A"), ("2017-03-01", "right", "B"),
                        ("2017-03-03", "left", "C"), (None, "left", "D"),
                        ("2017-03", "left", "E")], colours())
    assert chart.days_per_bar == 1 and len(chart.buckets) == 3  # 1st, 2nd (empty), 3rd
    assert chart.undated == 2 and chart.max_count == 2
    first = chart.buckets[0]
    assert [(s.lean, s.count, s.outlets) for s in first.segments] == [("left", 1, "A"),
                                                                      ("right", 1, "B")]
    assert chart.buckets[1].total == 0
    # stacked: the second segment sits on the first, the tallest bar fills the plot
    assert first.segments[1].y + first.segments[1].height == first.segments[0].y
    assert first.segments[1].y == chart.plot_top
    assert "2017-03-01: left 1, right 1" in chart.text and "2 undated" in chart.text
    assert chart.text.startswith("3 dated articles, counted per day from 2017-03-01")
    one = time_chart([("2017-03-01", "left", "A"), (None, "left", "D")], colours())
    # it said "1 dated articles" and "1 undated article(s)"
    assert one.text.startswith("1 dated article, counted per day")
    assert one.text.endswith(" 1 undated article not shown.")


def test_time_chart_long_story_gets_wider_buckets() -> None:
    rows = [(f"2017-{m:02d}-{d:02d}", "left", None) for m in range(1, 13) for d in (1, 15)]
    chart = time_chart(rows, colours())
    assert chart.days_per_bar > 1 and len(chart.buckets) <= MAX_BARS
    assert sum(b.total for b in chart.buckets) == 24
    assert " – " in chart.buckets[0].label
    assert time_chart([(None, "left", None)], colours()) is None
