"""End-to-end tests of the `newsweave weave` command (in-process, real models)."""

import json
from importlib import resources

import jsonschema
import pytest

from newsweave.cli import main

EXAMPLE = "examples/sessions-2017"


@pytest.fixture(scope="module")
def schema():
    return json.loads((resources.files("newsweave") / "data" / "brief.schema.json").read_text())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_weave_example_json_validates(capsys, schema):
    code, out, err = run(capsys, "weave", EXAMPLE, "--format", "json")
    assert code == 0, err
    brief = json.loads(out)
    jsonschema.validate(brief, schema)
    assert sorted(s["published"] for s in brief["sources"]) == [
        "2017-03-02", "2017-03-02", "2017-03-03"]
    assert brief["summary"]
    texts = {}
    for path in sorted(__import__("pathlib").Path(EXAMPLE).iterdir()):
        texts[path.name] = path
    ids = {s["id"] for s in brief["sources"]}
    for item in brief["summary"]:
        assert item["citations"] and set(item["citations"]) <= ids
        assert item["origin"]["source"] == item["citations"][0]
    words = sum(len(s["text"].split()) for s in brief["summary"])
    assert words <= 120


def test_same_text_in_two_files_is_two_sources(capsys, tmp_path, schema):
    """Two files of one text share the content id; each stays its own source (the second
    a copy of the first), so no statement is listed twice and no citation is ambiguous."""
    import shutil

    first = sorted(__import__("pathlib").Path(EXAMPLE).iterdir())[0]
    for name in ("a.txt", "b.txt"):
        shutil.copy(first, tmp_path / name)
    code, out, err = run(capsys, "weave", str(tmp_path), "--format", "json")
    assert code == 0, err
    brief = json.loads(out)
    jsonschema.validate(brief, schema)
    ids = [s["id"] for s in brief["sources"]]
    assert len(set(ids)) == 2
    assert [s["copy_of"] for s in brief["sources"]] == [None, ids[0]]
    texts = [q["text"] for q in brief["quotes"]]
    assert brief["quotes"] and len(texts) == len(set(texts))
    for q in brief["quotes"]:  # both carry it (the pieces of one attribution, each once)
        assert sorted({v["source"] for v in q["sources"]}) == sorted(ids)


def test_origin_spans_index_ingested_text(capsys, example_articles):
    code, out, _ = run(capsys, "weave", EXAMPLE, "--format", "json", "--words", "80")
    assert code == 0
    brief = json.loads(out)
    text = {a.id: a.text for a in example_articles}
    for item in brief["summary"]:
        o = item["origin"]
        assert text[o["source"]][o["start"] : o["end"]] == item["text"]


def test_text_and_markdown_show_numbered_citations(capsys):
    code, out, _ = run(capsys, "weave", EXAMPLE, "--format", "markdown")
    assert code == 0
    assert "## Summary" in out and "## Sources" in out
    summary = out.split("## Summary")[1].split("##")[0]
    lines = [ln for ln in summary.splitlines() if ln.strip()]
    assert lines and all("[" in ln and ln.rstrip().endswith("]") for ln in lines)
    code, out, _ = run(capsys, "weave", EXAMPLE)
    assert code == 0 and "[1]" in out and "Sources" in out


def test_html_escapes_article_text_and_links_citations(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(
        "Evil <script>alert(1)</script> headline\n\nThe council approved the new <b>budget</b> "
        "of 4 million dollars on Monday after a long debate in the town hall.\n")
    (tmp_path / "b.txt").write_text(
        "Budget passes\n\nThe town council approved a budget of 4 million dollars on Monday "
        "after a long debate.\n")
    out_file = tmp_path / "brief.html"
    code, _, err = run(capsys, "weave", str(tmp_path), "--format", "html", "--out", str(out_file))
    assert code == 0, err
    page = out_file.read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>budget</b>" not in page
    assert "href='#s0-" in page and "<mark id='s0-" in page


def test_batch_jsonl_in_order_and_skips_bad_cluster(capsys, tmp_path):
    good = {"id": "c1", "docs": [
        {"id": "d1", "text": "The river flooded the town of Elmsford on Tuesday. "
         "About 4,000 people left their homes.", "date": "2024-05-01", "source": "AP"},
        {"id": "d2", "text": "Floods forced 4,000 people from homes in Elmsford on Tuesday.",
         "date": "2024-05-02"}],
        "summaries": ["SECRET REFERENCE SUMMARY"]}
    second = dict(good, id="c3")
    path = tmp_path / "clusters.jsonl"
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(second) + "\n")
    code, out, err = run(capsys, "weave", "--jsonl", str(path), "--no-progress")
    assert code == 2
    lines = out.strip().splitlines()
    assert [json.loads(ln)["story"]["id"] for ln in lines] == ["c1", "c3"]
    assert "SECRET" not in out
    assert f"{path}:2" in err


