"""Ingest: every input format on small hand-written files, the founding example, and every kind
of bad input (strict and skip modes)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from newsweave.errors import InputError
from newsweave.ingest import (
    article_id,
    html_fragment_text,
    iter_articles,
    iter_clusters,
    normalise_date,
    parse_html,
    parse_text,
    read_articles,
    unwrapped,
    without_editor_notes,
    without_wire_codes,
    without_wire_markup,
)
from newsweave.models import Article, Cluster

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sessions-2017"

BODY = (
    "Officials met on Tuesday to discuss the budget, which the council must pass by June. "
    "The mayor said the plan would protect libraries and parks from further cuts this year."
)
PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Council passes budget - Daily Planet</title>
<link rel="canonical" href="https://planet.example/news/budget">
<meta property="og:site_name" content="Daily Planet">
<meta property="article:published_time" content="2017-03-02T09:00:00Z">
</head><body><nav>Home | Sports | Weather</nav>
<article><h1>Council passes budget</h1><p>{BODY}</p>
<p>Critics &amp; supporters &lt;both&gt; spoke at the two-hour hearing, and many residents
stayed until the vote late in the evening.</p></article>
<footer>Copyright Daily Planet</footer></body></html>"""


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _jsonl(path: Path, records: list[object]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    return _write(path, "\n".join(lines) + "\n")


# --------------------------------------------------------------------------- the example
@pytest.fixture(scope="module")
def example() -> dict[str, Article]:
    articles = read_articles([EXAMPLE])
    return {Path(a.path).name[:3]: a for a in articles}


def test_example_dates_follow_first_publication(example):
    assert [example[k].published for k in ("000", "002", "004")] == [
        "2017-03-02",
        "2017-03-02",
        "2017-03-03",
    ]


def test_example_updated_stamp_is_kept_apart_and_removed(example):
    ani = example["004"]
    assert ani.updated == "2017-08-23"
    assert "Updated" not in ani.text and "IST" not in ani.text.split("\n")[0]


def test_example_title_outlet_and_body_start(example):
    ani = example["004"]
    assert ani.title == (
        "Trump stands by Sessions as Democrats seek resignation over Russia revelation"
    )
    assert ani.outlet == "ANI"
    assert ani.text.startswith("New York [USA], Mar. 3 (ANI): U.S. President Donald Trump")
    guardian = example["000"]
    assert guardian.title is None
    assert guardian.outlet == "The Guardian"
    assert guardian.text.startswith("Several Democrats and Republicans are calling")
    assert "date 2017" not in guardian.text
    assert example["002"].text.startswith("WASHINGTON: US Attorney General Jeff Sessions")


def test_example_paragraphs_and_ids(example):
    text = example["002"].text
    assert "\n\n" in text and "\n\n\n" not in text and "\r" not in text
    assert all(a.id == article_id(a.text) for a in example.values())
    assert len({a.id for a in example.values()}) == 3


# --------------------------------------------------------------------------- plain text
def test_parse_text_marker_title_and_crlf():
    raw = "date 2020-05-01\r\nMarket rallies\r\n\r\nStocks rose on Friday.\r\n\r\n\r\nBonds fell."
    article = parse_text(raw, "x.txt")
    assert article.published == "2020-05-01"
    assert article.title == "Market rallies"
    assert article.text == "Stocks rose on Friday.\n\nBonds fell."


def test_parse_text_dateline_year_from_update_stamp_rolls_back():
    raw = "Updated: Jan 5, 2019 10:00 IST\n\nMUMBAI, Dec. 30 (PTI): Shares closed higher today."
    article = parse_text(raw)
    assert article.published == "2018-12-30"  # December before a January update
    assert article.updated == "2019-01-05"
    assert article.outlet == "PTI"
    assert article.text.startswith("MUMBAI, Dec. 30 (PTI):")


def test_parse_text_published_stamp_and_agency_dateline():
    raw = "Published: 3 March 2017 | Updated: 4 March 2017\n\nLONDON (AP) _ Rain fell all day."
    article = parse_text(raw)
    assert (article.published, article.updated) == ("2017-03-03", "2017-03-04")
    assert article.outlet == "AP"


def test_parse_text_byline_is_the_author_and_the_dateline_under_it_is_found():
    raw = ("Sessions recuses himself\n\nBy Jane Roe and John Doe\nPublished: March 2, 2017\n\n"
           "WASHINGTON (Reuters) - Sessions said he would recuse himself.\n\nMore text.")
    article = parse_text(raw)
    assert article.author == "Jane Roe and John Doe"
    assert (article.outlet, article.published) == ("Reuters", "2017-03-02")
    assert article.text.startswith("WASHINGTON (Reuters) - Sessions")
    agency = parse_text("BY J. R. SMITH | The Associated Press\n\nLONDON (AP) _ Rain fell.")
    assert (agency.author, agency.outlet) == ("J. R. SMITH", "AP")
    # an archive's byline with the reporter's title on the line under it: neither is a title
    for staff in ("Associated Press Writer", "AP Science Writer", "Of The Associated Press"):
        wire = parse_text(f"By JOHN DOE\n{staff}\n\nWASHINGTON (AP) _ The Senate voted.")
        assert (wire.title, wire.author, wire.outlet) == (None, "JOHN DOE", "AP")
        assert wire.text == "WASHINGTON (AP) _ The Senate voted."
    # a body that opens with a quotation
    quoted = parse_text("Pelosi speaks\n\nBy Jane Roe\n\n“We will win,” Pelosi said.")
    assert (quoted.author, quoted.text) == ("Jane Roe", "“We will win,” Pelosi said.")
    # a line that only begins like one is text
    for text in ("Floods\n\nBy Tuesday Morning\nthe river had risen.", "By the way, it rained.",
                 "Trial\n\nBy Jane Roe, who covered it\nfor a decade, it was news."):
        kept = parse_text(text)
        assert kept.author is None and text.endswith(kept.text) and "By" in kept.text


WIRE_BODY = "WASHINGTON (Reuters) - Sessions said he would recuse himself.\n\nMore text."


@pytest.mark.parametrize(("header", "published", "updated", "author"), [
    # a date alone under the headline, as news sites print it and a copy from a page pastes it
    ("March 2, 2017", "2017-03-02", None, None),
    ("2 March 2017", "2017-03-02", None, None),
    ("Thursday, March 2, 2017 at 5:01 p.m. ET", "2017-03-02", None, None),
    ("03/02/2017", "2017-03-02", None, None),
    ("2017-03-02T17:01:00Z", "2017-03-02", None, None),
    # the Guardian's header: a dotted time, and the update stamp on the same line
    ("Thu 2 Mar 2017 01.29 GMT", "2017-03-02", None, None),
    ("Thu 2 Mar 2017 01.29 GMT Last modified on Sat 25 Nov 2017 00.04 GMT", "2017-03-02",
     "2017-11-25", None),
    # a byline and a date on one line, either way round
    ("By Jane Roe | March 2, 2017", "2017-03-02", None, "Jane Roe"),
    ("March 2, 2017 | By Jane Roe", "2017-03-02", None, "Jane Roe"),
    ("By Jane Roe\nMarch 2, 2017", "2017-03-02", None, "Jane Roe"),
])
def test_parse_text_date_line_under_the_headline(header, published, updated, author):
    for gap in ("\n\n", "\n"):  # pasted with or without a blank line under the headline
        article = parse_text(f"Sessions recuses himself{gap}{header}\n\n{WIRE_BODY}")
        assert (article.title, article.published, article.updated, article.author) == (
            "Sessions recuses himself", published, updated, author)
        assert article.text == WIRE_BODY and article.outlet == "Reuters"


@pytest.mark.parametrize("line", [
    "May 2017",  # no day: no date
    "March 2, 2017 | Washington sources say",  # more than a date and a byline
    "March 2, 2017 was a Thursday.",
])
def test_parse_text_a_line_with_more_than_a_date_stays_text(line):
    article = parse_text(f"Sessions recuses himself\n\n{line}\n\n{WIRE_BODY}")
    assert article.published is None and article.text.startswith(line)


def test_a_date_line_is_weaker_than_a_stamp_and_a_page_date():
    stamped = parse_text(f"Title here\n\nPublished: March 1, 2017\nMarch 2, 2017\n\n{WIRE_BODY}")
    assert stamped.published == "2017-03-01" and stamped.text == WIRE_BODY


def test_parse_text_title_over_single_line_paragraphs():
    """A copy from a web page often pastes one line per paragraph and no blank lines: the
    headline is still the title. Hard-wrapped text (lines of 72 characters) keeps its first
    line, which is the start of a sentence."""
    para = ("Attorney General Jeff Sessions met Russia's ambassador twice in 2016, the Justice "
            "Department said on Wednesday.")
    pasted = parse_text(f"Sessions met Russian envoy twice\nBy Jane Roe\n{para}\nMore.")
    assert (pasted.title, pasted.author, pasted.text) == (
        "Sessions met Russian envoy twice", "Jane Roe", f"{para}\nMore.")
    wrapped = ("Attorney General Jeff Sessions met with\nRussia's ambassador twice in 2016, the "
               "department said.\nDemocrats called on him to resign.")
    assert parse_text(wrapped).title is None
    assert parse_text(wrapped).text == wrapped.replace("\n", " ")  # and its lines join
    short = "Sessions met Russian envoy twice\nHe denied it."  # no whole paragraph under it
    assert parse_text(short).title is None


WRAPPED = """Sessions met Russian envoy twice

WASHINGTON (Reuters) - Attorney General Jeff Sessions spoke twice last
year with Russia's ambassador to the United States, Justice Depart-
ment officials said on Wednesday, in well-
known encounters he did not disclose.

House minority leader Nancy Pelosi said Sessions had lied under oath
and must step down.
"""


def test_hard_wrapped_paragraphs_join_back():
    """An e-mail or a copy from a PDF wraps at about 70 characters: each paragraph is one
    line again (a typesetter's word break closes up, a compound's hyphen stays), so its
    sentences are whole to the analysis."""
    article = parse_text(WRAPPED)
    assert article.title == "Sessions met Russian envoy twice" and article.outlet == "Reuters"
    assert article.text == (
        "WASHINGTON (Reuters) - Attorney General Jeff Sessions spoke twice last year with "
        "Russia's ambassador to the United States, Justice Department officials said on "
        "Wednesday, in well-known encounters he did not disclose.\n\nHouse minority leader "
        "Nancy Pelosi said Sessions had lied under oath and must step down.")


def test_a_page_break_is_a_line_break():
    """pdftotext writes a form feed between pages; Unicode's separators are breaks too."""
    text = ("Title here\n\nThe council approved the budget on Tuesday after a long debate "
            "about\n\fthe roads and the schools, officials said on Wednesday in a statement.")
    assert "about the roads" in parse_text(text).text
    assert parse_text("Title here\n\nOne.\u2029Two.").text == "One.\n\nTwo."


@pytest.mark.parametrize("paragraph", [
    "Budget items:\n- roads and bridges, repaired by the county\n- schools, two new ones",
    "The council met on Tuesday.\nThe mayor spoke first.\nThe vote was close.",
    ("The council met on Tuesday to vote on the budget.\nWhat the budget holds for roads\n"
     "It gives the roads department two million dollars more.\nThe vote was close."),
    "Daily Planet\n12 Main Street\nSpringfield",
    "A short line\nand a second line that is very much longer than the first one was",
])
def test_lines_that_are_not_wrapped_stay(paragraph):
    assert unwrapped(paragraph) == paragraph


def test_parse_text_sentence_first_line_is_not_a_title():
    article = parse_text("The vote passed.\n\nIt was close.")
    assert article.title is None and article.text.startswith("The vote passed.")
    # a dateline without year or stamp gives no date rather than a guessed one
    assert parse_text("PARIS, March 2 (AFP) - Talks resumed.").published is None


def test_parse_text_header_only_is_an_error():
    with pytest.raises(InputError, match="no text"):
        parse_text("date 2017-03-02\n\n   \n", "empty.txt")


def test_article_id_is_stable_and_whitespace_insensitive():
    assert article_id("A  b\nc") == article_id("A b c") != article_id("A b d")
    assert len(article_id("x")) == 16 and int(article_id("x"), 16) >= 0


def test_normalise_date_forms():
    assert normalise_date("2017-03-02T10:00:00Z") == "2017-03-02"
    assert normalise_date("Thu, 02 Mar 2017 10:00:00 GMT") == "2017-03-02"
    assert normalise_date("Aug 23, 2017 11:20 IST") == "2017-08-23"
    assert normalise_date("March 2017") is None
    assert normalise_date("2017-02-30") is None
    assert normalise_date("soon") is None


# --------------------------------------------------------------------------- HTML
def test_parse_html_metadata_and_escaped_text():
    article = parse_html(PAGE, path="page.html")
    assert article.title == "Council passes budget"
    assert article.outlet == "Daily Planet"
    assert article.published == "2017-03-02T09:00:00+00:00"  # the page's time, its offset
    assert article.url == "https://planet.example/news/budget"
    assert article.text.startswith("Officials met on Tuesday")
    assert "Critics & supporters <both> spoke" in article.text
    assert "Home | Sports" not in article.text and "\n\n" in article.text


def test_parse_html_date_paragraph_dates_a_page_without_metadata():
    page = PAGE.replace("<p>Critics", "<p>Thursday, March 2, 2017</p><p>Critics")
    assert parse_html(page).published == "2017-03-02T09:00:00+00:00"  # metadata wins
    undated = parse_html(page.replace("2017-03-02T09:00:00Z", "").replace(
        "Thursday, March 2, 2017", "Wednesday, March 1, 2017"))
    assert undated.published == "2017-03-01" and "Wednesday" not in undated.text


def test_parse_html_update_stamp_is_not_the_publication_date():
    page = PAGE.replace("2017-03-02T09:00:00Z", "").replace(
        "<p>Critics", "<p>| Updated: Aug 23, 2017 11:20 IST</p><p>Critics"
    )
    undated = parse_html(page)
    assert (undated.published, undated.updated) == (None, "2017-08-23")
    assert "Updated" not in undated.text
    agency = parse_html(page.replace("<p>Officials", "<p>New York [USA], Mar. 3 (ANI): Officials"))
    assert agency.published == "2017-03-03" and agency.outlet == "Daily Planet"


def test_parse_html_year_alone_is_no_publication_date():
    """htmldate answers January 1 of a year it only saw in a copyright line or the text;
    that is no day, so the feed's or archive's date (``fallback_date``) is used instead."""
    body = ("<p>Sessions met the ambassador twice in 2016, the newspaper reported on its "
            "front page.</p><p>Democrats called on him to resign.</p>")
    page = f"<html><body><article>{body}</article><footer>© 2017 Planet</footer></body></html>"
    assert parse_html(page).published is None
    assert parse_html(page, fallback_date="2017-03-02").published == "2017-03-02"
    # the day written on the page, in its metadata or in its address is kept
    posted = page.replace("</article>", "<p>Posted January 1, 2017</p></article>")
    assert parse_html(posted).published == "2017-01-01"
    meta = page.replace("<html>", '<html><head><meta property="article:published_time" '
                        'content="2017-01-01T10:00:00Z"></head>')
    assert parse_html(meta).published == "2017-01-01T10:00:00+00:00"
    assert parse_html(page, url="https://planet.example/2017/01/01/sessions"
                      ).published == "2017-01-01"
    # a day other than January 1 was never a year's guess
    march = page.replace("</article>", "<p>Posted March 4, 2017</p></article>")
    assert parse_html(march).published == "2017-03-04"


def test_parse_html_byline_paragraph_is_the_author():
    page = ("<html><head><title>Sessions recuses</title></head><body><article>"
            "<h1>Sessions recuses</h1><p>By Jane Roe and John Doe</p><p>WASHINGTON (Reuters) - "
            "Attorney General Jeff Sessions said on Thursday he would recuse himself.</p>"
            "<p>Democrats said that was not enough and called for him to resign.</p>"
            "</article></body></html>")
    article = parse_html(page)
    assert (article.author, article.outlet) == ("Jane Roe and John Doe", "Reuters")
    assert article.text.startswith("WASHINGTON (Reuters) - Attorney General")


def test_parse_html_without_text_raises():
    with pytest.raises(InputError, match="no article text"):
        parse_html("<html><body><script>x()</script></body></html>", path="blank.html")


def test_html_fragment_text_keeps_paragraphs_and_drops_scripts():
    text = html_fragment_text("<p>One &amp; two.</p><script>x()</script><p>Three<br>four.</p>")
    assert text == "One & two.\n\nThree\n\nfour."


# --------------------------------------------------------------------------- JSONL
def test_a_json_record_may_name_its_fields_as_a_csv_column_may(tmp_path):
    """An export from another tool ("headline", "body", "date", "link", "byline") was
    skipped with a bare 'no "text" field', though the same columns in a CSV are read; a
    NewsAPI "source" object is no outlet name and stays unread, as before."""
    path = _jsonl(tmp_path / "other.jsonl", [
        {"headline": "Dam opens", "body": "The dam opened on Thursday.", "date": "2017-03-02",
         "link": "https://x.example/dam", "byline": "Jane Roe", "source": {"name": "Wire"}},
        {"text": "Own name wins.", "body": "not this", "title": "T"},
    ])
    dam, own = read_articles([path])
    assert (dam.title, dam.text, dam.published, dam.url, dam.author, dam.outlet) == (
        "Dam opens", "The dam opened on Thursday.", "2017-03-02", "https://x.example/dam",
        "Jane Roe", None)
    assert own.text == "Own name wins."
    table = _write(tmp_path / "t.csv", "Headline,Article Text,Date Published,Article URL\n"
                                       "Dam opens,The dam opened.,2017-03-02,https://x.example/d\n")
    (row,) = read_articles([table])
    assert (row.published, row.url) == ("2017-03-02", "https://x.example/d")


def test_jsonl_keeps_ids_and_fields_and_hashes_missing_ids(tmp_path):
    path = _jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "a1", "text": "  Body one.  ", "published": "2017-03-03T08:00:00",
             "title": "T", "outlet": "ANI", "url": "https://x.example/1", "label": "s1"},
            "",
            {"id": 7, "text": "Body two."},
            {"text": "Body three."},
        ],
    )
    first, second, third = read_articles([path])
    assert (first.id, first.text, first.published, first.outlet, first.label) == (
        "a1", "  Body one.  ", "2017-03-03T08:00:00", "ANI", "s1",  # its time kept
    )
    assert second.id == "7"
    assert third.id == article_id("Body three.")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("AT&AMP;T Corp. said", "AT&T Corp. said"),
        ("Janice &UR; &LR; Baxter's son", "Janice Baxter's son"),
        ("Sen &UR; . &LR; Alfonse D'Amato &HT;, a Republican",
         "Sen. Alfonse D'Amato, a Republican"),
        ("C. &UR; &LR; J. Hunter, &LT;b&GT;", "C. J. Hunter, <b>"),
        ("he said. &QL;\n\n&QL;\n\nNext.", "he said.\n\nNext."),
        # a quad ends a typeset line: byline, credit and dateline are paragraphs of their own
        ("By Ann Lee &QL; &LR; &UR; c. 1999 The Chronicle &QL; &LR; BOSTON _ Here it is.",
         "By Ann Lee\n\nc. 1999 The Chronicle\n\nBOSTON _ Here it is."),
        ("block AT&T;’s deal; H&M;, R&B; fans", "block AT&T’s deal; H&M, R&B fans"),
        ("Tom & Jerry; x &amp; y; A&B;C", "Tom & Jerry; x &amp; y; A&BC"),
        ("no codes  here \n", "no codes  here \n"),
    ],
)
def test_without_wire_codes(raw, clean):
    assert without_wire_codes(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # the cut marks of the NYT service, inline (DUC 2003) and as paragraphs (DUC 2006)
        ('as they dictate." (STORY CAN END HERE. OPTIONAL MATERIAL FOLLOWS) In another step',
         'as they dictate." In another step'),
        ("don't exist.\" (STORY CAN END HERE _ OPTIONAL MATERIAL FOLLOWS) nn The United",
         "don't exist.\" The United"),
        ("He left.\n\n<ANNOTATION> (STORY CAN END HERE. OPTIONAL MATERIAL FOLLOWS) "
         "</ANNOTATION>\n\nnn\n\nThe Reeves had", "He left.\n\nThe Reeves had"),
        ("some would not.\n\n(Story can end here; Optional add follows.)\n\nFor more",
         "some would not.\n\nFor more"),
        ("One.\n\n(BEGIN OPTIONAL TRIM)\n\nTwo.\n\n(END OPTIONAL TRIM)\n\nOPTIONAL TRIM "
         "FOLLOWS\n\nThree.", "One.\n\nTwo.\n\nThree."),
        ("the future.''\n\nXXXX END OF STORY", "the future.''"),
        ("Last words.\n\nENDIT\n", "Last words."),
        ("Mail. (EDITORS: Please note that this article is NOT available in Canada.)",
         "Mail."),
        # a writer's own words stay: lower case, other capitals in parentheses, a name "Nn"
        ("An optional trim (AP) of the (USSTRATCOM) budget (optional) (OPTIONALLY); Nn, nnn.",
         "An optional trim (AP) of the (USSTRATCOM) budget (optional) (OPTIONALLY); Nn, nnn."),
        ("no notes  here \n", "no notes  here \n"),
    ],
)
def test_without_editor_notes(raw, clean):
    assert without_editor_notes(raw) == clean


