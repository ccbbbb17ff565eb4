"""``newsweave quotes``: every attribution of articles read from files and folders or an
article JSONL, one JSON line per article, streamed (``newsweave.quotes`` finds them)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence

from newsweave.cli_utils import count_lines, output_sink, progress_bar, show_progress
from newsweave.errors import InputError, check_file
from newsweave.quotes import extract_quotes, learned_refiner, quote_record


def _text_record(record: object, path, line: int) -> tuple[object, str]:
    """(id, text) of one article-contract object; the id is its own ``id`` or the line (in
    a JSON array, its place in the array)."""
    from newsweave.ingest import _check_text

    if not isinstance(record, dict):
        raise InputError("expected a JSON object (an article)", path, line)
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("article has no text", path, line)
    _check_text(text, path, line)
    given = record.get("id")
    if isinstance(given, bool) or not isinstance(given, str | int | type(None)):
        raise InputError('"id" must be a string or an integer', path, line)
    return (given if given not in (None, "") else line), text


def _given_id(record: object) -> bool:
    return isinstance(record, dict) and record.get("id") not in (None, "")


def read_article_texts(path: str) -> Iterable[tuple[object, str] | InputError]:
    """(id, text) per article-contract line, streamed, or the InputError of a bad line in its
    place (the same line reader and limits as ``ingest``: BOM, NUL, nesting, numbers, lone
    surrogates). A missing, unreadable or binary file raises InputError at once."""
    from pathlib import Path

    from newsweave.ingest import (
        _array_items,
        _json_file_text,
        _jsonl_items,
        _open_binary,
        _opens_array,
    )

    if _opens_array(Path(path)):  # a JSON array of articles, read whole
        places = itertools.count(1)

        def element(record: object, where, line: int) -> tuple[object, str]:
            place = next(places)  # an element without an id is named by its place
            ident, text = _text_record(record, where, line)
            return (ident if _given_id(record) else place), text

        return _array_items(_json_file_text(Path(path)), Path(path), element)
    stream = _open_binary(Path(path))

    def items() -> Iterable[tuple[object, str] | InputError]:
        with stream:
            yield from _jsonl_items(Path(path), stream, _text_record)

    return items()


def read_file_texts(paths: Sequence[str]) -> Iterable[tuple[object, str, str | None] | InputError]:
    """(id, text, path) per article of files and folders in any input format (as ``weave``
    and ``ingest`` read them: the text is the article's, its header lines removed), or the
    InputError of a bad file or record in its place."""
    from newsweave.ingest import iter_articles

    errors: list[InputError] = []
    for article in iter_articles(list(paths), on_error=errors.append):
        yield from errors
        errors.clear()
        yield article.id, article.text, article.path
    yield from errors


#: Articles parsed inside one spaCy memory zone: the strings their tokens add to the shared
#: vocabulary are dropped at the zone's end, so a long run's memory stays flat.
ZONE_ARTICLES = 256


def run_cli(args) -> int:
    """``newsweave quotes (PATH ... | --jsonl FILE) [--out FILE] [--no-progress] [--model
    rules|learned]``: one line per article.

    Streams: one batch of articles in memory at a time. A bad line is reported (file:line)
    and skipped; the valid lines are all written, and the exit code is 2 if any was bad."""
    import sys
    from itertools import islice

    from newsweave.nlp import get_nlp, parse_texts

    paths = getattr(args, "paths", None) or []
    if bool(args.jsonl) == bool(paths):
        raise InputError("give the articles as files and folders, or with --jsonl FILE (one "
                         "of the two)")
    if paths:
        from newsweave.ingest import missing_input

        for given in paths:
            if (missing := missing_input(given)) is not None:
                raise missing
        records: Iterator[tuple[object, str, str | None] | InputError] = iter(
            read_file_texts(paths))
        total = None
    else:
        check_file(args.jsonl, "an article JSONL file")
        records = ((*item, None) if not isinstance(item, InputError) else item
                   for item in read_article_texts(args.jsonl))
        total = count_lines(args.jsonl)
    refine = learned_refiner(getattr(args, "model", "rules"))
    nlp = get_nlp()
    show = show_progress(args)
    bad = seen = 0
    with output_sink(args.out) as sink, progress_bar(show, "articles") as progress:
        task = progress.add_task("quotes", total=total)
        while chunk := list(islice(records, ZONE_ARTICLES)):
            good: list[tuple[object, str, str | None]] = []
            for item in chunk:
                seen += 1
                if isinstance(item, InputError):
                    bad += 1
                    progress.console.print(
                        f"newsweave: skipped: {item}", markup=False, soft_wrap=True
                    )
                    progress.advance(task)
                else:
                    good.append(item)
            if hasattr(refine, "prefetch"):  # a context tagger's encoder beside the parse
                refine.prefetch([text for _, text, _ in good])
            with nlp.memory_zone():
                docs = parse_texts(text for _, text, _ in good)
                for (ident, text, source), doc in zip(good, docs, strict=True):
                    mentions = refine(doc, extract_quotes(doc, text), text)
                    record = {"id": ident, "quotes": [quote_record(m) for m in mentions]}
                    if source is not None:  # read from a file: which one, and its text
                        record = {"id": ident, "path": source, "text": text, **record}
                    line = json.dumps(record, ensure_ascii=False)
                    sink.write(line + "\n")
                    progress.advance(task)
        if not seen:  # an empty or blank file: said, as every other empty input is; no --out
            raise InputError("no articles found: the file is empty" if args.jsonl else
                             "no articles found", args.jsonl or (
                                 paths[0] if len(paths) == 1 else None))
    if bad:
        what = "records or files" if paths else "lines"
        print(f"newsweave: {bad} of {seen} {what} skipped", file=sys.stderr)
    return 2 if bad else 0
