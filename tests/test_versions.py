"""Which records are versions of one article (the same URL-named report)."""

from __future__ import annotations

from newsweave.ingest import article_id
from newsweave.models import Article
from newsweave.versions import dated_before, latest_versions, mostly_new, older_text, same_report

URL = "https://paper.example/2017/03/02/sessions"


def rec(text: str, url: str | None = URL, id: str | None = None, **kw: str) -> Article:
    return Article(id=id or article_id(text), text=text, url=url, **kw)


def test_same_report_by_most_word_pairs_or_a_fifth_under_its_headline() -> None:
    body = "Sessions met the Russian ambassador twice in 2016, officials said on Wednesday."
    rewrite = "The Justice Department said on Wednesday that Sessions met the Russian envoy."
    assert same_report("Sessions met envoy", body, " sessions  met ENVOY", rewrite)
    assert not same_report(None, body, None, rewrite)
    # a site's name as every record's headline makes no two reports one
    assert not same_report("The Gazette", body, "The Gazette", "Flooding closed the bridge.")
    assert same_report(None, body, None, body.replace("Wednesday", "Thursday"))
    assert same_report(None, body, None, body + " He denied it. Democrats called for him to go.")
    assert not same_report("Envoy", body, "Flood", "Flooding closed three bridges on Monday.")
    assert not same_report(None, "", None, body)


def test_a_stub_then_its_report_under_the_same_headline_is_one_report() -> None:
    """A CMS posting each save of a live page (a 13-word stub, then the report) under one
    URL and headline made two articles, and the stub's story stayed for good."""
    stub = "Attorney General news: developing. This page will be updated with more details."
    report = " ".join(["Sessions met the Russian ambassador twice in 2016, officials said."]
                      * 12)
    headline = "Breaking: attorney general"
    assert same_report(headline, stub, headline, report)
    assert not same_report(headline, stub, "A different story entirely", report)
    # a site's name as every record's headline still makes no two reports one
    assert not same_report("The Gazette", stub, "The Gazette", report)
    assert not same_report(headline, report, headline, stub + " More.")  # not a stub grown


def test_dated_before_compares_days_when_a_time_or_offset_is_missing() -> None:
    assert dated_before("2017-03-02T09:00:00-05:00", "2017-03-02T10:00:00-05:00")
    assert dated_before("2017-03-02T14:00:00+00:00", "2017-03-02T10:00:00-05:00")
    assert not dated_before("2017-03-02T16:00:00+00:00", "2017-03-02T10:00:00-05:00")
    assert not dated_before("2017-03-02T09:00:00", "2017-03-02T10:00:00-05:00")  # same day
    assert dated_before("2017-03-01", "2017-03-02T10:00:00-05:00")
    assert not dated_before("2017-03-02", "2017-03-02")
    assert not dated_before(None, "2017-03-02") and not dated_before("soon", "2017-03-02")


def test_a_capture_from_before_the_days_correction_is_the_older_text() -> None:
    """v1 "2017-03-02" and v2 "2017-03-02" updated "2017-03-02T20:00:00Z": by day they tie,
    so the later in the input won, and the uncorrected capture was kept as the latest."""
    assert older_text("2017-03-02", None, "2017-03-02", "2017-03-02T20:00:00+00:00")
    assert not older_text("2017-03-02", "2017-03-02T20:00:00+00:00", "2017-03-02", None)
    assert not older_text("2017-03-03", None, "2017-03-02", "2017-03-02T20:00:00+00:00")
    assert not older_text("2017-03-02", None, "2017-03-02", None)  # a tie: input order
    base = "Sessions met the Russian ambassador twice in 2016, the department said."
    v1 = rec(base, published="2017-03-02")
    v2 = rec(base + " An earlier version misstated the year.", published="2017-03-02",
             updated="2017-03-02T20:00:00+00:00")
    for order in ([v2, v1], [v1, v2]):
        kept, dropped = latest_versions(order, article_id)
        assert kept == [v2] and dropped == [(v1, v2)]