def test_wire_markup_reads_codes_then_notes():
    assert without_wire_markup("He said. &QL; XXXX END OF STORY &QL;") == "He said."
    assert without_wire_markup("AT&AMP;T rose.") == without_wire_codes("AT&AMP;T rose.")


def test_records_and_text_files_lose_editor_notes(tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [
        {"id": "a", "text": "Rates rose. (STORY CAN END HERE. OPTIONAL MATERIAL FOLLOWS) "
                            "Banks fell.\n\nENDIT"},
        {"id": "b", "text": "(BEGIN OPTIONAL TRIM)"},
    ])
    errors = []
    items = list(iter_articles([path], on_error=errors.append))
    assert [(a.id, a.text) for a in items] == [("a", "Rates rose. Banks fell.")]
    assert len(errors) == 1 and "a.jsonl:2" in str(errors[0])
    article = parse_text("A title\n\nRates rose.\n\nXXXX END OF STORY\n", None)
    assert article.text == "Rates rose."


def test_records_clusters_and_text_files_lose_wire_codes(tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [
        {"id": "a", "title": "&HT;", "text": "&UR; AT&AMP;T said. &QL;"},
        {"id": "b", "title": "Sky &AMP; Telescope", "text": "&QL; &UR;"},
        {"text": "Dow Jones &AMP; Co. &QC;"},
    ])
    items = list(iter_articles([path], on_error=lambda e: None))
    assert [(a.id, a.title, a.text) for a in items[:1]] == [("a", None, "AT&T said.")]
    assert items[1].text == "Dow Jones & Co." and items[1].id == article_id("Dow Jones & Co.")
    clusters = _jsonl(tmp_path / "c.jsonl", [
        {"id": "c", "docs": [{"id": "d", "title": "BC-Evolution &AMP; Schools",
                              "text": "Parker &UR; &LR; Smith spoke."}, {"text": "&QL;"}]},
    ])
    (cluster,) = iter_clusters(clusters)
    assert [(a.title, a.text) for a in cluster.articles] == [
        ("BC-Evolution & Schools", "Parker Smith spoke.")]
    article = parse_text("A title\n\nAT&AMP;T &UR; &LR; rose. &QL;\n", None)
    assert (article.title, article.text) == ("A title", "AT&T rose.")


