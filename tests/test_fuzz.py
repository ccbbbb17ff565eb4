"""Property-based fuzzing of every input path (hypothesis), bounded to run in about a minute:
whatever the bytes, a reader yields articles or located InputErrors (never another exception),
the good records beside bad ones always come through, and renderers never pass markup or
unsafe links. The long run is ``make fuzz`` (benchmarks/fuzz.py)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsweave import validate
from newsweave.errors import InputError
from newsweave.ingest import html_fragment_text, iter_articles, iter_clusters, parse_text
from newsweave.render import md, safe_url

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# JSON values with hostile leaves: lone surrogates, huge numbers, odd separators, deep lists
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(alphabet=st.characters(codec=None), max_size=40),
    st.sampled_from(["\ud800", "\udfff", "\u2028", "\u2029", "\x00", "\ufeff", "0001-01-01",
                     "99999-01-01", "9999-12-31", "1799-12-31", "2017-03-02"]),
)
json_values = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "text", "title", "outlet", "published", "updated", "url",
                         "docs", "query", "date", "source", "x"]), inner, max_size=6),
    max_leaves=20,
)
hostile_line = st.one_of(
    json_values.map(lambda v: json.dumps(v, ensure_ascii=True)),
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False).replace("\n", " ")),
    st.integers(1, 200).map(lambda n: "[" * n + "]" * n),
    st.integers(30, 6000).map(lambda n: '{"id": ' + "9" * n + ', "text": "x"}'),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1").replace("\n", " ")),
    st.sampled_from(["NaN", "Infinity", '{"text": "a\\ud800b"}', "{", "", "  "]),
)
GOOD = '{"id": "good-%d", "text": "A good record number %d about the budget."}'


def _lines_file(tmp_path: Path, name: str, lines: list[str], bom: bool) -> Path:
    path = tmp_path / name
    data = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    path.write_bytes(data.encode("utf-8", "surrogatepass"))
    return path


@FAST
@given(bad=st.lists(hostile_line, min_size=1, max_size=8), bom=st.booleans())
def test_article_jsonl_keeps_every_good_record(tmp_path_factory, bad, bom) -> None:
    tmp = tmp_path_factory.mktemp("jsonl")
    lines = []
    for i, line in enumerate(bad):
        lines += [GOOD % (i, i), line]
    path = _lines_file(tmp, "a.jsonl", lines, bom)
    errors: list[InputError] = []
    try:
        ids = [a.id for a in iter_articles(path, on_error=errors.append)]
    except InputError as exc:  # only a whole-file verdict (binary), never for these
        raise AssertionError(f"file refused whole: {exc}") from None
    assert [f"good-{i}" for i in range(len(bad))] == [i for i in ids if i.startswith("good-")]
    for err in errors:
        assert str(err).startswith(f"{path}:") and "\n" not in str(err)


@FAST
@given(records=st.lists(json_values, min_size=1, max_size=6))
def test_cluster_jsonl_yields_clusters_or_located_errors(tmp_path_factory, records) -> None:
    tmp = tmp_path_factory.mktemp("clusters")
    lines = [json.dumps({"id": "c", "docs": [r, {"text": "Fine doc."}], "query": r})
             for r in records]
    path = _lines_file(tmp, "c.jsonl", lines, bom=False)
    for n, item in enumerate(iter_clusters(path), start=1):
        if isinstance(item, InputError):
            assert item.line == n
        else:
            assert all(isinstance(a.text, str) for a in item.articles)
            assert item.query is None or isinstance(item.query, str)
            assert all(validate.iso_in_range(a.published) for a in item.articles)


@FAST
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
       | st.sampled_from(["WASHINGTON [" * 200, "Updated: " + "| " * 500, '"' * 300,
                          "date 0001-01-01\n" + "x" * 50, "(AP) " * 300]))
def test_plain_text_parses_or_is_one_error(text: str) -> None:
    try:
        article = parse_text(text, "f.txt")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert article.text.strip()


@FAST
@given(html=st.lists(st.sampled_from(list("<>/ap &;#x\"'=b\n") + ["<p>", "</p>", "&amp;",
                                                                   "<!--", "<script>"]),
                    max_size=120).map("".join))
def test_html_fragments_never_raise(html: str) -> None:
    assert isinstance(html_fragment_text(html), str)


@FAST
@given(data=st.binary(max_size=600), gz=st.booleans())
def test_warc_bytes_give_articles_or_errors(tmp_path_factory, data: bytes, gz: bool) -> None:
    import gzip

    tmp = tmp_path_factory.mktemp("warc")
    path = tmp / ("x.warc.gz" if gz else "x.warc")
    head = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n" % len(data)
    path.write_bytes(gzip.compress(head + data) if gz else head + data)
    errors: list[InputError] = []
    list(iter_articles(path, on_error=errors.append))
    assert all(str(e).startswith(str(path)) for e in errors)


@FAST
@given(text=st.text(max_size=200))
def test_markdown_escaping_leaves_no_markup(text: str) -> None:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(md(text))
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
    assert not kinds & {"html_inline", "html_block", "link_open", "image", "code_inline"}


@FAST
@given(url=st.text(max_size=60) | st.sampled_from(
    ["javascript:alert(1)", "JAVASCRIPT:x", " javascript:x", "data:text/html,x",
     "http://ok.test/a", "https://ok.test/?q=1", "//evil.test", "http:/x", "vbscript:x"]))
def test_only_http_urls_survive(url: str) -> None:
    kept = safe_url(url)
    if kept is not None:
        assert kept.lower().startswith(("http://", "https://"))