def test_batch_makes_a_repeated_or_missing_cluster_id_unique_and_says_so(capsys, tmp_path):
    """Two different clusters under one id gave two briefs of one story.id (a consumer keyed
    on it kept one), and a missing id became line-N without a word."""
    docs = [{"id": "d1", "text": "The river flooded the town of Elmsford on Tuesday."},
            {"id": "d2", "text": "Floods forced people from homes in Elmsford on Tuesday."}]
    path = tmp_path / "clusters.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in (
        {"id": "D1", "docs": docs}, {"id": "D1", "docs": docs[:1]}, {"docs": docs})) + "\n")
    code, out, err = run(capsys, "weave", "--jsonl", str(path), "--no-progress")
    assert code == 0
    assert [json.loads(ln)["story"]["id"] for ln in out.splitlines()] == ["D1", "D1-2",
                                                                          "line-3"]
    assert "cluster id D1 given again (cluster 2 with it): its brief's story.id is D1-2" in err
    assert f"{path}:3: cluster has no id: its brief's story.id is line-3" in err
    assert err.endswith("newsweave: 3 briefs written\n")  # a count to end on
    code, out, err = run(capsys, "weave", "--jsonl", str(path), "--no-progress", "--format",
                         "json")
    assert code == 0  # one JSON document, an array (it was JSONL under a .json name)
    assert [b["story"]["id"] for b in json.loads(out)] == ["D1", "D1-2", "line-3"]


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda p: p / "missing.txt", "missing.txt"),
        (lambda p: "https://example.com/news/a.html", "https://example.com/news/a.html: a web "
         "address, not a file"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "empty"),
        (lambda p: (p / "bin.txt").write_bytes(b"\x00\x01\x02\xff" * 50) and p / "bin.txt",
         "bin.txt"),
        (lambda p: (p / "damaged.txt").write_bytes("café au lait ".encode() + b"\xe9")
         and p / "damaged.txt", "damaged.txt"),
        (lambda p: (p / "bad.jsonl").write_text('{"text": "   "}\n') and p / "bad.jsonl",
         "bad.jsonl:1"),
        (lambda p: (p / "blank.txt").write_text("   \n\n") and p / "blank.txt", "blank.txt"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, tmp_path, setup, needle):
    path = setup(tmp_path)
    code, out, err = run(capsys, "weave", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_no_input_and_bad_words(capsys):
    assert run(capsys, "weave")[0] == 2
    code, _, err = run(capsys, "weave", EXAMPLE, "--words", "0")
    assert code == 2 and "--words" in err
    # --workers was taken and ignored where one brief is woven
    code, out, err = run(capsys, "weave", EXAMPLE, "--workers", "0")
    assert code == 2 and out == ""
    assert err == ("newsweave: error: --workers applies to --db --all (many stories); one "
                   "brief is woven in one process\n")


@pytest.mark.parametrize(("extra", "said"), [
    (["--force"], "--force applies to --db --all (re-weave every stored story)"),
    (["--story", "s-1"], "--story weaves from a store: give --db URL"),
    (["--all"], "--all weaves from a store: give --db URL"),
    (["--db", "x.db", "--story", "s-1", "--id", "other"], "--id names the brief woven from "
     "files; a stored story and a cluster file's clusters keep their own ids"),
])
def test_an_option_the_others_make_pointless_is_refused(capsys, extra, said):
    """They exited 0 with the option silently ignored (--story without --db said "nothing
    to weave")."""
    args = ["weave", *extra] if "--db" in extra else ["weave", EXAMPLE, *extra]
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (2, "", f"newsweave: error: {said}\n")


def test_failed_run_keeps_existing_output(capsys, tmp_path):
    out_file = tmp_path / "brief.json"
    out_file.write_text("precious")
    code, _, _ = run(capsys, "weave", str(tmp_path / "nope"), "--out", str(out_file))
    assert code == 2 and out_file.read_text() == "precious"


def test_good_records_beside_bad_ones_are_woven_exit_2(capsys, tmp_path):
    """A bad line is reported (file:line) and skipped; the brief is made from the rest."""
    path = tmp_path / "mixed.jsonl"
    good = "The council passed the budget on Tuesday after a long debate about the libraries."
    path.write_text(
        json.dumps({"id": "g", "text": good}) + "\n{oops\n"
        + '{"id": "s", "text": "\\ud800"}\n' + '{"id": 1' + "1" * 5000 + ', "text": "x"}\n'
    )
    code, out, err = run(capsys, "weave", str(path), "--format", "json")
    assert code == 2
    assert [s["id"] for s in json.loads(out)["sources"]] == ["g"]
    assert f"{path}:2:" in err and f"{path}:3:" in err and f"{path}:4:" in err
    assert "Traceback" not in err


def test_markdown_and_html_do_not_pass_markup_or_scripts(capsys, tmp_path):
    text = ("<script>alert(1)</script> The mayor [said](javascript:alert(1)) the plan "
            "\x1b]0;pwned\x07would pass on Tuesday after a long debate in the council.")
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text, "url": "javascript:alert(1)"}) + "\n")
    code, md_out, _ = run(capsys, "weave", str(path), "--format", "markdown")
    assert code == 0
    assert "<script>" not in md_out and "](javascript" not in md_out and "\x1b" not in md_out
    code, html_out, _ = run(capsys, "weave", str(path), "--format", "html")
    assert "javascript:" not in html_out.split("<h2>Sources</h2>")[1].split("<p>")[0]
    assert "href='javascript" not in html_out and "<script>" not in html_out
    code, text_out, _ = run(capsys, "weave", str(path), "--format", "text")
    assert "\x1b" not in text_out and "\x07" not in text_out