def test_record_of_wire_codes_only_has_no_text(tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [{"text": "&QL; &UR;"}])
    with pytest.raises(InputError, match=r"a\.jsonl:1: .*no text"):
        read_articles([path])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # cut short: the place named is the line's end, not "column 1" of the next line
        ('{"text": "ok"', r"malformed JSON: .*\(the line ends at column 14\)"),
        ('{"text": x}', r"malformed JSON: Expecting value \(column 10\)"),
        ('["not", "an", "object"]', "JSON object"),
        ('{"title": "no text"}', 'no "text"'),
        ('{"text": "   "}', "no text"),
        ('{"text": 5}', "must be a string"),
        ('{"text": "x", "title": 3}', '"title" must be'),
        ('{"docs": [{"text": "x"}]}', "cluster file"),
    ],
)
def test_jsonl_bad_line_names_file_and_line(tmp_path, line, message):
    path = _jsonl(tmp_path / "bad.jsonl", [{"text": "fine"}, line])
    with pytest.raises(InputError, match=message) as caught:
        read_articles([path])
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{path}:2: ")


def test_skip_mode_reports_bad_records_and_continues(tmp_path):
    good = _write(tmp_path / "in" / "b.txt", "A good article body.")
    _jsonl(tmp_path / "in" / "a.jsonl", [{"text": "first"}, "{broken", {"text": "third"}])
    _write(tmp_path / "in" / "c.txt", b"\xff\xfe bad bytes")
    errors: list[InputError] = []
    articles = list(iter_articles([tmp_path / "in", tmp_path / "missing"], on_error=errors.append))
    assert [a.text for a in articles] == ["first", "third", "A good article body."]
    assert [(Path(e.path).name, e.line) for e in errors] == [
        ("a.jsonl", 2), ("c.txt", 1), ("missing", None),
    ]
    assert articles[2].path == str(good)


def test_jsonl_long_line_is_skipped_without_reading_it_whole(tmp_path, monkeypatch):
    import newsweave.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_LINE_BYTES", 64)
    path = _jsonl(tmp_path / "long.jsonl", [{"text": "x" * 500}, {"text": "short"}])
    errors: list[InputError] = []
    articles = list(iter_articles([path], on_error=errors.append))
    assert [a.text for a in articles] == ["short"] and errors[0].line == 1


# --------------------------------------------------------------------------- bad inputs
def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file or directory") as caught:
        read_articles([tmp_path / "nope.txt"])
    assert "nope.txt" in str(caught.value)


