"""Tests of the Python package over the C API: the calls, the learning loop,
exceptions mapped from status codes, and agreement with the CLI's JSON.

Run by CTest (test python_bindings) with SAIKI_LIBRARY pointing at the
build's libsaiki.so and SAIKI_CLI at its `saiki` command."""
import json
import os
import subprocess

import pytest

import saiki

CATALOG = """id,title,brand,category,price
p1,犬用ベッド ふわふわ,ペティオ,ペット用品>犬用品>ベッド,2980
p2,子犬のおやつ ササミ,ドギーマン,ペット用品>犬用品>おやつ,498
p3,愛犬のための首輪,ペティオ,ペット用品>犬用品>首輪,1280
p4,猫用つめとぎ,アイリス,ペット用品>猫用品>つめとぎ,880
p5,犬 キャリーバッグ,アイリス,ペット用品>犬用品>キャリー,4500
p6,犬用 歯みがきガム,ドギーマン,ペット用品>犬用品>おやつ,
p7,bad price,x,y,abc
"""


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "shop.saiki"


@pytest.fixture
def db(db_path):
    with saiki.open(db_path) as d:
        report = d.import_csv_data(CATALOG, name="catalog.csv")
        assert report.inserted == 6
        yield d


def test_version_is_the_headers():
    # The library's version is the package's, and its major.minor the C API
    # version the package is written against (the SONAME's).
    assert saiki.version() == saiki.__version__
    assert saiki.version().startswith(saiki._capi.API_VERSION + ".")


def test_import_reports_bad_rows_and_stores_the_rest(db_path, tmp_path):
    seen = []
    csv = tmp_path / "products.csv"
    csv.write_text(CATALOG, encoding="utf-8")
    with saiki.open(db_path) as db:
        report = db.import_csv(csv, on_row_error=lambda line, why: seen.append((line, why)))
        assert (report.rows, report.inserted, report.rejected, report.committed) == (7, 6, 1, True)
        assert len(report.errors) == 1 and report.errors[0][0] == 8
        assert "abc" in report.errors[0][1]
        assert seen == report.errors
        assert db.stats().products == 6
        with pytest.raises(saiki.NotFoundError) as e:
            db.import_csv(tmp_path / "missing.csv")
        assert "missing.csv" in str(e.value)
    # strict: nothing stored when a row is bad
    with saiki.open(tmp_path / "strict.saiki") as db:
        assert not db.import_csv(csv, strict=True).committed
        assert db.stats().products == 0


def test_search_with_filters_and_paging(db):
    res = db.search("犬")
    assert res.total == 5 and len(res) == 5
    assert res.total_relation == "eq"  # below total.exact_up_to: exact
    assert res.query_id is None
    assert [h.rank for h in res] == [1, 2, 3, 4, 5]
    assert not any(h.explored for h in res)  # anonymous searches never explore
    assert "p4" not in [h.id for h in res]
    assert {h.id: h.price for h in res}["p6"] is None
    page = db.search("犬", k=2, offset=1)
    assert [h.id for h in page] == [h.id for h in res.hits[1:3]]
    only = db.search("犬 price:..1500 brand:ペティオ")
    assert [(h.id, h.price) for h in only] == [("p3", 1280.0)]
    explained = db.search("首輪", explain=True)
    assert explained[0].explain and explained[0].explain["title"] > 0


def test_facets_and_highlighting(db):
    res = db.search("犬", k=1, facets=["brand", "price"], facet_limit=2, highlight=True)
    # Counted over every match, not the one result shown.
    assert res.facets["brand"] == [{"value": "ペティオ", "count": 2},
                                   {"value": "ドギーマン", "count": 2}]
    assert sum(b["count"] for b in res.facets["price"]) == 4  # p6 has no price
    assert res.facets["price"][0] == {"from": 200.0, "to": 500.0, "count": 1}
    assert "<mark>犬</mark>" in res[0].highlight["title"]
    assert db.search("犬").facets == {}
    with pytest.raises(saiki.InvalidArgumentError):
        db.search("犬", facets=["colour"])


def test_sort_by_price(db):
    cheap_first = db.search("犬", sort="price")
    prices = [h.price for h in cheap_first]
    assert prices[-1] is None  # p6 has no price: last either way
    assert prices[:-1] == sorted(prices[:-1])
    dear_first = db.search("犬", sort="-price")
    assert [h.price for h in dear_first][:-1] == sorted(prices[:-1], reverse=True)
    assert [h.id for h in db.search("犬", sort="relevance")] == [h.id for h in db.search("犬")]
    # Not re-ranked and not logged, even with a user.
    assert db.search("犬", sort="price", user="alice").query_id is None
    with pytest.raises(saiki.InvalidArgumentError, match="colour"):
        db.search("犬", sort="colour")


def test_suggest(db):
    got = db.suggest("いぬ", k=5)
    assert got and len(got) <= 5
    # Kana suggests the kanji words read that way.
    assert any(s.text.startswith("犬") for s in got)
    assert all(s.source in ("query", "word", "reading") for s in got)
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)
    with pytest.raises(saiki.InvalidArgumentError):
        db.suggest("いぬ", k=0)
    assert db.search("犬").did_you_mean == "" and db.search("犬").typos == []


