"""The application layer: the operations the CLI, the web server (and later the feed follower
and the backfill) share, each over a ``Store``.

- ``add_articles(store, articles)``: store articles (content-deduplicated).
- ``group_new(store)``: group articles into stories.
- ``reweave(store, force=False, workers=None)``: weave only the stories whose brief is missing
  or stale (membership, copy flags, headline, word budget or analysis version changed) and
  store each new brief as the story's next version.
- ``update(store)``: ``group_new`` then ``reweave``, under the store's update lock.
- ``current_brief``, ``brief_versions``, ``brief_changes``: read stored briefs.

Callers stay thin: the CLI adds argument parsing and progress bars, the server its HTTP. No
module here imports a CLI module, so the server never does.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from newsweave.analysis_store import analysis_version, documents_for
from newsweave.brief_diff import (
    changes_line,
    counts_line,
    diff_briefs,
    parse_brief,
    revised_sources,
    version_update,
)
from newsweave.errors import InputError
from newsweave.grouping_state import GroupResult, StoreEmbedder
from newsweave.models import Article, Brief
from newsweave.render import statement_text
from newsweave.settings import DEFAULT_SUMMARY
from newsweave.store import AddResult, BriefVersion, Store, content_hash
from newsweave.wording import count

#: members per story whose titles and lead sentences are kept to choose its headline
HEADLINE_SAMPLE = 25
#: the word budget of stored briefs (the CLI's default and the server's)
BRIEF_WORDS = DEFAULT_SUMMARY.words
#: with no --workers given, one worker process per this many stories to weave (up to one per
#: core): each process loads spaCy and MiniLM once, seconds of work a few stories do not repay
STORIES_PER_WORKER = 8
#: what a brief's fingerprint hashes besides its inputs: bump when weaving code changes its
#: output, so every stored brief counts as stale. 2: a date in a side clause no longer dates
#: its sentence in the timeline; one statement per reported clause and its quoted tail; 3:
#: the quoted pieces of one attribution are one statement, a stance's variant says so; 4: no
#: citation from a source that counts one thing differently or that the brief's own
#: discrepancies set against the sentence; 5 (stop 67): a lone date in an aside, a before/after
#: phrase or a span's bound dates no timeline event; transliterated, hyphenated and shortened
#: names are one entity; a stance told inside another attribution is no statement; a denial is
#: no confirmation; figures in words count; passages set against each other are not shared;
#: a source's ``published`` is its day (the time in ``published_at``)
WEAVE_VERSION = 5


# --------------------------------------------------------------------------- articles
def add_articles(store: Store, articles: Iterable[Article]) -> AddResult:
    """Store articles; one already stored (same content) is skipped. Grouping and weaving
    are separate steps (``update``), so a writer is acknowledged at once."""
    return store.add_articles(articles)


# --------------------------------------------------------------------------- grouping
@dataclass(frozen=True)
class GroupCounts:
    articles: int
    stories: int
    created: int
    updated: int
    removed: int
    duplicates: int

    def summary(self) -> str:
        return (
            f"grouped {count(self.articles, 'article')} into {count(self.stories, 'story')} "
            f"({self.created} new, {self.updated} updated, {self.removed} removed); "
            f"{count(self.duplicates, 'near-duplicate copy')} flagged"
        )


#: Languages grouped by default: the analysis (spaCy, MiniLM) is English. Articles tagged with
#: another language by the follower stay stored and are counted, but kept out of stories.
DEFAULT_LANGUAGES = ("en",)


def group_store(
    store: Store, since: str | None = None, until: str | None = None,
    on_article: Callable[[], None] | None = None,
    languages: Sequence[str] | None = DEFAULT_LANGUAGES,
) -> GroupCounts:
    """Group the stored articles (published-date order, undated last) into stories and save
    the assignments and headlines in one transaction. Articles stream from the store through
    the grouper; what is kept per story for its headline is bounded (``HEADLINE_SAMPLE``
    titles and lead sentences), so memory does not grow with the articles' text."""
    from newsweave.group import group_stream, headline_copy, story_headline

    assignments: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    samples: dict[str, list[Article]] = {}
    embedder = None if store.url.endswith(":memory:") else StoreEmbedder(store)
    for article, assigned in group_stream(store.iter_articles(since, until, languages),
                                          embedder=embedder):
        assignments[article.id] = assigned.story_id
        if assigned.duplicate_of:
            duplicates[article.id] = assigned.duplicate_of
        if assigned.moved_from is not None:  # a split moved an earlier article: not a new one
            old = samples.get(assigned.moved_from, [])
            samples[assigned.moved_from] = [a for a in old if a.id != article.id]
        sample = samples.setdefault(assigned.story_id, [])
        if len(sample) < HEADLINE_SAMPLE:
            sample.append(headline_copy(article))
        if on_article is not None and assigned.moved_from is None:
            on_article()
    for sid in [sid for sid, arts in samples.items() if not arts]:  # a split took them all
        members = [aid for aid, story in assignments.items() if story == sid]
        samples[sid] = [headline_copy(a) for a in store.get_articles(members[:HEADLINE_SAMPLE])]
    headlines = {sid: story_headline(arts) for sid, arts in samples.items()}
    saved = store.save_stories(assignments, headlines, duplicates)
    store.drop_grouper_state()  # assignments rewritten: the next incremental run regroups
    return GroupCounts(
        articles=len(assignments),
        stories=len(samples),
        created=saved.created,
        updated=saved.updated,
        removed=saved.removed,
        duplicates=len(duplicates),
    )