def test_empty_folder_and_folder_without_articles(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty folder") as caught:
        read_articles([tmp_path / "empty"])
    assert "empty" in str(caught.value)
    _write(tmp_path / "pics" / "photo.png", b"\x89PNG")
    _write(tmp_path / "pics" / ".hidden.txt", "hidden article")
    with pytest.raises(InputError, match="no article files"):
        read_articles([tmp_path / "pics"])


def test_binary_and_non_utf8_files(tmp_path):
    binary = _write(tmp_path / "blob.txt", b"abc\x00\x01\x02")
    with pytest.raises(InputError, match="binary") as caught:
        read_articles([binary])
    assert "blob.txt" in str(caught.value)
    # UTF-8 with one damaged byte is not Windows-1252: refused at its line
    damaged = _write(tmp_path / "damaged.txt",
                     "first line\ncafé \u201cau\u201d ".encode() + b"\xe9")
    with pytest.raises(InputError, match="not UTF-8") as caught:
        read_articles([damaged])
    assert str(caught.value).startswith(f"{damaged}:2: ")


def test_windows_1252_text_file_is_read_with_a_warning(tmp_path, capsys):
    """What a Western Windows editor saves as "ANSI": curly quotes, dashes, accents."""
    raw = "Café reopens\n\nThe owner \u2014 a Zoë Müller \u2014 said \u201cwe are back\u201d.\n"
    path = _write(tmp_path / "ansi.txt", raw.encode("cp1252"))
    (article,) = read_articles([path])
    assert article.title == "Café reopens"
    assert article.text == "The owner \u2014 a Zoë Müller \u2014 said \u201cwe are back\u201d."
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: not UTF-8: read as Windows-1252" in err
    # another script's legacy encoding reads as mojibake in Windows-1252: refused
    cyrillic = _write(tmp_path / "ru.txt",
                      "Президент заявил, что экономика сильна.".encode("cp1251"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_articles([cyrillic])


@pytest.mark.parametrize("charset", [None, "iso-8859-1"])
def test_legacy_html_file_reads_as_a_browser_shows_it(tmp_path, charset):
    meta = f'<meta charset="{charset}">' if charset else ""
    page = (f"<html><head>{meta}<title>Café reopens</title></head><body><article>"
            "<p>The owner of the café on Main Street said \u201cwe are back\u201d on Tuesday, "
            "after a year of repairs that cost the family most of its savings.</p>"
            "<p>Customers queued outside before the doors opened at seven.</p>"
            "</article></body></html>")
    (article,) = read_articles([_write(tmp_path / "page.html", page.encode("cp1252"))])
    assert "the café on Main Street said \u201cwe are back\u201d" in article.text


def test_declared_latin1_is_read_as_windows_1252():
    """The Encoding Standard's reading, shared by files, WARC records and the follower: a
    page that says Latin-1 and holds curly quotes keeps them (not control characters)."""
    from newsweave.ingest import decode_html

    body = "said \u201cyes\u201d \u2014 caf\u00e9".encode("cp1252")
    for declared in ("ISO-8859-1", "us-ascii", None):
        assert decode_html(body, declared) == "said \u201cyes\u201d \u2014 caf\u00e9"
    word = "\u041c\u0438\u0440"
    assert decode_html(word.encode("cp1251"), "windows-1251") == word


def test_markdown_file_is_read_as_its_text(tmp_path):
    """A note kept in Markdown: the heading is the title, a byline and date line under it
    are read as in plain text, wrapped lines stay one paragraph, markup and pictures go."""
    path = _write(tmp_path / "note.md", (
        "# Sessions recuses himself\n\nBy Jane Roe | March 2, 2017\n\n"
        "![Sessions](sessions.jpg)\n\nWASHINGTON (Reuters) - Attorney General **Jeff "
        "Sessions** said he would\nrecuse himself, [officials](https://x.test/) said.\n\n"
        "> \"I will recuse myself,\" he said.\n\n- Democrats said it was not enough.\n\n"
        "<script>alert(1)</script>\n"))
    (article,) = read_articles([path])
    assert (article.title, article.author, article.published, article.outlet) == (
        "Sessions recuses himself", "Jane Roe", "2017-03-02", "Reuters")
    assert article.text == (
        "WASHINGTON (Reuters) - Attorney General Jeff Sessions said he would recuse himself, "
        "officials said.\n\n\"I will recuse myself,\" he said.\n\nDemocrats said it was not "
        "enough.")


def test_markdown_file_over_its_limit_is_refused_unparsed(tmp_path, monkeypatch):
    import newsweave.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_MARKDOWN_CHARS", 100)
    with pytest.raises(InputError, match="Markdown file of 300 characters is over"):
        read_articles([_write(tmp_path / "big.md", "a\n\n" * 100)])


def test_folder_walk_passes_over_a_projects_files(tmp_path):
    """A folder of articles may hold a README.md or a package.json: given by name they are
    read, met in a folder they are not articles."""
    _write(tmp_path / "in" / "README.md", "# About this folder\n\nThe reports we collected.")
    _write(tmp_path / "in" / "LICENSE.md", "Permission is granted to anyone.")
    _write(tmp_path / "in" / "package.json", '{"name": "x", "version": "1.0.0"}')
    _write(tmp_path / "in" / "note.md", "# Budget passes\n\nThe council approved it.")
    _write(tmp_path / "in" / "list.json", '[{"title": "T", "text": "The mayor resigned."}]')
    errors: list[InputError] = []
    articles = list(iter_articles([tmp_path / "in"], on_error=errors.append))
    assert sorted(a.text for a in articles) == ["The council approved it.",
                                                "The mayor resigned."] and not errors
    (readme,) = read_articles([tmp_path / "in" / "README.md"])
    assert readme.text == "The reports we collected."
    # a page saved "complete" by a browser: its _files folder holds ad frames, not articles
    _write(tmp_path / "saved" / "story.html", PAGE)
    _write(tmp_path / "saved" / "story_files" / "ad-frame.html", "<html><body><p>Buy now! "
           "The best offers of the week are here for you and your family.</p></body></html>")
    _write(tmp_path / "saved" / "other_files" / "kept.txt", "A note kept in a folder.")
    assert sorted(Path(a.path).name for a in read_articles([tmp_path / "saved"])) == [
        "kept.txt", "story.html"]


def test_markdown_front_matter_gives_the_articles_fields(tmp_path):
    path = _write(tmp_path / "post.markdown", (
        '---\ntitle: "Budget passes: council votes"\ndate: 2017-03-02\nauthor: Jane Roe\n'
        "tags: [budget, council]\nsource: Planet News\nurl: https://planet.example/b\n---\n\n"
        "# A heading the front matter overrides\n\nThe council approved the budget.\n"))
    (article,) = read_articles([path])
    assert (article.title, article.published, article.author, article.outlet, article.url) == (
        "Budget passes: council votes", "2017-03-02", "Jane Roe", "Planet News",
        "https://planet.example/b")
    assert article.text == "The council approved the budget."


def test_json_file_holds_one_article_or_an_array_of_them(tmp_path):
    one = _write(tmp_path / "one.json", json.dumps({"title": "Budget passes",
                                                     "text": "The council approved it."}))
    (article,) = read_articles([one])
    assert (article.title, article.text) == ("Budget passes", "The council approved it.")
    many = _write(tmp_path / "many.json", '[\n  {"text": "First report."},\n  {"title": "x"},'
                  '\n  "not an article",\n\n  {"text": "Fourth report.",\n   "outlet": "AP"}\n]\n')
    errors: list[InputError] = []
    articles = list(iter_articles([many], on_error=errors.append))
    assert [(a.text, a.outlet) for a in articles] == [("First report.", None),
                                                      ("Fourth report.", "AP")]
    assert [(e.line, e.message) for e in errors] == [
        (3, 'no "text" field'), (4, "expected a JSON object (an article)")]
    # an element past a bound is bad on its own: its neighbours are read
    hostile = _write(tmp_path / "hostile.json", '[{"text": "\\ud800"},\n{"text": "Good.", '
                     '"n": NaN},\n{"text": "Kept."}, [[[[[[1]]]]]], {"text": "Last."}]')
    errors = []
    articles = list(iter_articles([hostile], on_error=errors.append))
    assert [a.text for a in articles] == ["Kept.", "Last."]
    assert [e.line for e in errors] == [1, 2, 3] and "surrogate" in errors[0].message


@pytest.mark.parametrize(("content", "message", "line"), [
    ('[{"text": "a"},\n {"text": ', "malformed JSON", 2),
    ('[{"text": "a"}\n {"text": "b"}]', "expected ',' or ']'", 2),
    ("[" * 40 + "]" * 40, "nested 40 deep", None),
    ("[]", "empty JSON array", None),
    ('"text"', "expected an article object or an array of them", None),
    ('{"status": "ok", "articles": [{"content": "a"}]}', 'wrapped in "articles"', None),
    ('{"version": "https://jsonfeed.org/version/1.1", "items": []}', "JSON Feed", None),
])
def test_bad_json_file_is_one_located_error(tmp_path, content, message, line):
    path = _write(tmp_path / "bad.json", content)
    with pytest.raises(InputError, match=message) as caught:
        read_articles([path])
    assert caught.value.path == path and caught.value.line == line


def test_utf16_text_file_with_its_mark_is_text(tmp_path):
    """What Windows editors save as "Unicode": UTF-16 opened by a byte-order mark."""
    raw = "Budget passes\n\nThe council approved the budget on Tuesday, “she” said.\n"
    for codec in ("utf-16", "utf-16-be"):
        data = raw.encode(codec)
        if codec == "utf-16-be":
            data = b"\xfe\xff" + data
        (article,) = read_articles([_write(tmp_path / f"{codec}.txt", data)])
        assert article.title == "Budget passes"
        assert article.text == "The council approved the budget on Tuesday, “she” said."
    nul = _write(tmp_path / "nul.txt", "a\x00b".encode("utf-16"))
    with pytest.raises(InputError, match="binary"):
        read_articles([nul])
    broken = _write(tmp_path / "broken.txt", b"\xff\xfeA\x00 \x00\x00\xd8")  # lone surrogate
    with pytest.raises(InputError, match="not UTF-16 text"):
        read_articles([broken])
    # bytes that merely decode as UTF-16 (no space, no line) stay a bad UTF-8 file
    with pytest.raises(InputError, match="not UTF-8"):
        read_articles([_write(tmp_path / "junk.txt", b"\xff\xfe bad bytes")])


def test_empty_text_file_and_unknown_type(tmp_path):
    with pytest.raises(InputError, match="no text"):
        read_articles([_write(tmp_path / "blank.txt", "\n  \n")])
    with pytest.raises(InputError, match="unsupported file type"):
        read_articles([_write(tmp_path / "data.xyz", "a,b")])
    with pytest.raises(InputError, match="save its text as a .txt file"):
        read_articles([_write(tmp_path / "report.pdf", b"%PDF-1.4")])
    with pytest.raises(InputError, match=r"save the page as HTML only \(.html\)"):
        read_articles([_write(tmp_path / "page.mhtml", b"MIME-Version: 1.0")])
    with pytest.raises(InputError, match='no "text" column') as caught:
        read_articles([_write(tmp_path / "data.csv", "a,b")])
    assert caught.value.line == 1


def test_csv_of_articles_as_a_spreadsheet_saves_it(tmp_path):
    """A sheet of articles, one a row, under a header naming a text column (the export of
    ``newsweave articles --format csv`` reads back); a bad row is one error at its line."""
    rows = ('title,text,outlet,published,author,clicks\n'
            'Budget passes,"The council approved it,\nafter a long debate.",AP,2017-03-02,'
            'Jane Roe,5\n'
            'No text,,AP,,,\n'
            "Formula,\"'=HYPERLINK(x) was a cell the export guarded.\",,,,\n")
    errors: list[InputError] = []
    articles = list(iter_articles([_write(tmp_path / "a.csv", rows)], on_error=errors.append))
    assert [(a.title, a.text, a.outlet, a.published, a.author) for a in articles] == [
        ("Budget passes", "The council approved it,\nafter a long debate.", "AP", "2017-03-02",
         "Jane Roe"),
        ("Formula", "=HYPERLINK(x) was a cell the export guarded.", None, None, None)]
    assert [(e.line, e.message) for e in errors] == [(4, 'no "text" field')]
    # Excel's "CSV" with semicolons in Windows-1252, and its "Unicode text" (UTF-16, tabs)
    semi = rows.replace(",", ";").replace("The council approved it;", "Le conseil l'a adopté,")
    (first, _second) = read_articles([_write(tmp_path / "b.csv", semi.replace(
        "No text;;AP;;;\n", "").encode("cp1252"))])
    assert first.text.startswith("Le conseil l'a adopté,")
    tabbed = rows.replace(",", "\t").replace("No text\t\tAP\t\t\t\n", "")
    assert len(read_articles([_write(tmp_path / "c.tsv", tabbed.encode("utf-16"))])) == 2
    # a sheet's own names for the columns
    own = "Headline;Body;Source;Date;Link\nVote;The council voted.;AP;2017-03-02;https://x.test/a\n"
    (article,) = read_articles([_write(tmp_path / "d.csv", own)])
    assert (article.title, article.text, article.outlet, article.published, article.url) == (
        "Vote", "The council voted.", "AP", "2017-03-02", "https://x.test/a")
    # in a folder, a CSV without a text column (an outlet table) is passed over
    _write(tmp_path / "in" / "outlets.csv", "domain,name,lean,country,owner\nx.com,X,,,\n")
    _write(tmp_path / "in" / "a.csv", rows.replace("No text,,AP,,,\n", ""))
    assert len(read_articles([tmp_path / "in"])) == 2


def test_input_with_no_article_raises(tmp_path):
    with pytest.raises(InputError, match="no articles"):
        read_articles([_write(tmp_path / "empty.jsonl", "\n\n")])


def test_folder_walk_is_recursive_sorted_and_skips_hidden(tmp_path):
    _write(tmp_path / "b" / "z.txt", "Zed.")
    _write(tmp_path / "a.txt", "Ay.")
    _write(tmp_path / "b" / "c.htm", PAGE)
    _write(tmp_path / ".git" / "x.txt", "Hidden.")
    _write(tmp_path / "noext", "No extension.")
    _write(tmp_path / "sitemap.xml", "<urlset><url>https://x.example</url></urlset>")
    texts = [a.text[:8] for a in read_articles([tmp_path])]
    assert texts == ["Ay.", "Official", "Zed.", "No exten"]


# --------------------------------------------------------------------------- feeds
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire Service</title><link>https://wire.example</link>
<item><title>Dam opens</title><link>https://wire.example/dam</link>
<pubDate>Thu, 02 Mar 2017 10:00:00 GMT</pubDate>
<description>&lt;p&gt;The new dam opened on Thursday.&lt;/p&gt;
&lt;p&gt;Farmers cheered.&lt;/p&gt;</description>
</item>
<item><title>Link only</title><link>https://wire.example/link</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Times</title><id>urn:feed</id>
<updated>2017-03-05T00:00:00Z</updated>
<entry><title>Bridge closes</title><id>urn:1</id><link href="https://atom.example/bridge"/>
<published>2017-03-04T08:00:00Z</published><updated>2017-03-05T09:00:00Z</updated>
<content type="html">&lt;p&gt;Bridge closes&lt;/p&gt;
&lt;p&gt;The old bridge closed for repairs.&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_entries_become_articles(tmp_path):
    (article,) = read_articles([_write(tmp_path / "wire.rss", RSS)])
    assert article.title == "Dam opens" and article.outlet == "Wire Service"
    assert article.text == "The new dam opened on Thursday.\n\nFarmers cheered."
    assert (article.published, article.updated) == ("2017-03-02T10:00:00+00:00", None)
    assert article.url == "https://wire.example/dam"


def test_feed_entry_author_and_no_feed_footer(tmp_path):
    """WordPress appends "The post ... appeared first on ..." to every entry, and teasers end
    in a jump link: neither is the story. The entry's author is the article's."""
    feed = RSS.replace(
        "Farmers cheered.&lt;/p&gt;</description>",
        "Farmers cheered.&lt;/p&gt;\n&lt;p&gt;The post &lt;a href='x'&gt;Dam opens&lt;/a&gt; "
        "appeared first on Wire Service.&lt;/p&gt;</description><author>jane@wire.example "
        "(Jane Roe)</author>").replace(
        "<item><title>Link only</title>",
        "<item><title>Levee</title><description>The levee held overnight. Continue reading..."
        "</description></item><item><title>Link only</title>")
    dam, levee = read_articles([_write(tmp_path / "wire.rss", feed)])
    assert dam.text == "The new dam opened on Thursday.\n\nFarmers cheered."
    assert dam.author and "Jane Roe" in dam.author
    assert levee.text == "The levee held overnight."


def test_atom_in_xml_file_keeps_published_apart_from_updated(tmp_path):
    (article,) = read_articles([_write(tmp_path / "feed.xml", ATOM)])
    assert article.outlet == "Atom Times"
    assert article.text == "The old bridge closed for repairs."  # repeated headline dropped
    assert (article.published, article.updated) == (
        "2017-03-04T08:00:00+00:00", "2017-03-05T09:00:00+00:00")


def test_an_atom_entry_with_only_updated_is_dated_by_it(tmp_path):
    """Atom requires <updated> alone; such an entry was stored undated, its "on Tuesday"
    left out of the timeline."""
    only = ATOM.replace("<published>2017-03-04T08:00:00Z</published>", "")
    (article,) = read_articles([_write(tmp_path / "feed.atom", only)])
    assert (article.published, article.updated) == ("2017-03-05T09:00:00+00:00", None)


def test_malformed_feed_and_non_feed_xml(tmp_path):
    with pytest.raises(InputError, match="malformed feed"):
        read_articles([_write(tmp_path / "bad.rss", "<rss><channel><item><title>x</item>")])
    with pytest.raises(InputError, match="not an RSS or Atom feed"):
        read_articles([_write(tmp_path / "config.xml", "<config><a>1</a></config>")])


def test_a_feed_file_with_one_broken_entry_keeps_the_others(tmp_path):
    """A bare "&" in one title made the whole file one error, where `follow` reads the same
    feed as far as feedparser's loose parser goes: the error is said, the entries kept."""
    items = "".join(
        f"<item><title>Vote {n}{' & more' if n == 1 else ''}</title><link>http://x.test/{n}"
        f"</link><description>Report {n} on the council vote on the budget.</description>"
        "</item>" for n in range(3))
    path = _write(tmp_path / "wire.rss", "<?xml version='1.0'?><rss version='2.0'><channel>"
                  f"<title>Wire</title>{items}</channel></rss>")
    errors: list[InputError] = []
    articles = list(iter_articles([path], on_error=errors.append))
    assert [a.title for a in articles] == ["Vote 0", "Vote 1 & more", "Vote 2"]
    assert [str(e) for e in errors] == [
        f"{path}: malformed feed XML: not well-formed (invalid token) (line 1); read as far "
        "as it goes: 3 entries recovered"]
    with pytest.raises(InputError, match="malformed feed XML"):  # strictly: refused
        read_articles([path])


def test_a_broken_feed_counts_the_entries_it_keeps(tmp_path):
    """The count said "2 entries recovered" where one recovered entry had no text and was
    dropped without a word: it now counts what is kept and names what was passed over."""
    path = _write(tmp_path / "broken.rss", (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken & Co</title>\n'
        "<item><title>One</title><link>https://b.test/1</link><description>Text one about "
        "the council vote on Monday, officials said.</description></item>\n"
        "<item><title>Two<title><description>Text two</description></item>\n"
        "</channel></rss>"))
    errors: list[InputError] = []
    articles = list(iter_articles([path], on_error=errors.append))
    assert [a.title for a in articles] == ["One"]
    assert [e.message.split("; ")[-1] for e in errors] == [
        "read as far as it goes: 1 entry recovered (1 without text passed over)"]


def test_character_references_to_no_character_spoil_no_feed(tmp_path):
    """``&#xD800;`` (a surrogate), ``&#x110000;`` and ``&#99999999999;`` name no character;
    feedparser's loose parser crashed on them ("unexpected ValueError", the file's entries
    lost). Found by benchmarks/fuzz_follow.py; each is now U+FFFD, valid ones stay."""
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire &#x110000;</title>'
            "<item><title>Budget &#xD800; passes &#99999999999;</title><description>The "
            "council approved the budget on Tuesday after a long debate, the mayor said."
            "</description></item></channel></rss>")
    (article,) = read_articles([_write(tmp_path / "feed.rss", feed)])
    assert article.title == "Budget \ufffd passes \ufffd" and article.outlet == "Wire \ufffd"


# --------------------------------------------------------------------------- WARC
def _warc(path: Path, gz: bool) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gz)

    def response(url: str, body: bytes, mime: str, status: str = "200 OK", when: str = "") -> None:
        headers = StatusAndHeaders(status, [("Content-Type", mime)], protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": when} if when else None
        record = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=headers,
            warc_headers_dict=warc_headers,
        )
        writer.write_record(record)

    undated = PAGE.replace("2017-03-02T09:00:00Z", "").replace("news/budget", "")
    response("https://planet.example/a", PAGE.encode(), "text/html; charset=utf-8")
    response("https://planet.example/logo.png", b"\x89PNG...", "image/png")
    response("https://planet.example/gone", b"<html>gone</html>", "text/html", "404 Not Found")
    response("https://planet.example/b", undated.encode(), "text/html", when="2019-06-07T12:00:00Z")
    return _write(path, buffer.getvalue())


@pytest.mark.parametrize("gz", [False, True])
def test_warc_html_responses_become_articles(tmp_path, gz):
    path = _warc(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), gz)
    first, second = read_articles([path])
    assert first.url == "https://planet.example/a"  # the fetched address, not the canonical
    assert first.published == "2017-03-02T09:00:00+00:00" and first.outlet == "Daily Planet"
    assert second.url == "https://planet.example/b"
    assert second.published == "2019-06-07"  # no date on the page: the WARC-Date
    assert first.text.startswith("Officials met on Tuesday")