def test_a_brief_written_beside_its_articles_is_no_article(capsys, tmp_path):
    """`weave folder --out folder/brief.json` then `weave folder` again: the brief (JSON or
    JSON Lines) is passed over in the folder, and given by name it says what it is."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Budget passes\n\nThe council approved the budget on "
                                  "Tuesday after a long debate, the mayor said.\n")
    assert run(capsys, "weave", str(folder), "--format", "json", "--out",
               str(folder / "brief.json"))[0] == 0
    assert run(capsys, "weave", str(folder), "--format", "jsonl", "--out",
               str(folder / "briefs.jsonl"))[0] == 0
    code, out, err = run(capsys, "weave", str(folder), "--format", "json")
    assert code == 0 and err == "" and json.loads(out)["sources"][0]["id"]
    code, out, err = run(capsys, "weave", str(folder / "brief.json"))
    assert code == 2 and "a brief newsweave wrote (newsweave.brief/1), not an article" in err


def test_a_brief_saved_as_a_page_markdown_or_text_beside_its_articles_is_no_source(
        capsys, tmp_path):
    """The rendered brief (HTML, Markdown, text) written into its articles' folder was read
    back as one more source, citing itself: "4 sources", then 6."""
    import shutil

    folder = tmp_path / "in"
    shutil.copytree(EXAMPLE, folder)
    for fmt, name in (("html", "brief.html"), ("markdown", "brief.md"), ("text", "brief.txt")):
        assert run(capsys, "weave", str(folder), "--format", fmt, "--out",
                   str(folder / name))[0] == 0
    code, out, _ = run(capsys, "weave", str(folder), "--format", "json")
    assert code == 0 and len(json.loads(out)["sources"]) == 3
    assert "<meta name=generator content=newsweave>" in (folder / "brief.html").read_text()


PAGE_HTML = """<html><head><title>Council approves bridge</title>
<link rel="canonical" href="https://gazette.example/2021/05/03/council-bridge">
<meta property="article:published_time" content="2021-05-03T09:00:00-04:00">{extra}
</head><body><article><h1>Council approves bridge</h1>
<p>Harborton council approved a new bridge on Monday, officials said. Mayor Anna Harbor said
the bridge would open in March 2022.</p>
<p>The project will cost {cost} dollars, according to the council.</p></article></body></html>
"""


def test_two_saved_versions_of_one_page_weave_as_its_latest(capsys, tmp_path, schema):
    """The same page saved before and after a correction: one source, the corrected text,
    and a warning naming the file left out (the later file is the earlier version here: the
    page's own modified stamp decides, not the file order)."""
    (tmp_path / "a.html").write_text(PAGE_HTML.format(
        extra='<meta property="article:modified_time" content="2021-05-04T10:00:00-04:00">',
        cost="2.5 million"))
    (tmp_path / "b.html").write_text(PAGE_HTML.format(extra="", cost="2 million"))
    code, out, err = run(capsys, "weave", str(tmp_path), "--format", "json")
    assert code == 0
    assert (f"newsweave: warning: {tmp_path / 'b.html'}: an earlier version of "
            f"{tmp_path / 'a.html'}, left out (same URL)") in err.splitlines()
    brief = json.loads(out)
    jsonschema.validate(brief, schema)
    assert len(brief["sources"]) == 1
    assert "2.5 million" in " ".join(s["text"] for s in brief["summary"])


def test_many_captures_of_one_page_are_one_source_and_one_warning(capsys, tmp_path):
    url = "https://paper.test/live/storm"
    records = [{"title": "Live: the storm", "url": url,
                "text": f"Update {i}: the storm moved north, officials said."} for i in range(4)]
    path = tmp_path / "captures.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, err = run(capsys, "weave", str(path), "--format", "json")
    assert code == 0
    warnings = [line for line in err.splitlines() if "earlier version" in line]
    assert warnings == [f"newsweave: warning: {path}: 3 earlier versions of {url} left out "
                        "(same URL; the latest is woven)"]
    brief = json.loads(out)
    assert len(brief["sources"]) == 1
    assert "Update 3" in " ".join(s["text"] for s in brief["summary"])


def test_a_librarys_logged_warning_is_one_newsweave_line(tmp_path):
    """warcio logs "Replacing spaces in invalid WARC-Target-URI" with no handler configured,
    which Python printed as a bare line; the CLI gives it the form of its other warnings."""
    import os
    import subprocess
    import sys

    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>The council "
            b"approved the budget on Tuesday after a long debate in the chamber.</p></body>"
            b"</html>")
    warc = tmp_path / "spaced.warc"
    warc.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x.example/a b"
                     b"\r\nWARC-Date: 2017-03-02T10:00:00Z\r\nContent-Type: application/http; "
                     b"msgtype=response\r\nContent-Length: %d\r\n\r\n" % len(http) + http
                     + b"\r\n\r\n")
    done = subprocess.run([sys.executable, "-m", "newsweave.cli", "ingest", str(warc), "--db",
                           str(tmp_path / "s.db")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert lines == ["newsweave: warning: warcio.recordloader: Replacing spaces in invalid "
                     "WARC-Target-URI: http://x.example/a b"]


def test_one_problem_of_a_whole_file_is_said_a_few_times_then_counted(capsys, tmp_path):
    """An article file given as a cluster file (or the reverse) failed on each of its lines,
    one line each, without saying which kind it looks like."""
    from newsweave.errors import REPEATS_SHOWN

    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps({"id": f"a{i}", "text": f"Report {i}."}) + "\n"
                                for i in range(10)))
    code, out, err = run(capsys, "weave", "--jsonl", str(articles))
    lines = err.splitlines()
    assert code == 2 and out == ""
    assert lines[0] == (f"newsweave: skipped: {articles}:1: no \"docs\" list (this looks like "
                        "an article file: give it as PATH, without --jsonl)")
    assert len([x for x in lines if "skipped: " in x]) == REPEATS_SHOWN
    assert f"{articles}: {10 - REPEATS_SHOWN} more skipped for the same reason (no" in err
    clusters = tmp_path / "clusters.jsonl"
    clusters.write_text("".join(json.dumps({"id": f"c{i}", "docs": [{"text": "A."}]}) + "\n"
                                for i in range(10)) + json.dumps({"id": "x"}) + "\n")
    code, out, err = run(capsys, "weave", str(clusters), EXAMPLE)
    assert code == 2 and err.count("looks like a cluster file: use --jsonl") == REPEATS_SHOWN + 1
    assert f"{clusters}: {10 - REPEATS_SHOWN} more skipped for the same reason" in err
    assert f"{clusters}:11: no \"text\" field\n" in err  # another problem: said on its own


def test_python_dash_m_newsweave_runs_the_command_line():
    """``python -m newsweave`` had no ``__main__`` ("No module named newsweave.__main__")."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "newsweave", "--version"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("newsweave ")
