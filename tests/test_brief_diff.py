"""brief_diff: what one stored brief adds over another, and what it no longer shows."""

from __future__ import annotations

from newsweave.brief_diff import change_counts, changes_line, diff_briefs, dump_counts, load_counts
from newsweave.cli_history import changes_text

OLD = {"sources": [{"id": "a"}],
       "summary": [{"text": "The cold wave has killed 32 people, police said."},
                   {"text": "Schools stay closed."}],
       "quotes": [{"speaker": "police", "text": "32 people died"}],
       "timeline": [{"date": "2012-02-05", "text": "32 dead."}]}
NEW = {"sources": [{"id": "a"}],
       "summary": [{"text": "The cold wave has killed 35 people, police said."},
                   {"text": "Schools stay closed."}],
       "quotes": [{"speaker": "police", "text": "35 people died"}],
       "timeline": [{"date": "2012-02-05", "text": "35 dead."}]}


def test_a_corrected_figure_reads_as_the_old_sentence_dropped_and_the_new_one_added():
    """It read as a new fact only: the 32 it replaced was not mentioned anywhere."""
    changes = diff_briefs(OLD, NEW)
    assert [s["text"] for s in changes["new_summary"]] == [NEW["summary"][0]["text"]]
    assert [s["text"] for s in changes["dropped_summary"]] == [OLD["summary"][0]["text"]]
    assert changes["dropped_quotes"] == OLD["quotes"] and changes["dropped_timeline"] == \
        OLD["timeline"]
    assert changes_line(changes) == (
        "1 new summary sentence, 1 summary sentence dropped, 1 new quote, 1 quote dropped, "
        "1 new timeline entry, 1 timeline entry dropped")
    counts = change_counts(changes)
    assert load_counts(dump_counts(counts)) == counts  # stored and read back


def test_history_lists_what_a_version_no_longer_shows():
    changes = diff_briefs(OLD, NEW) | {"revised_sources": [], "since": 1, "version": 2}
    text = changes_text("s-cold", changes)
    assert ("No longer in the summary:\n  - The cold wave has killed 32 people, police said."
            in text)
    assert "Quotes no longer listed:\n  - police: " in text and "32 people died" in text
    assert "Timeline entries dropped:\n  - 2012-02-05: 32 dead." in text


def test_an_unchanged_brief_drops_nothing():
    assert change_counts(diff_briefs(OLD, OLD)) == {}