def test_corrupt_and_truncated_warc_are_reported(tmp_path):
    good = _warc(tmp_path / "ok.warc.gz", gz=True).read_bytes()
    path = _write(tmp_path / "cut.warc.gz", good + gzip.compress(b"not a warc record\r\n\r\n"))
    errors: list[InputError] = []
    articles = list(iter_articles([path], on_error=errors.append))
    assert len(articles) == 2 and len(errors) == 1 and "offset" in str(errors[0])
    short = _write(tmp_path / "short.warc.gz", good[:-30])
    errors.clear()
    articles = list(iter_articles([short], on_error=errors.append))
    assert len(articles) == 1 and "truncated" in str(errors[0])
    with pytest.raises(InputError, match="short.warc.gz"):
        read_articles([short])


def test_a_warc_record_with_a_wrong_length_prints_no_warning_of_warcio(tmp_path, capsys):
    """warcio wrote a three-line WARNING of its own to stderr for a record whose
    Content-Length is short (found by a random walk over the readers); the one line newsweave
    gives is enough."""
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>The council "
            b"approved the budget on Tuesday after a long debate.</p></body></html>")
    record = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x.example/a\r\n"
              b"WARC-Date: 2017-03-02T10:00:00Z\r\nContent-Type: application/http; "
              b"msgtype=response\r\nContent-Length: %d\r\n\r\n" % (len(http) - 10)
              + http + b"\r\n\r\n")
    errors: list[InputError] = []
    articles = list(iter_articles([_write(tmp_path / "short.warc", record)],
                                  on_error=errors.append))
    assert len(articles) == 1 and len(errors) == 1 and "offset" in str(errors[0])
    assert "WARNING" not in capsys.readouterr().err


