"""Outlet table: CSV reading (and every way it can be malformed), the store's outlets table,
the CLI, matching articles to outlets, and coverage counts with the blindspot rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsweave.cli import main
from newsweave.models import Article
from newsweave.outlets import (
    BLINDSPOT_MIN_SOURCES,
    Member,
    Outlet,
    OutletMatcher,
    blindspot,
    fold_copies,
    lean_sides,
    read_outlets_csv,
    registered_domain,
    story_coverage,
)
from newsweave.store import open_store

ROOT = Path(__file__).resolve().parents[1]
HEADER = "domain,name,lean,country,owner\n"


def write(tmp_path: Path, text: str | bytes, name: str = "outlets.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- domains
@pytest.mark.parametrize("url, domain", [
    ("https://www.theguardian.com/us-news/2017/mar/02/x", "theguardian.com"),
    ("http://news.bbc.co.uk/2/hi/x.stm", "bbc.co.uk"),
    ("https://edition.cnn.com", "cnn.com"),
    ("WWW.NYTimes.com/2017/a.html", "nytimes.com"),
    ("https://example.com.au:8443/a?b=c", "example.com.au"),
    ("http://127.0.0.1:8000/x", None),
    ("https://localhost/a", None),
    ("not a url", None),
    ("", None),
    (None, None),
])
def test_registered_domain(url: str | None, domain: str | None) -> None:
    assert registered_domain(url) == domain


# --------------------------------------------------------------------------- CSV
def test_reads_the_example_table() -> None:
    outlets = read_outlets_csv(ROOT / "examples" / "outlets.csv")
    assert {o.name for o in outlets} >= {"The Guardian", "ANI"}
    guardian = next(o for o in outlets if o.name == "The Guardian")
    assert guardian.domain == "theguardian.com" and guardian.lean == "left"


def test_csv_any_column_order_bom_extra_columns_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffName,Domain,notes,Owner,Country,Lean\n"
                           '"Guardian, The",https://www.theguardian.com/uk,x,GMG,GB,left\n'
                           "\n"
                           "ANI,aninews.in,,,IN,\n")
    outlets = read_outlets_csv(path)
    assert outlets == [Outlet("theguardian.com", "Guardian, The", "left", "GB", "GMG"),
                       Outlet("aninews.in", "ANI", None, "IN", None)]


def test_csv_saved_with_semicolons_or_tabs(tmp_path: Path) -> None:
    """Where the comma is the decimal mark, spreadsheets save "CSV" with semicolons."""
    want = [Outlet("cnn.com", "CNN, Inc.", "left", "US", None)]
    semi = write(tmp_path, "domain;name;lean;country;owner\r\ncnn.com;CNN, Inc.;left;US;\r\n")
    assert read_outlets_csv(semi) == want
    tabs = write(tmp_path, "Domain\tName\tLean\tCountry\tOwner\ncnn.com\tCNN, Inc.\tleft\tUS\t\n",
                 "tabs.csv")
    assert read_outlets_csv(tabs) == want


@pytest.mark.parametrize("content, line, words", [
    ("domain,name,lean\nx.com,X,left\n", 1, "missing column(s) country, owner"),
    ("", 1, "empty"),
    (HEADER + "x.com,X,left,US,Y\nwww.x.com,X2,right,US,Z\n", 3, "duplicate domain x.com"),
    (HEADER + "x.com,X,left,US,Y\ny.com,Y,left\n", 3, "3 fields, the header has 5"),
    (HEADER + "x.com,,left,US,Y\n", 2, "name is empty"),
    (HEADER + ",X,left,US,Y\n", 2, "domain is empty"),
    (HEADER + "x.com,X,left,US,Y\nnot a domain,X,left,US,Y\n", 3, "not a domain"),
    (HEADER + "x.com,X,left,US,Y\n" + "y.com," + "n" * 400 + ",left,US,Y\n", 3, "longer than"),
    (HEADER + 'x.com,"X\nstill X",left,US,Y\nx.com,X,left,US,Y\n', 4, "duplicate domain"),
    # a public suffix, a host with a space, two domains in one cell, a bad label: no outlet's
    (HEADER + "co.uk,A suffix,left,GB,Y\n", 2, "not a domain"),
    (HEADER + "com,A TLD,left,US,Y\n", 2, "not a domain"),
    (HEADER + "foo bar.com,Space,left,US,Y\n", 2, "not a domain"),
    (HEADER + '"com, foxnews.com",Two,left,US,Y\n', 2, "not a domain"),
    (HEADER + "-bad-.com,Dash,left,US,Y\n", 2, "not a domain"),
    (HEADER + "bücher.de,B,left,DE,Y\nxn--bcher-kva.de,B2,left,DE,Y\n", 3, "duplicate domain"),
])
def test_csv_errors_name_file_and_line(tmp_path: Path, content: str, line: int,
                                       words: str) -> None:
    from newsweave.errors import InputError

    path = write(tmp_path, content)
    with pytest.raises(InputError) as err:
        read_outlets_csv(path)
    assert err.value.line == line
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert words in str(err.value)


def test_csv_bad_encoding_names_the_line(tmp_path: Path) -> None:
    from newsweave.errors import InputError

    damaged = (HEADER + "x.com,Café,left,US,Y\ny.com,Caf").encode() + b"\xe9,left,,\n"
    path = write(tmp_path, damaged)
    with pytest.raises(InputError) as err:
        read_outlets_csv(path)
    assert err.value.line == 3 and "UTF-8" in str(err.value)


def test_csv_as_excel_saves_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Excel's "CSV" on a Western Windows is Windows-1252; its "Unicode text" is UTF-16
    with tabs. Both are read (the first with a warning), accents intact."""
    rows = HEADER + "liberation.fr,Libération,left,FR,SFR\nsz.de,Süddeutsche,center,DE,SWMH\n"
    ansi = write(tmp_path, rows.encode("cp1252"), "ansi.csv")
    assert [o.name for o in read_outlets_csv(ansi)] == ["Libération", "Süddeutsche"]
    assert f"{ansi}: not UTF-8: read as Windows-1252" in capsys.readouterr().err
    unicode = write(tmp_path, rows.replace(",", "\t").encode("utf-16"), "unicode.txt")
    assert [o.name for o in read_outlets_csv(unicode)] == ["Libération", "Süddeutsche"]