def test_click_and_end_session_learn(db):
    res = db.search("犬", user="alice")
    assert res.query_id is not None
    db.click(res.query_id, res[2].id)
    db.click(res.query_id, res[1].id, kind="purchase")
    report = db.end_session("alice")
    assert report["user"] == "alice"
    assert report["clicks"] == 2 and report["impressions"] == 1
    assert report["personal"]["outcome"] in ("accepted", "rejected", "none")
    assert db.end_session("alice") is None
    model = db.model("alice")
    assert model["user"] == "alice" and model["learn_mode"] == "on"
    assert any(w["feature"] for w in model["weights"])
    history = db.model_history("alice")
    assert isinstance(history, list)
    # The pooled learners run in the closes by default; apart, a step runs
    # after a pooled session and not again before the next one.
    assert db.learn_pooled()["ran"] is False
    db.set_setting("learn.pooled_at", "apart")
    res2 = db.search("猫", user="bob")
    db.click(res2.query_id, res2[0].id)
    closed = db.end_session("bob")
    assert "apart" in closed["global"]["reason"]
    step = db.learn_pooled()
    assert step["ran"] is True and step["seq"] > 0 and step["epoch"] is False
    assert db.learn_pooled()["ran"] is False
    forgot = db.forget_user("alice")
    assert forgot["rows_deleted"] > 0
    with pytest.raises(saiki.NotFoundError):
        db.click(res.query_id, res[2].id)  # forgotten with the user


def test_errors_map_to_exceptions(db, db_path, tmp_path):
    with pytest.raises(saiki.NotFoundError) as e:
        db.click("999999", "p1")
    assert isinstance(e.value, LookupError) and e.value.status == 2
    res = db.search("犬", user="bob")
    with pytest.raises(saiki.InvalidArgumentError):
        db.click(res.query_id, "p4")  # not shown for that query
    with pytest.raises(saiki.InvalidArgumentError):
        db.click(res.query_id, "p1", kind="like")
    with pytest.raises(saiki.InvalidArgumentError) as e:
        db.set_setting("bm25.k1", 99)
    assert isinstance(e.value, ValueError) and "bm25.k1" in str(e.value)
    with pytest.raises(saiki.NotFoundError):
        db.get_setting("no.such.key")
    with pytest.raises(saiki.InvalidArgumentError):
        db.search("犬", k=0)
    with pytest.raises(saiki.NotFoundError):
        saiki.open(tmp_path / "missing.saiki", create=False)
    assert not (tmp_path / "missing.saiki").exists()
    not_db = tmp_path / "not-a-db.txt"
    not_db.write_text("plain text, not a database " * 10)
    with pytest.raises(saiki.CorruptionError):
        saiki.open(not_db)
    with saiki.open(db_path, read_only=True) as ro:
        assert ro.search("犬").total == 5
        with pytest.raises(saiki.SaikiIOError) as e:
            ro.import_csv_data(CATALOG)
        assert isinstance(e.value, OSError)


def test_invalid_utf8_is_rejected_with_a_message(db):
    with pytest.raises(saiki.InvalidArgumentError) as e:
        db.search(b"\xe7\x8a")  # 犬 cut short
    assert "not valid UTF-8" in str(e.value)
    with pytest.raises(saiki.InvalidArgumentError):
        db.search("\udcff")  # a lone surrogate
    with pytest.raises(saiki.InvalidArgumentError):
        db.search("犬", user=b"\xff")
    with pytest.raises(saiki.InvalidArgumentError):
        db.end_session(b"\xc0\xaf")
    assert db.stats().products == 6  # nothing changed


def test_closed_database_raises_misuse(db_path):
    db = saiki.open(db_path)
    db.close()
    db.close()  # harmless
    with pytest.raises(saiki.MisuseError):
        db.search("犬")
    with pytest.raises(saiki.MisuseError):
        db.stats()


def test_settings_products_and_stats(db):
    db.set_setting("bm25.k1", 1.5)
    assert db.get_setting("bm25.k1") == "1.5"
    assert db.settings()["bm25.k1"] == "1.5"
    product = db.get("p1")
    assert product["brand"] == "ペティオ" and product["price"] == 2980
    assert db.get("nope") is None
    assert db.delete(["p1", "nope"]) == 1
    assert db.get("p1") is None
    db.optimize()
    stats = db.stats()
    assert stats.products == 5 and stats.deleted_pending == 0


@pytest.mark.skipif(not os.environ.get("SAIKI_CLI"), reason="needs SAIKI_CLI (set by ctest)")
def test_json_matches_the_cli(db, db_path):
    """The C API's JSON objects are the CLI's: same fields, same values."""
    cli = os.environ["SAIKI_CLI"]

    def run(*args):
        out = subprocess.run([cli, "--db", str(db_path), *args], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    res = db.search("犬", user="carol")
    db.click(res.query_id, res[0].id)
    assert db.model("carol") == run("model", "show", "--user", "carol")
    ours = db.search("犬 price:..3000").raw
    theirs = run("search", "--json", "犬", "price:..3000")
    ours.pop("took_ms"), theirs.pop("took_ms")
    assert ours == theirs
    assert db.get("p2") == run("get", "p2")