def test_a_control_character_in_markdown_spoils_no_folder(tmp_path):
    """An escape code pasted from a terminal made lxml refuse the Markdown file's text with a
    ValueError that ended the whole ingest (nothing stored, the good file beside it too)."""
    from newsweave.ingest import html_fragment_text

    _write(tmp_path / "esc.md", "# Budget\n\nThe council \x1b[31mapproved\x0c the budget on "
                                "Tuesday after a long debate, the mayor said.\n")
    _write(tmp_path / "good.txt", "The river road closed early on Wednesday morning, the "
                                  "police said, after a night of heavy rain.\n")
    articles = read_articles([tmp_path])
    assert len(articles) == 2
    esc = next(a for a in articles if a.title == "Budget")
    assert "approved the budget" in esc.text and "\x1b" not in esc.text
    assert html_fragment_text("<p>a\x00b\x1fc</p>") == "a b c"


# --------------------------------------------------------------------------- clusters
def test_iter_clusters_never_exposes_summaries_and_skips_bad_lines(tmp_path):
    path = _jsonl(
        tmp_path / "clusters.jsonl",
        [
            {"id": "c1", "query": " rain ", "summaries": ["SECRET REFERENCE"],
             "docs": [{"id": "d1", "title": None, "date": "1998-10-10", "source": "APW",
                       "text": "Rain fell."},
                      {"id": "d1", "date": None, "source": None, "text": "More rain."},
                      {"id": "d3", "text": "   "}]},
            "{not json",
            {"id": "c3", "docs": [{"id": "x", "text": ""}]},
            {"id": "c4", "docs": [{"text": "Sun shone.", "date": "October 11, 1998"}]},
        ],
    )
    items = list(iter_clusters(path))
    assert [type(i) for i in items] == [Cluster, InputError, InputError, Cluster]
    c1, bad, empty, c4 = items
    assert c1.query == "rain" and [a.id for a in c1.articles] == ["d1", "d1-2"]
    assert (c1.articles[0].outlet, c1.articles[0].published) == ("APW", "1998-10-10")
    assert bad.line == 2 and str(bad).startswith(f"{path}:2: ")
    assert empty.line == 3 and "no document with text" in str(empty)
    assert c4.articles[0].published == "1998-10-11"
    assert c4.articles[0].id == article_id("Sun shone.")
    assert "SECRET" not in repr(items)


