"""benchmarks/serve.py's store: real reports as dated editions, grouped for real, and every
story served from a stored brief the server counts current (so a read never weaves)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from benchmarks.serve import KINDS, SOURCES, TOKEN, Readers, edition, make_store
from newsweave import app
from newsweave.serve import create_app
from newsweave.store import open_store

pytestmark = pytest.mark.skipif(not all(p.exists() for p in SOURCES),
                                reason="benchmark data not present")


def test_edition_is_new_content_outside_the_window() -> None:
    record = {"id": "x", "text": "Body.", "published": "2001-05-02", "title": "T"}
    e2 = edition(record, 2)
    assert e2["id"] == "e2-x" and e2["text"].startswith("Edition 2.") and e2["title"] == "T"
    assert e2["published"] == "1995-11-10"  # 2000 days earlier
    assert edition({**record, "published": None}, 1)["published"] == "2009-09-05"


def test_store_has_current_relabelled_briefs_and_serves_them(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    info = make_store(db, 60, base_limit=30)
    assert info.articles == 60 and info.editions == 2 and info.stories > 0
    with open_store(str(db)) as store:
        sids = store.story_ids()
        assert len(sids) == info.stories
        for sid in sids:
            current = app.current_brief(store, sid)
            assert current.version is not None and not current.stale
            brief = json.loads(current.version.brief)
            assert brief["story"]["id"] == sid
        readers = Readers(sids[:5], info.searches[:5])
        application = create_app(store, TOKEN)
        with TestClient(application) as client:
            rng = random.Random(1)
            for kind in KINDS:
                for _ in range(3):
                    path = readers.path(kind, rng)
                    assert client.get(path).status_code == 200, path  # served, not 202
            body = edition({"id": "n", "text": "A new report.", "published": "2001-01-01"}, 3)
            r = client.post("/api/articles", json=body,
                            headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 202
            application.state.background.stop()