def group_new(
    store: Store,
    on_article: Callable[[], None] | None = None,
    *,
    rebuild: bool = False,
    on_notice: Callable[[str], None] | None = None,
    wait: float = 0.0,
    languages: Sequence[str] | None = DEFAULT_LANGUAGES,
) -> GroupResult:
    """Group the articles that are in no story yet, continuing from the grouper state the
    last run saved (``grouping_state``): the cost of a new article does not grow with the
    archive. ``rebuild`` regroups every article from scratch."""
    from newsweave.grouping_state import group_new as _group_new

    return _group_new(store, on_article, rebuild=rebuild, on_notice=on_notice, wait=wait,
                      languages=languages)


# --------------------------------------------------------------------------- weaving
def fingerprint(
    members: Sequence[tuple[str, str | None, str]], headline: str, words: int, analysis: str
) -> str:
    """What a stored brief was woven from: member ids with their copy flags and the hash of
    their text (a followed article can be revised under the same id), the headline shown, the
    word budget, and the versions of the analysis and the weaving code."""
    h = hashlib.sha256()
    h.update(f"w{WEAVE_VERSION}\0{words}\0{analysis}\0{headline}\0".encode())
    for aid, dup, digest in sorted(members, key=lambda m: (m[0], m[1] or "", m[2])):
        h.update(f"{aid}\0{dup or ''}\0{digest}\n".encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Woven:
    """One story woven from stored analyses: its brief as stored text and what it read."""

    story_id: str
    brief_json: str
    articles: tuple[str, ...]
    fingerprint: str
    analysed: int  # articles that had no usable stored analysis
    #: when its articles were read (UTC, the store's stamp form): the version is stamped
    #: with it, so a new text stored while it was woven counts for the next version, and an
    #: old version's page shows the texts it was woven from
    read_at: str | None = None


#: weaves one story's articles without the store's analyses (the server's tests inject one)
WeaveFn = Callable[[Sequence[Article], str], Brief]


def _left_out(story_id: str) -> Callable[[Any], None]:
    """An article over the input limits (stored through the API) is left out of its story's
    brief with a warning, rather than failing the whole story."""
    import logging

    def note(err: Any) -> None:
        logging.getLogger("newsweave.app").warning("story %s: %s", story_id, err)

    return note


#: the store setting holding its summary word budget (``brief_words``)
WORDS_SETTING = "brief_words"


def brief_words(store: Store) -> int:
    """The summary word budget of the store's briefs: the one last given to ``update``,
    ``backfill`` or ``weave --db --all`` with ``--words`` (kept in the store), else 120.
    Every process weaving the store uses it, so a server and a cron job agree on what a
    current brief is (with 80 in cron and 120 in the server, each stored a new version of
    every story the other wove)."""
    value = store.setting(WORDS_SETTING)
    try:
        words = int(value) if value is not None else BRIEF_WORDS
    except ValueError:
        return BRIEF_WORDS
    return words if words > 0 else BRIEF_WORDS


def set_brief_words(store: Store, words: int) -> int:
    """Keep ``words`` as the store's budget; the budget it had before."""
    before = brief_words(store)
    if words != before or store.setting(WORDS_SETTING) is None:
        store.set_setting(WORDS_SETTING, str(words))
    return before


def budget_notice(before: int | None, words: int) -> str | None:
    """The line a command says when its ``--words`` changed the store's budget."""
    if before is None or before == words:
        return None
    return (f"newsweave: this store's briefs are woven at {words} words from now on (they "
            f"were at {before}; the server and the follower use the store's budget too)")


def weave_story(
    store: Store, story_id: str, words: int | None = None, weave_fn: WeaveFn | None = None
) -> tuple[Woven, Brief, list[Article]]:
    """Weave one stored story from its stored analyses (analysing, and storing, only the
    members that lack one); ``weave_fn(articles, story_id)`` replaces that weave. Raises
    ``InputError`` for an unknown or empty story."""
    from newsweave.render import render_json
    from newsweave.weave import weave_documents

    story = store.get_story(story_id)
    if story is None:
        raise InputError(f"unknown story id {story_id!r}")
    words = brief_words(store) if words is None else words
    read_at = datetime.now(UTC).isoformat(timespec="microseconds")
    articles = store.story_articles(story_id)
    if not articles:
        raise InputError(f"story {story_id!r} has no articles")
    copies = store.story_duplicates(story_id)
    analysed = 0
    if weave_fn is not None:
        brief = weave_fn(articles, story_id)
    else:
        documents, analysed = documents_for(store, articles, on_error=_left_out(story_id))
        brief = weave_documents(documents, story_id=story_id, words=words, copies=copies)
        if story.headline:
            brief = replace(brief, story=replace(brief.story, headline=story.headline))
    members = [(a.id, copies.get(a.id), content_hash(a.text)) for a in articles]
    woven = Woven(
        story_id=story_id,
        brief_json=render_json(brief, indent=None),  # exactly what `weave --jsonl` writes
        articles=tuple(a.id for a in articles),
        fingerprint=fingerprint(members, story.headline, words, analysis_version()),
        analysed=analysed,
        read_at=read_at,
    )
    return woven, brief, articles


def weave_and_store(
    store: Store, story_id: str, words: int | None = None, weave_fn: WeaveFn | None = None,
    only_if_changed: bool = False,
) -> BriefVersion:
    """Weave one story and store the brief as its next version (one transaction). With
    ``only_if_changed``, a brief whose fingerprint equals the latest stored one (another
    process wove it meanwhile) is not stored again: the stored version is returned."""
    woven, _brief, _articles = weave_story(store, story_id, words, weave_fn)
    if only_if_changed:
        latest = store.get_brief_version(story_id)
        if latest is not None and latest.fingerprint == woven.fingerprint:
            return latest
    return store.add_brief_version(woven.story_id, woven.articles, woven.fingerprint,
                                   woven.brief_json, if_changed=only_if_changed,
                                   read_at=woven.read_at)


def current_fingerprints(store: Store, words: int | None = None) -> dict[str, str]:
    """Story id -> the fingerprint its brief should have now (one pass over the store)."""
    words = brief_words(store) if words is None else words
    analysis = analysis_version()
    memberships = store.story_memberships()
    headlines = store.story_headlines()
    return {
        sid: fingerprint(members, headlines.get(sid, ""), words, analysis)
        for sid, members in memberships.items()
    }


@dataclass
class ReweaveResult:
    total: int  # stories in the store
    rewoven: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (story id, one-line reason)
    analysed: int = 0  # articles analysed afresh (the rest read their stored analysis)
    #: the versions stored, in the order woven, each with what it added (``changes``; none
    #: stored when another writer had stored the same brief meanwhile)
    stored: list[BriefVersion] = field(default_factory=list)

    def summary(self) -> str:
        line = f"{len(self.rewoven)} of {count(self.total, 'story')} rewoven"
        if len(self.stored) != len(self.rewoven):  # --force: only a brief that came out
            # different is a new version (the line read as if each were)
            line += f" ({count(len(self.stored), 'new version')} stored)"
        return line

    def change_lines(self) -> list[str]:
        """A line per stored version: "s-1a2b v7: 1 new source, 2 new quotes" ("new story"
        for a first brief), in the order woven."""
        return [change_line(v) for v in self.stored]


def change_line(v: BriefVersion) -> str:
    """What a stored version added, as `update --changes` says it."""
    line = version_update(v.version, v.created, v.changes)["line"]
    return f"{v.story_id} v{v.version}: {line or 'woven again'}"


# Worker-process state: each worker opens the store once and keeps its models loaded.
_worker_store: Store | None = None


def _init_worker(url: str) -> None:
    global _worker_store
    _worker_store = Store(url, create=False)


def _weave_in_worker(story_id: str, words: int) -> tuple[str, Woven | None, str | None]:
    assert _worker_store is not None
    try:
        woven, _brief, _articles = weave_story(_worker_store, story_id, words)
    except Exception as exc:  # noqa: BLE001 - reported by the parent, one line
        return story_id, None, _reason(exc)
    return story_id, woven, None


def _reason(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


#: SQLite's words for a failure of the whole store, not of one story: a full disk, a
#: read-only or unreadable file, a damaged one.
STORE_WIDE_FAILURES = ("database or disk is full", "readonly database", "disk i/o error",
                       "database disk image is malformed", "file is not a database",
                       "unable to open database file")


def store_wide_failure(exc: BaseException) -> bool:
    """True when ``exc`` is the store failing as a whole: every later story would fail the
    same way, so the run stops with that one line instead of skipping each story."""
    if not type(exc).__module__.startswith(("sqlalchemy", "sqlite3")):
        return False
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(words in text for words in STORE_WIDE_FAILURES)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def reweave(
    store: Store,
    force: bool = False,
    workers: int | None = None,
    words: int | None = None,
    on_total: Callable[[int], None] | None = None,
    on_story: Callable[[str, str | None], None] | None = None,
    on_stored: Callable[[BriefVersion], None] | None = None,
) -> ReweaveResult:
    """Weave every story whose stored brief is missing or stale (all with ``force``), storing
    each new brief as the story's next version in its own transaction, so a killed run keeps
    every brief it finished and a rerun weaves only the rest. ``workers`` > 1 weaves in that
    many processes, each loading the models once. A story that fails is recorded in
    ``failed`` and skipped; the others go on. ``on_total(n)`` is told how many stories will
    be woven, ``on_story(story_id, error)`` after each. ``workers=None``: one process per
    core, but no more than one per ``STORIES_PER_WORKER`` stories to weave."""
    words = brief_words(store) if words is None else words
    wanted = current_fingerprints(store, words)
    stored = store.latest_fingerprints()
    todo = [sid for sid in store.story_ids()
            if sid in wanted and (force or stored.get(sid, (0, ""))[1] != wanted[sid])]
    result = ReweaveResult(total=len(wanted))
    if on_total is not None:
        on_total(len(todo))
    if workers is None:  # a process costs a model load: start one per STORIES_PER_WORKER
        workers = min(default_workers(), len(todo) // STORIES_PER_WORKER)
    workers = min(workers, len(todo))
    if store.url.endswith(":memory:"):
        workers = 1  # other processes cannot see an in-memory store

    def done(story_id: str, woven: Woven | None, error: str | None) -> None:
        if woven is not None:
            # if_changed: the server's worker may have stored the same brief meanwhile (it
            # weaves without the update lock): never a second, identical version
            version = store.add_brief_version(woven.story_id, woven.articles,
                                              woven.fingerprint, woven.brief_json,
                                              if_changed=not force, unless_same=force,
                                              read_at=woven.read_at)
            if version.brief:  # stored now, not found stored by another writer
                result.stored.append(replace(version, brief="", articles=()))  # kept small
                if on_stored is not None:
                    on_stored(result.stored[-1])
            result.rewoven.append(story_id)
            result.analysed += woven.analysed
        else:
            result.failed.append((story_id, error or "failed"))
        if on_story is not None:
            on_story(story_id, error)

    if workers <= 1:
        for sid in todo:
            try:
                woven, _brief, _articles = weave_story(store, sid, words)
            except Exception as exc:  # noqa: BLE001 - one story's failure skips only it
                if store_wide_failure(exc):
                    raise
                done(sid, None, _reason(exc))
            else:
                done(sid, woven, None)
        return result
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no forked model threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker, initargs=(store.url,)) as pool:
        futures = {pool.submit(_weave_in_worker, sid, words): sid for sid in todo}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory)
                outcome = (futures[future], None, f"worker process failed: {_reason(exc)}")
            done(*outcome)
    return result


@dataclass
class UpdateResult:
    grouped: GroupResult
    woven: ReweaveResult

    def summary(self) -> str:
        return f"{self.grouped.summary()}; {self.woven.summary()}"


def update(
    store: Store,
    workers: int | None = None,
    words: int | None = None,
    on_article: Callable[[], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_story: Callable[[str, str | None], None] | None = None,
    languages: Sequence[str] | None = DEFAULT_LANGUAGES,
    on_grouped: Callable[[GroupResult], None] | None = None,
    on_stored: Callable[[BriefVersion], None] | None = None,
) -> UpdateResult:
    """Group new articles, then re-weave the stories that changed. One update at a time per
    store: a second one is refused with ``StoreBusy`` (an ``InputError``) rather than racing.
    ``on_grouped`` hears the grouping once it is committed, ``on_stored`` each version once
    stored: a stopped update has said what it did.
    ``languages``: the article languages grouped (None: all; untagged articles always)."""
    with store.exclusive("update"):
        grouped = group_new(store, on_article=on_article, languages=languages)
        if on_grouped is not None:  # committed: said now, not only if weaving ends
            on_grouped(grouped)
        woven = reweave(store, workers=workers, words=words, on_total=on_total,
                        on_story=on_story, on_stored=on_stored)
        # a store upgraded from before migration 12: its stories' latest briefs get the
        # counts the list shows, a bounded batch per update
        store.fill_latest_changes()
    return UpdateResult(grouped, woven)


# --------------------------------------------------------------------------- reading briefs
@dataclass(frozen=True)
class CurrentBrief:
    version: BriefVersion | None  # the latest stored version (None: never woven)
    stale: bool  # the story changed since (or was never woven)
    wanted: str | None = None  # the fingerprint a fresh brief would have (None: no story)


def current_brief(
    store: Store, story_id: str, words: int | None = None, with_text: bool = True
) -> CurrentBrief:
    """The latest stored brief of a story and whether it is stale: cheap (a few reads, no
    models), so a web request can call it. ``with_text=False`` leaves the brief text out."""
    latest = (store.get_brief_version(story_id) if with_text
              else store.latest_brief_info(story_id))
    story = store.get_story(story_id)
    if story is None:
        return CurrentBrief(latest, True)
    copies = store.story_duplicates(story_id)
    hashes = store.content_hashes(story.article_ids)
    members = [(aid, copies.get(aid), hashes.get(aid, "")) for aid in story.article_ids]
    words = brief_words(store) if words is None else words
    wanted = fingerprint(members, story.headline, words, analysis_version())
    return CurrentBrief(latest, latest is None or latest.fingerprint != wanted, wanted)


def brief_versions(store: Store, story_id: str, articles: bool = True, after: int = 0,
                   changes: bool = True) -> list[dict[str, Any]]:
    """A story's versions after version ``after``, oldest first: ``version``, ``created``,
    ``changes`` (how many items of each kind it added over the version before,
    ``brief_diff.change_counts``; {} for the first, None when stored before counts were
    kept; left out without ``changes``) and, with ``articles``, ``articles`` (the ids each
    was woven from)."""
    return [{"version": v.version, "created": v.created}
            | ({"changes": v.changes} if changes else {})
            | ({"articles": list(v.articles)} if articles else {})
            for v in store.brief_versions(story_id, articles=articles, after=after,
                                          changes=changes)]


def _load(version: BriefVersion) -> dict[str, Any]:
    return parse_brief(version.brief)


def brief_changes(store: Store, story_id: str, since: int, version: int | None = None
                  ) -> dict[str, Any] | None:
    """What version ``version`` (the latest when None) adds over version ``since``: new
    sources (with ids), sources revised in between (a corrected article, same id: its new
    text was stored after version ``since`` and before ``version``), summary sentences,
    quotes, discrepancies and timeline entries, the summary sentences, quotes and timeline
    entries version ``since`` showed and it no longer does (``dropped_*``), and the sources
    that left the story (``left_sources``, each with ``now_in``: the stories holding it
    now). None when either is missing."""
    old = store.get_brief_version(story_id, since)
    new = store.get_brief_version(story_id, version)
    if old is None or new is None:
        return None
    return _changes(store, story_id, old, _load(old), new, _load(new))


def _changes(store: Store, story_id: str, old: BriefVersion, old_brief: dict[str, Any],
             new: BriefVersion, new_brief: dict[str, Any]) -> dict[str, Any]:
    changes = diff_briefs(old_brief, new_brief)
    revised: set[str] = set()
    # the counts stored with ``new`` say whether any source was revised: most versions had
    # none, and then the query is skipped (a history of thousands of versions spent most of
    # its time there)
    if new.version != old.version + 1 or new.changes is None or new.changes.get(
            "revised_sources"):
        before = set(old.articles)
        revised = store.revised_between([i for i in new.articles if i in before],
                                        old.created, new.created)
    changes["revised_sources"] = revised_sources(changes, new_brief, revised)
    for source in changes["left_sources"]:  # moved by a split, a merge or a regrouping
        holding = store.article_stories(str(source.get("id")))
        source["now_in"] = [sid for sid in holding if sid != story_id]
        # asked later, it may have come back (its text restored): not "in no story now"
        source["back"] = story_id in holding
    return changes | {"since": old.version, "version": new.version}


def story_history(store: Store, story_id: str, last: int | None = None
                  ) -> list[dict[str, Any]]:
    """A story's stored versions, oldest first (the latest ``last`` only, when given), each
    as ``version``, ``created``, ``headline``, ``sources`` (how many), ``changes``: what
    it added over the version before it in a reader's words (``changes_line``; "new story"
    for version 1, as the story list says; empty for the first listed of a later one) and
    ``counts``, the same as stored with it (``BriefVersion.changes``; None for a
    version stored before they were kept). Each brief listed is read once; one stored
    before the counts were kept is compared with the one before it."""
    out: list[dict[str, Any]] = []
    listing = store.brief_versions(story_id, articles=False, changes=True)
    if last is not None:
        listing = listing[-(last + 1):] if last < len(listing) else listing
    # headline and source count from the database's JSON functions; a brief is read whole
    # only where its changes were not counted when stored (or the outlines are unreadable)
    outlines = store.brief_outlines(story_id) if listing else {}
    loaded: dict[int, tuple[BriefVersion, dict[str, Any]]] = {}

    def read(number: int) -> tuple[BriefVersion, dict[str, Any]] | None:
        if number not in loaded:
            version = store.get_brief_version(story_id, number)
            if version is None:  # deleted meanwhile
                return None
            loaded[number] = (version, _load(version))
        return loaded[number]

    previous: BriefVersion | None = None
    for listed in listing:
        counted = (previous is not None and listed.changes is not None
                   and previous.version == listed.version - 1)
        if previous is None or counted:
            changes = counts_line(listed.changes or {}) if previous is not None else (
                "new story" if listed.version == 1 else "")
            if listed.version in outlines:
                headline, sources = outlines[listed.version]
            else:
                found = read(listed.version)
                if found is None:
                    continue
                brief = found[1]
                headline = (brief.get("story") or {}).get("headline") or ""
                sources = len(brief.get("sources") or [])
        else:
            before, found = read(previous.version), read(listed.version)
            if found is None:
                continue
            brief = found[1]
            changes = (changes_line(_changes(store, story_id, *before, found[0], brief))
                       if before is not None else "")
            headline = (brief.get("story") or {}).get("headline") or ""
            sources = len(brief.get("sources") or [])
        out.append({"version": listed.version, "created": listed.created,
                    "headline": headline, "sources": sources, "changes": changes,
                    "counts": listed.changes})
        previous = listed
    return out[-last:] if last is not None and last > 0 else out


def article_versions(store: Store, article_id: str, shown: int | None = None,
                     texts: bool = True) -> list[dict[str, Any]]:
    """The versions of a stored article (a corrected page stored again under its URL),
    oldest first and the current last: ``version``, ``stored``, ``title``, ``published``,
    ``updated`` and ``words``; with ``texts``, version ``shown`` (the current one when None)
    and the one before it also carry their ``text``, all a page shows or compares, so a
    live page captured hundreds of times costs two texts, not hundreds. Empty for an
    unknown id."""
    versions = store.article_versions(article_id, texts=False)
    numbers = [v["version"] for v in versions]
    if not texts or not versions or (shown is not None and shown not in numbers):
        return versions
    at = len(numbers) - 1 if shown is None else numbers.index(shown)
    read = store.article_version_texts(article_id, numbers[max(at - 1, 0):at + 1])
    return [v | {"text": read[v["version"]]} if v["version"] in read else v for v in versions]


def version_changes(versions: Sequence[dict[str, Any]], version: int) -> list[Any] | None:
    """What ``version`` changed in the text of the one before it (``versions.Change`` runs);
    None for the first version, an unknown one, texts not read, or texts too long to
    compare."""
    from newsweave.versions import text_changes

    numbers = [v["version"] for v in versions]
    if version not in numbers or numbers.index(version) == 0:
        return None
    before, after = versions[numbers.index(version) - 1], versions[numbers.index(version)]
    if "text" not in before or "text" not in after:
        return None
    return text_changes(before["text"], after["text"])


#: items of each kind an update names (a round can add dozens of quotes)
UPDATE_ITEMS = 3


def update_items(changes: dict[str, Any] | None, brief: dict[str, Any]) -> list[str]:
    """What a reader of an update sees first, as plain lines: a new headline, the sources
    that joined or left, then new summary sentences, those dropped, new quotes and those
    dropped, new and resolved discrepancies, new timeline entries and those dropped, at most
    ``UPDATE_ITEMS`` of each (every kind the summary line counts is named); for a story's
    first brief (``changes`` None), its opening summary sentences."""
    def source(s: dict[str, Any]) -> str:
        name = s.get("title") or s.get("path") or s.get("id") or ""
        return f"{name} ({s['outlet']})" if s.get("outlet") else str(name)

    if changes is None:
        return [str(x.get("text") or "") for x in (brief.get("summary") or [])[:UPDATE_ITEMS]]
    out = [f"New headline: {h.get('headline')} (was: {h.get('was')})"
           for h in (changes.get("new_headline") or [])[:UPDATE_ITEMS]]
    out += [f"New source: {source(s)}" for s in changes["new_sources"][:UPDATE_ITEMS]]
    out += [f"Revised: {source(s)}" for s in changes["revised_sources"][:UPDATE_ITEMS]]
    out += [f"Now in another story: {source(s)}" for s in changes["left_sources"][:UPDATE_ITEMS]]
    out += [f"In the summary: {x.get('text') or ''}" for x in changes["new_summary"][:UPDATE_ITEMS]]
    out += [f"No longer in the summary: {x.get('text') or ''}"
            for x in (changes.get("dropped_summary") or [])[:UPDATE_ITEMS]]
    out += [f"{q.get('speaker') or 'Unattributed'}: {statement_text(q)}"
            for q in changes["new_quotes"][:UPDATE_ITEMS]]
    out += [f"Quote no longer listed: {q.get('speaker') or 'Unattributed'}: "
            f"{statement_text(q)}" for q in (changes.get("dropped_quotes") or [])[:UPDATE_ITEMS]]

    def discrepancy(d: dict[str, Any]) -> str:
        claims = " / ".join(str(c.get("text") or "") for c in d.get("claims") or [])
        return f"{d.get('topic') or ''}: {claims}"

    out += [f"New discrepancy: {discrepancy(d)}"
            for d in (changes.get("new_discrepancies") or [])[:UPDATE_ITEMS]]
    out += [f"Discrepancy resolved: {discrepancy(d)}"
            for d in (changes.get("dropped_discrepancies") or [])[:UPDATE_ITEMS]]
    out += [f"In the timeline: {t.get('date') or ''}: {t.get('text') or ''}"
            for t in (changes.get("new_timeline") or [])[:UPDATE_ITEMS]]
    out += [f"No longer in the timeline: {t.get('date') or ''}: {t.get('text') or ''}"
            for t in (changes.get("dropped_timeline") or [])[:UPDATE_ITEMS]]
    return out


def story_updates(store: Store, limit: int = 50, story_id: str | None = None,
                  cache: dict[tuple[str, int], Update] | None = None,
                  listed: Sequence[BriefVersion] | None = None) -> list[dict[str, Any]]:
    """The latest ``limit`` stored briefs, newest first (of one story, or of all), each as a
    reader's update: ``story_id``, ``version``, ``created``, ``headline``, ``sources`` (how
    many), ``changes`` (what it added over the version before it, ``changes_line``; empty
    for a story's first brief) and ``items`` (``update_items``). ``cache`` keeps each
    (story, version)'s ``Update``: a stored version never changes, so a server reads and
    works out each once, and a feed of cached versions reads no brief. ``listed``:
    ``Store.recent_brief_versions(limit, story_id)``, when the caller has read it already
    (the feed's ETag is made from it)."""
    out = []
    if listed is None:
        listed = store.recent_brief_versions(limit, story_id)
    for v in listed:
        key = (v.story_id, v.version)
        known = None if cache is None else cache.get(key)
        if known is None:
            known = _update_of(store, v)
            if known is None:  # deleted meanwhile
                continue
            if cache is not None:
                cache[key] = known
        out.append({"story_id": v.story_id, "version": v.version, "created": v.created,
                    "headline": known.headline, "sources": known.sources,
                    "changes": known.changes, "items": list(known.items)})
    return out


@dataclass(frozen=True)
class Update:
    """What a feed says of one stored version (``story_updates``)."""

    headline: str
    sources: int
    changes: str
    items: tuple[str, ...]


def _update_of(store: Store, listed: BriefVersion) -> Update | None:
    version = store.get_brief_version(listed.story_id, listed.version)
    if version is None:
        return None
    brief = _load(version)
    before = (store.get_brief_version(listed.story_id, listed.version - 1)
              if listed.version > 1 else None)
    changes = None if before is None else _changes(
        store, listed.story_id, before, _load(before), version, brief)
    return Update((brief.get("story") or {}).get("headline") or listed.story_id,
                  len(brief.get("sources") or []),
                  "" if changes is None else changes_line(changes),
                  tuple(update_items(changes, brief)))


#: Feed kinds that list entries (a site or a sitemap index lists feeds or sitemaps).
ENTRY_KINDS = frozenset({"RSS feed", "Atom feed", "feed", "news sitemap", "sitemap"})
#: A feed whose polls found nothing new for this many days is flagged quiet.
QUIET_DAYS = 2


def _days_before(stamp: str, days: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(stamp) - timedelta(days=days)).isoformat(timespec="seconds")


def feed_health(store: Store, now: str | None = None) -> list[dict[str, Any]]:
    """Every followed feed as an operator checks it: ``url``, ``kind`` (``FeedState.kind``;
    None until read), ``found_on`` (the site or index it was found on; None: named by the
    user), ``state`` ("ok", "failing" or "not polled yet"), ``checked_at`` (last poll, UTC),
    ``last_status`` (the HTTP status, or why the last poll failed), ``failures`` (in a row),
    ``next_poll`` (when a failing feed is tried again; None: at the next round), ``last_new``
    (when a poll last found a new or changed entry, or first polled it) and ``quiet`` (a feed
    or sitemap whose polls found nothing new in the ``QUIET_DAYS`` before its last one: it
    answers, but may be dead), ``pages_tried``, ``pages_failed`` and ``page_error``: how the
    pages of its last poll with new entries fared (a feed answering while none of its pages
    can be fetched, refused by robots.txt, a 403 or a site's pause, is "pages failing").
    Failing feeds first, then those whose pages fail, then by URL."""
    out = []
    for f in store.feed_states():
        pages_failing = bool(f.pages_tried) and f.pages_failed == f.pages_tried
        state = ("failing" if f.failures else "pages failing" if pages_failing
                 else "ok" if f.checked_at else "not polled yet")
        waiting = f.next_poll if f.next_poll and (now is None or f.next_poll > now) else None
        status = f.last_status
        if status and status.startswith(f"{f.url}: "):  # a failure's message names the feed
            status = status[len(f.url) + 2:]
        listing = f.kind in ENTRY_KINDS  # a site or an index lists no entries of its own
        quiet = listing and bool(f.checked_at and f.last_new) and \
            f.last_new < _days_before(f.checked_at, QUIET_DAYS)
        out.append({"url": f.url, "kind": f.kind, "found_on": f.found_on, "state": state,
                    "checked_at": f.checked_at, "last_status": status,
                    "failures": f.failures, "next_poll": waiting, "last_new": f.last_new,
                    "quiet": quiet, "pages_tried": f.pages_tried,
                    "pages_failed": f.pages_failed, "page_error": f.page_error})
    rank = {"failing": 0, "pages failing": 1}
    return sorted(out, key=lambda r: (rank.get(r["state"], 2), r["url"]))