def test_latest_version_of_each_article_url_is_kept() -> None:
    first = rec("The project will cost 2 million dollars, the council said on Monday.",
                published="2021-05-03")
    fixed = rec("The project will cost 2.5 million dollars, the council said on Monday.",
                url=URL + "?utm_source=rss#top", published="2021-05-03", updated="2021-05-04")
    other = rec("A different report entirely, about floods in the valley.", url=None)
    kept, dropped = latest_versions([fixed, other, first], article_id)
    assert kept == [fixed, other] and dropped == [(first, fixed)]  # dated: fixed is later
    kept, dropped = latest_versions([first, fixed], article_id)
    assert kept == [fixed] and dropped == [(first, fixed)]
    # a report that grew day by day, day 1 saved again after day 3, which it is not like
    parts = ["Storm warning issued for the coast on Monday evening, forecasters said.",
             "Schools closed early and ferries were cancelled as winds rose above 90 km/h.",
             "Two people were hurt and 40,000 homes lost power overnight, the utility said."]
    days = [rec(" ".join(parts[max(0, i - 1):i + 1])) for i in range(3)]
    kept, dropped = latest_versions([*days, days[0]], article_id)
    assert kept == [days[2]] and len(dropped) == 3


def test_records_that_are_not_versions_are_all_kept() -> None:
    a = rec("Fire crews fought a blaze at the supermarket.", id="14_4")
    b = rec("Fire crews fought a blaze at the supermarket overnight.", id="14_5")
    feed = "https://paper.example/rss.xml"
    c = rec("Sessions met the ambassador twice.", url=feed, title="Envoy")
    d = rec("Flooding closed three bridges.", url=feed, title="Flood")
    front = [rec("One report.", url="https://paper.example/"),
             rec("One report, revised.", url="https://paper.example/")]
    records = [a, b, c, d, *front]
    kept, dropped = latest_versions(records, article_id)
    assert kept == records and dropped == []


def test_text_changes_word_by_word_with_context() -> None:
    from newsweave.versions import Change, text_changes

    pad = " ".join(f"w{i}" for i in range(40))
    old = f"{pad} The project will cost 2 million dollars.\n{pad}"
    new = f"{pad} The project will cost 2.5 million\ndollars. {pad} Officials corrected it."
    changes = text_changes(old, new, context=3)
    assert changes[0] == Change("gap", "… ")
    assert [c for c in changes if c.kind not in ("same", "gap")] == [
        Change("removed", "2 "), Change("added", "2.5 "),
        Change("added", "Officials corrected it.")]
    kept = "".join(c.text for c in changes if c.kind == "same")
    assert "cost " in kept and "w20 " not in kept  # context only: the long runs are cut
    assert text_changes("same words", "same  words") == [Change("same", "same  words")]
    assert text_changes("a " * 20_001, "b") is None


def test_mostly_new_when_the_old_text_was_a_small_part_of_the_new() -> None:
    stub = "Firefighters are at the scene of a blaze at the old mill in Harwick."
    full = stub + " " + " ".join(
        f"Witness {i} said the smoke could be seen across the valley." for i in range(6))
    assert mostly_new(stub, full)  # a live page's first capture against the full report
    assert not mostly_new(full, full.replace("valley", "dale", 1))  # a correction
    assert not mostly_new(full, full + " Two roads remain closed.")  # a paragraph added
    assert not mostly_new(full, stub)  # cut down: nothing new to group by
    assert mostly_new("", full) and not mostly_new(full, "")


def test_weave_keeps_the_report_not_a_later_withdrawal_notice():
    """As the store does: a later text under the URL keeping under a quarter of a long
    report's words (a withdrawal notice) is not the version woven."""
    from newsweave.ingest import article_id
    from newsweave.models import Article
    from newsweave.versions import latest_versions

    report = ("A fire at a paint factory in Riverton forced the evacuation of 300 homes, said "
              "fire chief Dana Whitlock at the scene of the blaze. ") * 5
    notice = "This article has been withdrawn at the request of the publisher."
    url = "https://post.example/news/fire"
    kept, dropped = latest_versions(
        [Article(article_id(report), report, title="Fire", url=url, published="2024-01-01"),
         Article(article_id(notice), notice, title="Fire", url=url, published="2024-01-02")],
        article_id)
    assert [a.text for a in kept] == [report] and dropped[0][0].text == notice
