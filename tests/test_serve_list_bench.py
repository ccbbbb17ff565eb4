"""benchmarks/serve_list.py's synthetic store: the shape its report states (outlets with
leans, stories of 1-9, copies), and every request it times answers 200 in-process."""

from __future__ import annotations

import random
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.serve_list import ENDPOINTS, make_store, uncached_path
from newsweave.serve import PAGE_SIZE, create_app
from newsweave.store import open_store


def test_synthetic_store_and_requests(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    stories, copies = make_store(db, 300)
    with open_store(str(db)) as store:
        assert store.count_articles() == 300
        assert len(store.story_ids()) == stories and 300 / 9 <= stories <= 300
        assert len(store.list_outlets()) == 40 and copies > 0
        client = TestClient(create_app(store, None))
        for path in [*ENDPOINTS.values(), uncached_path(random.Random(1))]:
            r = client.get(path)
            if "page=3" in path and "There is no page 3" in r.text:  # 300 articles: too few
                total = client.get("/api/stories", params={"country": "GB"}).json()["total"]
                assert r.status_code == 404 and total <= 2 * PAGE_SIZE
                continue
            assert r.status_code == 200, (path, r.text[:200])
        assert client.get("/api/stories", params={"q": "harbour"}).json()["total"] > 0
