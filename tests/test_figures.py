"""Figures as one value whatever the writing."""

from newsweave.figures import amounts


def test_one_figure_written_two_ways_is_one_value():
    assert amounts("send £10 million in aid") == amounts("give £10m to agencies") == {1e7}
    assert amounts("$4.5bn and 31,000 vehicles") == {4.5e9, 31000.0}


def test_years_small_counts_and_metres_are_no_money():
    assert amounts("in 1999 there were 7 cases") == frozenset()
    assert amounts("a 30m wall") == amounts("a 30 metre wall") == {30.0}
    assert amounts("a $30m deal") == {3e7}