# --------------------------------------------------------------------------- store + CLI
def test_cli_import_reimport_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "s.db")
    first = write(tmp_path, HEADER + "theguardian.com,The Guardian,left,GB,GMG\n"
                                     "foxnews.com,Fox News,right,US,Fox Corporation\n", "a.csv")
    assert main(["outlets", "import", str(first), "--db", db]) == 0
    assert "2 new, 0 updated" in capsys.readouterr().out
    second = write(tmp_path, HEADER + "theguardian.com,The Guardian,center-left,GB,GMG\n"
                                      "cnn.com,CNN,left,US,WBD\n", "b.csv")
    assert main(["outlets", "import", str(second), "--db", db]) == 0
    assert "1 new, 1 updated" in capsys.readouterr().out
    with open_store(db) as store:
        outlets = {o.domain: o for o in store.list_outlets()}
    assert set(outlets) == {"theguardian.com", "foxnews.com", "cnn.com"}  # a re-import adds
    assert outlets["theguardian.com"].lean == "center-left"  # ... and updates
    assert main(["outlets", "import", str(second), "--db", db, "--replace"]) == 0
    # the same rows again: said as unchanged (it said "2 updated"), and what --replace removed
    assert capsys.readouterr().out.endswith(
        "0 new, 0 updated, 2 unchanged, 1 other removed (--replace)\n")
    with open_store(db) as store:
        assert {o.domain for o in store.list_outlets()} == {"theguardian.com", "cnn.com"}
    assert main(["outlets", "list", "--db", db, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "domain,name,lean,country,owner"
    assert lines[1:] == ["cnn.com,CNN,left,US,WBD",
                         "theguardian.com,The Guardian,center-left,GB,GMG"]


def test_cli_bad_csv_one_line_exit_2_nothing_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    good = write(tmp_path, HEADER + "cnn.com,CNN,left,US,WBD\n", "good.csv")
    assert main(["outlets", "import", str(good), "--db", db]) == 0
    capsys.readouterr()
    # the first rows are fine: a later duplicate must still leave the table untouched
    bad = write(tmp_path, HEADER + "cnn.com,CNN,right,US,WBD\nfoxnews.com,Fox,right,US,F\n"
                                   "www.cnn.com,CNN again,left,US,WBD\n", "bad.csv")
    assert main(["outlets", "import", str(bad), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}:4: duplicate domain cnn.com" in err
    assert "Traceback" not in err
    with open_store(db) as store:
        assert [(o.domain, o.lean) for o in store.list_outlets()] == [("cnn.com", "left")]
    assert main(["outlets", "import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    assert "missing.csv: no such file" in capsys.readouterr().err
    # a folder or a FIFO is said to be one, never "no such file", and never read
    assert main(["outlets", "import", str(tmp_path), "--db", db]) == 2
    assert f"{tmp_path}: is a folder, expected an outlets CSV file" in capsys.readouterr().err
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert main(["outlets", "import", str(fifo), "--db", db]) == 2
    assert "pipe.csv: not a regular file" in capsys.readouterr().err


def test_cli_list_shows_hostile_names_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    path = write(tmp_path, HEADER + 'evil.com,"=HYPERLINK(""http://x"")",[bold]left[/bold],US,'
                                    "@owner\n")
    assert main(["outlets", "import", str(path), "--db", db]) == 0
    capsys.readouterr()
    assert main(["outlets", "list", "--db", db]) == 0
    assert "[bold]left[/bold]" in capsys.readouterr().out  # rich markup not interpreted
    assert main(["outlets", "list", "--db", db, "--format", "csv"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert row.startswith("evil.com,\"'=HYPERLINK(") and row.endswith(",'@owner")


def test_store_schema_has_outlets_table(tmp_path: Path) -> None:
    from newsweave.migrations import LATEST

    with open_store(str(tmp_path / "s.db")) as store:
        assert store.schema_version == LATEST >= 5
        assert store.list_outlets() == []
        before = store.catalog_version()
        store.import_outlets([Outlet("cnn.com", "CNN", "left")])
        assert store.catalog_version() != before


# --------------------------------------------------------------------------- matching
TABLE = [
    Outlet("theguardian.com", "The Guardian", "left", "GB", "GMG"),
    Outlet("cnn.com", "CNN", "lean left", "US", "WBD"),
    Outlet("foxnews.com", "Fox News", "right", "US", "Fox Corporation"),
    Outlet("aninews.in", "ANI", "center", "IN", "ANI Media"),
]


def test_matcher_by_domain_then_name() -> None:
    m = OutletMatcher(TABLE)
    assert m.match("https://edition.cnn.com/x", "Whatever").name == "CNN"
    assert m.match(None, "the guardian").name == "The Guardian"  # no URL: by name
    assert m.match("https://unknown.example/x", "ANI").name == "ANI"  # unknown domain: name
    assert m.match("https://unknown.example/x", None) is None
    assert m.leans == ["lean left", "left", "center", "right"]  # left side, middle, right


def test_sides_and_blindspot_rule() -> None:
    sides = lean_sides(["left", "lean left", "center", "right", "center-right"])
    assert sides == {"left": "left", "lean left": "left", "center": "", "right": "right",
                     "center-right": "right"}
    assert blindspot({"left": 3}, sides) == "right"
    assert blindspot({"left": 2, "lean left": 1, "center": 5}, sides) == "right"
    assert blindspot({"left": 2}, sides) is None  # too few to say
    assert BLINDSPOT_MIN_SOURCES == 3
    assert blindspot({"center": 6}, sides) is None  # both sides missing: no single blindspot
    assert blindspot({"left": 10, "right": 1}, sides) == "right"  # 1 of 11 <= 10%
    assert blindspot({"left": 8, "right": 1}, sides) is None  # 1 of 9 > 10%
    assert blindspot({"right": 4, "center-right": 1}, sides) == "left"
    # a vocabulary without left/right words: every lean is its own side
    own = lean_sides(["progressive", "conservative"])
    assert blindspot({"progressive": 4}, own) == "conservative"
    # a table with only one side cannot show a blindspot
    assert blindspot({"left": 5}, lean_sides(["left", "center"])) is None


def test_fold_copies_matches_the_weave() -> None:
    from newsweave.weave import resolve_copies

    members = [Member("a", None, None, "2017-03-02"), Member("b", None, None, "2017-03-03", "a"),
               Member("c", None, None, "2017-03-04", "b"), Member("d", None, None, "2017-03-05",
                                                                  "gone"),
               Member("e", None, None, "2017-03-06", "gone"), Member("f", None, None, None)]
    head_of = fold_copies(members)
    articles = [Article(m.id, "x", published=m.published) for m in members]
    copies = {m.id: m.duplicate_of for m in members if m.duplicate_of}
    weave = resolve_copies(articles, copies)
    assert {k: v for k, v in head_of.items() if k != v} == weave
    assert head_of == {"a": "a", "b": "a", "c": "a", "d": "d", "e": "d", "f": "f"}


def test_story_coverage_counts_independent_sources_per_outlet() -> None:
    members = [
        Member("g1", "https://www.theguardian.com/a", "The Guardian", "2017-03-01"),
        Member("g2", "https://www.theguardian.com/b", "The Guardian", "2017-03-02"),  # same
        Member("c1", "https://cnn.com/a", "CNN", "2017-03-02"),
        Member("f1", "https://foxnews.com/a", "Fox News", "2017-03-03", "c1"),  # a copy of CNN
        Member("x1", None, "Local Paper", "2017-03-03"),  # not in the table
        Member("n1", None, None, None),  # no outlet at all: a source of its own
    ]
    cov = story_coverage(members, OutletMatcher(TABLE))
    assert cov["sources"] == 4  # Guardian, CNN, Local Paper, n1; Fox's copy adds none
    assert cov["lean"] == {"lean left": 1, "left": 1, "unrated": 2}
    assert cov["country"] == {"GB": 1, "US": 1}
    assert cov["owner"] == {"GMG": 1, "WBD": 1}
    assert cov["blindspot"] is None  # 2 sources with a side: too few
    assert cov["outlets"] == ["CNN", "Local Paper", "The Guardian"]
    members.append(Member("g3", "https://cnn.com/c", None, "2017-03-04"))
    members.append(Member("a1", "https://theguardian.com/z", None, "2017-03-04"))
    members.append(Member("l1", "https://lefty.example/z", "Lefty", "2017-03-04"))
    table = [*TABLE, Outlet("lefty.example", "Lefty", "left")]
    assert story_coverage(members, OutletMatcher(table))["blindspot"] == "right"


def test_an_outlet_missing_from_the_table_counts_once_by_url_or_name() -> None:
    """Foo News is not in the table: one report gives only its name, another its URL and its
    name; they are one outlet (keyed by domain and by name, they were two sources). A page
    that names no outlet is named by its domain."""
    members = [
        Member("g1", "https://www.theguardian.com/a", "The Guardian", "2017-03-01"),
        Member("f1", None, "Foo News", "2017-03-01"),
        Member("f2", "https://foo-news.com/a3", "Foo News", "2017-03-02"),
        Member("f3", "https://www.foo-news.com/a4", None, "2017-03-02"),
        Member("n1", None, None, None),
        Member("w1", "https://edition.cnn.com/b", None, "2017-03-03"),
    ]
    cov = story_coverage(members, OutletMatcher(TABLE))
    assert cov["sources"] == 4  # Guardian, Foo News, n1, CNN
    assert cov["outlets"] == ["CNN", "Foo News", "The Guardian"]
    assert OutletMatcher(()).display_name("https://edition.cnn.com/b", None) == "cnn.com"


def test_domain_lookup_never_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    from newsweave import outlets

    def refuse(*_a, **_k):
        raise AssertionError("tried to fetch the public-suffix list")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr("tld.base.urlopen", refuse)
    outlets._host_domain.cache_clear()
    assert registered_domain("https://www.abc.net.au/news/x") == "abc.net.au"


def test_a_listed_table_imports_back_unchanged_and_cells_are_cleaned(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``outlets list --format csv`` guards "+972 Magazine" as "'+972 Magazine" for
    spreadsheets; imported again it became that name. Control characters and direction
    overrides never reach the table, and a name is stored in one Unicode form."""
    db = str(tmp_path / "s.db")
    nfd = "Su\u0308ddeutsche Zeitung"
    path = write(tmp_path, HEADER + "972mag.com,+972 Magazine,left,IL,\n"
                 "evil.com,Red\x1b[31mALERT\x1b[0m \u202eNews,right,US,@owner\n"
                 f"sueddeutsche.de,{nfd},lean left,DE,\n")
    assert main(["outlets", "import", str(path), "--db", db]) == 0
    capsys.readouterr()
    assert main(["outlets", "list", "--db", db, "--format", "csv"]) == 0
    listed = capsys.readouterr().out
    assert "'+972 Magazine" in listed and "\x1b" not in listed and "\u202e" not in listed
    again = write(tmp_path, listed, "again.csv")
    assert main(["outlets", "import", str(again), "--db", db]) == 0
    assert "0 updated" in capsys.readouterr().out
    with open_store(db) as store:
        names = {o.domain: o.name for o in store.list_outlets()}
        owners = {o.domain: o.owner for o in store.list_outlets()}
    assert names["972mag.com"] == "+972 Magazine" and owners["evil.com"] == "@owner"
    assert names["evil.com"] == "Red[31mALERT[0m News"
    assert names["sueddeutsche.de"] == "S\u00fcddeutsche Zeitung"
    matcher = OutletMatcher([Outlet("xn--bcher-kva.de", "Bücher")])
    assert matcher.match("https://b\u00fccher.de/a", None) is not None
    table = [Outlet("sueddeutsche.de", names["sueddeutsche.de"])]
    assert OutletMatcher(table).match(None, nfd) is table[0]  # either form names it


def test_rows_of_one_name_are_one_outlet() -> None:
    """bbc.com and bbc.co.uk both "BBC News": one report from each counted two sources, and
    BBC's lean, country and owner twice."""
    table = [Outlet("bbc.co.uk", "BBC News", "center", "GB", "BBC"),
             Outlet("bbc.com", "BBC News", "center", "GB", "BBC"),
             Outlet("cnn.com", "CNN", "left", "US", "WBD")]
    members = [Member("b1", "https://www.bbc.co.uk/news/1", None, "2020-01-01"),
               Member("b2", "https://www.bbc.com/news/2", None, "2020-01-02"),
               Member("c1", "https://cnn.com/3", None, "2020-01-02")]
    cov = story_coverage(members, OutletMatcher(table))
    assert cov["sources"] == 2 and cov["country"] == {"GB": 1, "US": 1}


def test_import_names_an_unwritable_store_before_reading_the_csv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad CSV into a store that cannot be written: the store is what is wrong first, as
    for every writing command (the CSV was named, and after fixing it the store)."""
    bad = write(tmp_path, "domain,name\nx.com,X\n")
    folder = tmp_path / "not-a-store"
    folder.mkdir()
    assert main(["outlets", "import", str(bad), "--db", str(folder)]) == 2
    err = capsys.readouterr().err
    assert str(folder) in err and "missing column" not in err