def test_iter_clusters_reads_a_json_array_of_clusters(tmp_path):
    """Clusters a script wrote as one JSON array: each named by the line it starts on, the
    references still never read (a lone surrogate in them would refuse the cluster)."""
    clusters = [{"id": "c1", "summaries": ["SECRET \ud800"], "docs": [{"text": "Rain fell."}]},
                {"docs": []}, {"docs": [{"text": "Sun shone."}]}]
    path = _write(tmp_path / "clusters.json", json.dumps(clusters, indent=1))
    items = list(iter_clusters(path))
    assert [type(i) for i in items] == [Cluster, InputError, Cluster]
    assert items[0].id == "c1" and "SECRET" not in repr(items)
    assert items[1].line == 13 and "no document with text" in items[1].message
    assert items[2].id == "line-16" and items[2].articles


def test_iter_clusters_missing_file_raises_on_call(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        iter_clusters(tmp_path / "none.jsonl")


def test_html_file_in_declared_charset_is_decoded(tmp_path):
    page = PAGE.replace('charset="utf-8"', 'charset="iso-8859-1"').replace("mayor", "maire café")
    path = _write(tmp_path / "latin.html", page.encode("iso-8859-1"))
    (article,) = read_articles([path])
    assert "maire café said" in article.text


# --------------------------------------------------------------------------- timestamps
def test_feed_entry_keeps_its_own_offset_and_local_day(tmp_path):
    from newsweave.timeline import parse_published

    rss = RSS.replace("Thu, 02 Mar 2017 10:00:00 GMT", "Wed, 01 Mar 2017 21:30 -0500")
    (article,) = read_articles([_write(tmp_path / "wire.rss", rss)])
    assert article.published == "2017-03-01T21:30:00-05:00"  # not 2017-03-02 (UTC)
    assert str(parse_published(article.published)) == "2017-03-01"  # "tonight" = March 1


def test_relative_dates_resolve_against_the_local_day():
    from newsweave.ingest import normalise_timestamp
    from newsweave.timeline import find_candidates, parse_published, resolve_candidate

    text = "Talks ended yesterday and resume tonight."
    # 21:30 in New York is already March 2 in UTC: the old UTC-date bug gave March 1 / 2
    local = parse_published(normalise_timestamp("Wed, 01 Mar 2017 21:30 -0500"))
    resolved = [resolve_candidate(c, local) for c in find_candidates(text)]
    assert resolved == ["2017-02-28", "2017-03-01"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Wed, 01 Mar 2017 21:30 -0500", "2017-03-01T21:30:00-05:00"),
    ("Wed, 01 Mar 2017 21:30:00 EST", "2017-03-01T21:30:00-05:00"),
    ("2017-03-01T23:59:00+05:30", "2017-03-01T23:59:00+05:30"),
    ("2017-03-01", "2017-03-01"),  # date-only stays date-only
    ("Mon, 6 Mar 2017", "2017-03-06"),
    ("Aug 23, 2017 11:20", "2017-08-23T11:20:00"),  # no zone written: no offset invented
    ("March 2017", None),
    ("no date here", None),
])
def test_normalise_timestamp(raw, expected):
    from newsweave.ingest import normalise_timestamp

    assert normalise_timestamp(raw) == expected


def test_warc_page_never_dated_after_its_capture(tmp_path):
    from newsweave.ingest import parse_html

    late = PAGE.replace("2017-03-02T09:00:00Z", "2030-01-01T09:00:00Z")
    article = parse_html(late, url="https://planet.example/a", captured="2019-06-07T12:00:00Z")
    assert article.published == "2019-06-07"
    ok = parse_html(PAGE, url="https://planet.example/a", captured="2019-06-07T12:00:00Z")
    assert ok.published == "2017-03-02T09:00:00+00:00"


def test_page_timestamps_from_json_ld_keep_offset():
    from newsweave.ingest import page_timestamps

    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2017-03-01T21:30:00-05:00", "dateModified": "2017-03-02T08:00:00-05:00"}'
        "</script></head><body><p>x</p></body></html>"
    )
    assert page_timestamps(html) == ("2017-03-01T21:30:00-05:00", "2017-03-02T08:00:00-05:00")
    assert page_timestamps("<html><body>nothing</body></html>") == (None, None)


class _Piped:
    """Standard input as a pipe holding ``data`` (or a terminal)."""

    def __init__(self, data: bytes, tty: bool = False) -> None:
        self.buffer = io.BytesIO(data)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(("data", "title", "text"), [
    (b"Budget passes\n\nThe council approved the budget.", "Budget passes",
     "The council approved the budget."),
    (b'{"text": "The mayor resigned."}\n{"text": "The council met."}\n', None,
     "The mayor resigned."),
    (b'[{"title": "Vote", "text": "The council voted."}]', "Vote", "The council voted."),
    (PAGE.encode(), "Council passes budget", None),
    (gzip.compress(b'{"title": "Zipped", "text": "The council voted."}\n'), "Zipped",
     "The council voted."),
    # `articles --format csv | ingest -`: the export read as one article of CSV text
    (b"id,url,title,outlet,text\na1,,Vote,Wire,The council voted.\n", "Vote",
     "The council voted."),
])
def test_dash_reads_what_is_piped_in_by_its_kind(monkeypatch, data, title, text):
    import sys

    monkeypatch.setattr(sys, "stdin", _Piped(data))
    first = read_articles(["-"])[0]
    assert first.title == title and first.path == "<stdin>"
    assert text is None or first.text == text


def test_dash_with_nothing_piped_is_one_error(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stdin", _Piped(b"", tty=True))
    with pytest.raises(InputError, match="standard input is a terminal"):
        read_articles(["-"])
    monkeypatch.setattr(sys, "stdin", _Piped(b"  \n"))
    with pytest.raises(InputError, match="nothing on standard input") as caught:
        read_articles(["-"])
    assert caught.value.path == "<stdin>"
    monkeypatch.setattr(sys, "stdin", _Piped(b'[{"title": "x"}]'))
    with pytest.raises(InputError, match='no "text" field') as caught:
        read_articles(["-"])
    assert str(caught.value).startswith("<stdin>:1: ")


def test_gzipped_jsonl_is_read_as_it_streams(tmp_path, monkeypatch):
    """An archive's articles as ``.jsonl.gz``: gunzipped on the fly, a bad line reported at
    its line; corrupt data or a gzip bomb end the file with one error after its good lines."""
    import newsweave.ingest as ingest

    good = json.dumps({"id": "g1", "text": "The mayor resigned."})
    path = _write(tmp_path / "a.jsonl.gz", gzip.compress(
        f'{good}\n{{broken\n{json.dumps({"id": "g2", "text": "The council met."})}\n'.encode()))
    errors: list[InputError] = []
    assert [a.id for a in iter_articles([path], on_error=errors.append)] == ["g1", "g2"]
    assert [(e.line, e.message[:14]) for e in errors] == [(2, "malformed JSON")]
    corrupt = _write(tmp_path / "c.ndjson.gz", path.read_bytes()[:30] + b"garbage" * 20)
    with pytest.raises(InputError, match="gzip: corrupt gzip data"):
        read_articles([corrupt])
    monkeypatch.setattr(ingest, "WARC_EXPAND_FLOOR", 1_500_000)  # reads go 1 MB at a time
    bomb = _write(tmp_path / "b.jsonl.gz", gzip.compress(f"{good}\n".encode() + b" " * 5_000_000))
    errors = []
    assert [a.id for a in iter_articles([bomb], on_error=errors.append)] == ["g1"]
    assert len(errors) == 1 and errors[0].message.startswith("gzip: expands to over ")
    # found in a folder walk too
    assert {a.id for a in iter_articles([tmp_path], on_error=lambda e: None)} >= {"g1", "g2"}


def test_jsonl_floods_stop_with_one_error(tmp_path, monkeypatch):
    """A gzipped flood (line breaks, or bad records) expands 200 to 1: after a run of blank
    lines or bad records no real file has, the rest of the file is not read."""
    import newsweave.ingest as ingest

    monkeypatch.setattr(ingest, "MAX_BLANK_LINES", 50)
    monkeypatch.setattr(ingest, "MAX_BAD_IN_A_ROW", 20)
    good = json.dumps({"text": "The mayor resigned."})
    blanks = _write(tmp_path / "blank.jsonl.gz", gzip.compress(
        f"{good}\n".encode() + b"\n" * 1000 + f"{good}\n".encode()))
    errors: list[InputError] = []
    assert len(list(iter_articles([blanks], on_error=errors.append))) == 1
    assert [e.line for e in errors] == [52] and "over 50 blank lines" in errors[0].message
    flood = _write(tmp_path / "bad.jsonl", f"{good}\n" + "{}\n" * 10 + f"{good}\n"
                   + "{}\n" * 1000 + f"{good}\n")
    errors = []
    assert len(list(iter_articles([flood], on_error=errors.append))) == 2  # 10 bad: read on
    assert len(errors) == 10 + 20 + 1 and "20 bad records in a row" in errors[-1].message


def test_an_email_saved_as_text_gives_its_subject_and_date():
    """A press release or newsletter saved from a mail program: the header block leaves the
    text, the subject (without "FW:") is the title, the date it was sent dates it."""
    mail = ("From: Press Office <press@justice.example>\nSent: Thursday, March 2, 2017 10:14 AM\n"
            "To: Desk <desk@planet.example>\nSubject: FW: Statement on the meetings\n\n"
            "The department said on Wednesday that the meetings took place.\n")
    article = parse_text(mail)
    assert (article.title, article.published) == ("Statement on the meetings", "2017-03-02")
    assert article.text == "The department said on Wednesday that the meetings took place."
    forwarded = parse_text("---------- Forwarded message ---------\n" + mail)
    assert forwarded.title == "Statement on the meetings"
    # a text that only opens like a header keeps its lines
    plain = parse_text("From the archive: a story\n\nThe council met on Tuesday.")
    assert plain.title == "From the archive: a story" and plain.published is None


def test_a_newsletters_title_is_its_subject_and_its_outlet_the_sender(tmp_path):
    """Its text opened with "View this email in your browser: ...", which became the title,
    and the outlet was empty though the sender names the newsletter."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = '"Metro Morning" <newsletter@metromorning.example>'
    message["Subject"], message["Date"] = "Transit fares to rise", "Thu, 06 Jun 2024 06:02 -0400"
    message.set_content("View this email in your browser: https://metromorning.example/v/1\n\n"
                        "The transit authority voted on Wednesday to raise fares by 25 cents.\n")
    (article,) = read_articles([_write(tmp_path / "n.eml", bytes(message))])
    assert (article.title, article.outlet) == ("Transit fares to rise", "Metro Morning")


def test_an_html_newsletter_laid_out_in_tables_reads_as_paragraphs(tmp_path):
    """A newsletter with only an HTML part, laid out in tables as mail programs need: its
    text came out as Markdown rows ("| View in browser |", "\\|" for a pipe), headline and
    paragraphs run into one cell, and a paragraph alone in a cell was dropped."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["Subject"] = '"Metro Morning" <m@metro.example>', "Library hours"
    message["Date"] = "Fri, 07 Jun 2024 06:00:00 -0400"
    message.set_content(
        '<html><body><table><tr><td><a href="https://metro.example/v">View in browser</a>'
        '</td></tr></table><table width="600"><tr><td><h1>Library hours extended</h1>'
        "<p>The city library system will extend its weekend hours starting next month, "
        "library director Paul Grant said on Thursday.</p><p>All branches will open at 9 a.m."
        " on Saturdays and Sundays, two hours earlier than now.</p></td></tr><tr><td>The "
        "change will cost about $400,000 a year, paid for by a state grant, the director "
        "said.</td></tr></table></body></html>", subtype="html")
    (article,) = read_articles([_write(tmp_path / "n.eml", bytes(message))])
    assert "|" not in article.text
    assert article.text.split("\n\n") == [
        "The city library system will extend its weekend hours starting next month, library "
        "director Paul Grant said on Thursday.",
        "All branches will open at 9 a.m. on Saturdays and Sundays, two hours earlier than now.",
        "The change will cost about $400,000 a year, paid for by a state grant, the director "
        "said."]
    assert article.title == "Library hours extended"


def test_eml_file_is_read_by_its_text_or_html_part(tmp_path):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["Subject"] = "Press <p@x.example>", "Fwd: Budget passes"
    message["Date"] = "Thu, 02 Mar 2017 10:14:00 +0000"
    message.set_content("The council approved the budget on Tuesday, a spokeswoman said.\n")
    message.add_alternative("<p>HTML version</p>", subtype="html")
    (article,) = read_articles([_write(tmp_path / "a.eml", bytes(message))])
    assert (article.title, article.published, article.text) == (
        "Budget passes", "2017-03-02",
        "The council approved the budget on Tuesday, a spokeswoman said.")
    deep = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'
                   for i in range(500))
    with pytest.raises(InputError, match="e-mail with 500 multipart sections"):
        read_articles([_write(tmp_path / "deep.eml", "Subject: x\n" + deep)])
    with pytest.raises(InputError, match="e-mail with no text or HTML part"):
        read_articles([_write(tmp_path / "empty.eml", "Subject: x\n\n")])


def test_a_record_dated_year_day_month_is_read_where_it_can_only_mean_that(tmp_path, capsys):
    """An export writing 1998-17-06: no month 17, so it is June 17 (said in a warning); a
    date that could be either stays year-month-day, one that is neither is dropped."""
    path = _jsonl(tmp_path / "d.jsonl", [
        {"id": "a", "text": "One.", "published": "1998-17-06"},
        {"id": "b", "text": "Two.", "published": "1998-06-07"},
        {"id": "c", "text": "Three.", "published": "1998-31-02"},
        {"id": "d", "text": "Four.", "published": "1998-13-13"},
    ])
    assert [a.published for a in read_articles([path])] == ["1998-06-17", "1998-06-07", None,
                                                            None]
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"newsweave: warning: {path}:1: \"published\" '1998-17-06' read as "
                      "1998-06-17 (year, day, month)")
    assert [line.split(": ")[2] for line in err[1:]] == [f"{path}:3", f"{path}:4"]


def test_a_slash_date_either_part_of_which_could_be_the_month_is_said(tmp_path, capsys):
    """"02/03/2017" is February 3 to the parser and March 2 to most of the world: read so,
    with a warning; "25/03/2017" can only be day first, and ISO is never doubted."""
    path = _jsonl(tmp_path / "d.jsonl", [
        {"id": "a", "text": "One.", "published": "02/03/2017"},
        {"id": "b", "text": "Two.", "published": "25/03/2017"},
        {"id": "c", "text": "Three.", "published": "2017-02-03"},
        {"id": "d", "text": "Four.", "published": "03/03/2017"},
    ])
    assert [a.published for a in read_articles([path])] == [
        "2017-02-03", "2017-03-25", "2017-02-03", "2017-03-03"]
    err = capsys.readouterr().err.splitlines()
    assert err == [f"newsweave: warning: {path}:1: \"published\" '02/03/2017' read as "
                   "2017-02-03 (month first, as every such date of this file is); write ISO "
                   "YYYY-MM-DD if the day comes first"]
    # a file of such dates is one warning, not one a row
    many = _jsonl(tmp_path / "many.jsonl", [
        {"id": f"m{i}", "text": "Text.", "published": f"0{i}/0{i + 1}/2017"} for i in range(1, 6)])
    assert len(read_articles([many])) == 5 and len(capsys.readouterr().err.splitlines()) == 1


def test_markdown_nested_past_the_parsers_limit_keeps_its_text(tmp_path):
    """A reply quoted 30 deep in a pasted thread, a bullet run: markdown-it drops what is
    nested past 20 levels, so the run is cut to 8 levels first and the words stay."""
    from newsweave.ingest import markdown_text

    quoted = "> " * 30 + "Sessions said he never met Russian officials about the campaign."
    bullets = "- " * 25 + "Democrats called for him to recuse himself."
    text = markdown_text(f"# Denial\n\n{quoted}\n\n{bullets}\n\n> > A reply quoted twice.")
    assert text.splitlines()[::2] == [
        "Denial", "Sessions said he never met Russian officials about the campaign.",
        "Democrats called for him to recuse himself.", "A reply quoted twice."]


def test_a_markdown_article_with_a_summary_heading_is_still_read(tmp_path):
    """Only a brief's own opening ("N sources, DATE" between headline and Summary) is passed
    over in a folder walk; an article that starts with a Summary heading is an article."""
    (tmp_path / "report.md").write_text("# Budget passes\n\n## Summary\n\nThe council "
                                        "approved the budget on Tuesday, the mayor said.\n")
    (tmp_path / "brief.md").write_text("# Budget passes\n\n*2 sources, 2017-03-01 to "
                                       "2017-03-02*\n\n## Summary\n\nThe council approved "
                                       "the budget. [1][2]\n")
    (tmp_path / "undated.md").write_text("# Budget passes\n\n*2 sources*\n\n## Summary\n\n"
                                         "The council approved the budget. [1][2]\n")
    assert [Path(a.path).name for a in read_articles([tmp_path])] == ["report.md"]


def test_an_export_saved_without_an_extension_is_read_as_records(tmp_path):
    """`articles --out backup` then `ingest backup`: the JSONL export became one article."""
    backup = tmp_path / "backup"
    backup.write_text('{"id": "a1", "title": "Vote", "text": "The council voted."}\n'
                      '{"id": "a2", "title": "Flood", "text": "The river rose."}\n')
    assert [a.id for a in read_articles([backup])] == ["a1", "a2"]
    sheet = tmp_path / "sheet"
    sheet.write_text("id,title,text\na1,Vote,The council voted.\n")
    assert [a.title for a in read_articles([sheet])] == ["Vote"]
