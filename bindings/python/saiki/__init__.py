"""saiki: an embedded Japanese product search engine that learns from its users.

A Python binding of saiki's C API (libsaiki.so) through ctypes::

    import saiki

    with saiki.open("shop.saiki") as db:
        db.import_csv("products.csv")
        results = db.search("犬 price:..3000", user="alice")
        for hit in results:
            print(hit.rank, hit.title, hit.price)
        db.click(results.query_id, results[0].id)
        report = db.end_session("alice")   # the personal model learns now

Every failure raises a subclass of :class:`SaikiError` chosen by the C
status code (:class:`InvalidArgumentError`, :class:`NotFoundError`, ...),
with the library's message, which names the problem and where it is.

A :class:`Database` is used by one thread at a time; open one per thread.
The shared library is found through ``$SAIKI_LIBRARY``, else the path
``cmake --install`` recorded, else the dynamic loader (``libsaiki.so.0.2``).
"""
from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

from . import _capi
from ._capi import lib as _lib

__all__ = [
    "open", "Database", "SearchResults", "Hit", "Suggestion", "ImportReport", "Stats", "version",
    "SaikiError", "InvalidArgumentError", "NotFoundError", "CorruptionError", "SaikiIOError",
    "BusyError", "NotSupportedError", "ResourceExhaustedError", "InternalError", "MisuseError",
]

#: The version of this package; the library it loads has the same major.minor.
__version__ = "0.2.0"

Text = Union[str, bytes]
PathLike = Union[str, bytes, "os.PathLike[str]"]


def version() -> str:
    """The version of the loaded shared library, e.g. ``"0.2.0"``."""
    return _lib.saiki_version().decode()


# --- Exceptions, one per status code.

class SaikiError(Exception):
    """A saiki call failed. ``status`` is the C status code, ``message`` the
    library's message (also ``str(error)``)."""

    status: int = _capi.INTERNAL

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class InvalidArgumentError(SaikiError, ValueError):
    """Bad input: a CSV file, a query, a setting value, invalid UTF-8."""
    status = _capi.INVALID_ARGUMENT


class NotFoundError(SaikiError, LookupError):
    """A missing file, database, query id or setting."""
    status = _capi.NOT_FOUND


class CorruptionError(SaikiError):
    """Not a saiki database, or stored bytes that do not decode."""
    status = _capi.CORRUPTION


class SaikiIOError(SaikiError, OSError):
    """The OS or SQLite failed to read or write (disk full, read-only)."""
    status = _capi.IO_ERROR


class BusyError(SaikiError):
    """Another writer held the lock past the busy timeout."""
    status = _capi.BUSY


class NotSupportedError(SaikiError):
    """For example a database written by a newer saiki."""
    status = _capi.NOT_SUPPORTED


class ResourceExhaustedError(SaikiError):
    """A documented limit was exceeded."""
    status = _capi.RESOURCE_EXHAUSTED


class InternalError(SaikiError):
    """A bug in saiki."""
    status = _capi.INTERNAL


class MisuseError(SaikiError):
    """A call on a closed database, or a required argument missing."""
    status = _capi.MISUSE


_ERRORS = {cls.status: cls for cls in (
    InvalidArgumentError, NotFoundError, CorruptionError, SaikiIOError, BusyError,
    NotSupportedError, ResourceExhaustedError, InternalError, MisuseError)}


def _error(status: int, message: str) -> SaikiError:
    cls = _ERRORS.get(status, SaikiError)
    return cls(message or _lib.saiki_status_name(status).decode(), status)


def _bytes(value: Text, name: str) -> bytes:
    """A text argument as the UTF-8 the C API takes. str is encoded (lone
    surrogates pass through, for the library to reject); bytes are passed
    as they are, so invalid UTF-8 reaches the library's check."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    raise TypeError(f"{name} must be str or bytes, not {type(value).__name__}")


def _opt_bytes(value: Optional[Text], name: str) -> Optional[bytes]:
    return None if value is None else _bytes(value, name)


def _path(path: PathLike) -> bytes:
    return os.fsencode(path)


# --- Results.

@dataclass(frozen=True)
class Hit:
    """One search result."""
    rank: int                      #: 1-based
    id: str
    title: str
    brand: str
    category: str
    price: Optional[float]         #: None when the product has no price
    score: float                   #: the ranker's score
    bm25f: float                   #: the retrieval score
    explain: Optional[dict[str, float]] = None     #: per-field scores (explain=True)
    features: Optional[list[dict[str, Any]]] = None  #: per-feature values (explain=True)
    #: {"title", "description"}: HTML-escaped, matched terms in <mark> (highlight=True)
    highlight: Optional[dict[str, str]] = None
    #: placed by exploration (setting learn.explore): a candidate from beyond the page
    explored: bool = False


@dataclass(frozen=True)
class SearchResults:
    """A search's answer: a sequence of :class:`Hit` with what ordered them.
    ``query_id`` is set when the search was logged for a user: pass it to
    :meth:`Database.click`."""
    hits: list[Hit]
    total: int                     #: matching products
    query_id: Optional[str]
    partial: bool                  #: nothing matched every term: partial matches shown
    notice: str                    #: a sentence for the user, or ""
    ranker: str
    global_version: int
    user_version: int
    gate: float
    interleaved: bool
    took_ms: float
    raw: dict[str, Any] = field(repr=False)  #: the JSON object (`saiki search --json`)
    #: per facet asked for: [{"value", "count"}] or, for price, [{"from", "to", "count"}]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: query terms matched through typo corrections: [{"term", "corrections"}]
    typos: list[dict[str, Any]] = field(default_factory=list)
    #: the corrected query, when it would find much more than the typed one; else ""
    did_you_mean: str = ""
    #: "eq": ``total`` is exact; "gte": a lower bound (setting total.exact_up_to)
    total_relation: str = "eq"

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]


@dataclass(frozen=True)
class Suggestion:
    """One completion (:meth:`Database.suggest`)."""
    text: str
    score: float
    source: str                    #: "query", "word" or "reading"


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``errors`` lists the rejected rows as
    (line, reason)."""
    rows: int
    inserted: int
    updated: int
    rejected: int
    deleted: int
    committed: bool
    errors: list[tuple[int, str]]


@dataclass(frozen=True)
class Stats:
    """Database statistics (``saiki stats``)."""
    products: int
    segments: int
    terms: int
    deleted_pending: int
    postings_bytes: int
    file_bytes: int
    schema_version: int


_CLICK_KINDS = {"click": 1, "cart": 2, "purchase": 3}


class Database:
    """An open saiki database. Create with :func:`open`; close with
    :meth:`close` or a ``with`` block. Not for concurrent use from several
    threads: open one per thread (SQLite's WAL lets them read while one
    writes)."""

    def __init__(self, handle: ctypes.c_void_p, path: str):
        self._h: Optional[ctypes.c_void_p] = handle
        self.path = path

    # -- plumbing

    def _handle(self) -> ctypes.c_void_p:
        if self._h is None:
            raise MisuseError("saiki: the database is closed", _capi.MISUSE)
        return self._h

    def _check(self, status: int) -> None:
        if status != _capi.OK:
            raise _error(status, _lib.saiki_errmsg(self._h).decode("utf-8", "replace"))

    def _take_string(self, call: Callable[[Any], int]) -> Optional[str]:
        """Runs a C call with a char** out-parameter; returns the string (or
        None for NULL) and frees it."""
        out = ctypes.c_void_p()
        self._check(call(ctypes.byref(out)))
        if not out.value:
            return None
        try:
            return ctypes.string_at(out.value).decode("utf-8")
        finally:
            _lib.saiki_string_free(out)

    def _take_json(self, call: Callable[[Any], int]) -> Any:
        text = self._take_string(call)
        return None if text is None else json.loads(text)

    # -- lifetime

    def close(self) -> None:
        """Closes the database. Closing twice is harmless."""
        if self._h is not None:
            h, self._h = self._h, None
            _lib.saiki_close(h)

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    # -- catalogue

    def _import(self, call: Callable[..., int], encoding: Optional[str], field_map: Optional[str],
                replace: bool, strict: bool,
                on_row_error: Optional[Callable[[int, str], None]]) -> ImportReport:
        errors: list[tuple[int, str]] = []

        def row_error(_user_data: Any, line: int, message: bytes) -> None:
            text = message.decode("utf-8", "replace")
            errors.append((line, text))
            if on_row_error is not None:
                try:
                    on_row_error(line, text)
                except Exception:  # an exception cannot cross the C call
                    pass

        opts = _capi.ImportOptions()
        _lib.saiki_import_options_init(ctypes.byref(opts))
        opts.encoding = _opt_bytes(encoding, "encoding")
        opts.field_map = _opt_bytes(field_map, "field_map")
        opts.replace = int(bool(replace))
        opts.strict = int(bool(strict))
        callback = _capi.ROW_ERROR_CALLBACK(row_error)  # kept alive for the call
        opts.on_row_error = callback
        report = _capi.ImportReport()
        self._check(call(ctypes.byref(opts), ctypes.byref(report)))
        return ImportReport(report.rows, report.inserted, report.updated, report.rejected,
                            report.deleted, bool(report.committed), errors)

    def import_csv(self, path: PathLike, *, encoding: Optional[str] = None,
                   field_map: Optional[str] = None, replace: bool = False, strict: bool = False,
                   on_row_error: Optional[Callable[[int, str], None]] = None) -> ImportReport:
        """Imports a CSV file (README "CSV format"), upserting by product id,
        in one transaction. Bad rows are skipped and reported (in the
        report's ``errors`` and through ``on_row_error(line, reason)``);
        with ``strict`` nothing is stored when any row is bad. Raises when
        the file as a whole is unusable (NotFoundError, InvalidArgumentError)."""
        h = self._handle()
        return self._import(
            lambda o, r: _lib.saiki_import_csv(h, _path(path), o, r),
            encoding, field_map, replace, strict, on_row_error)

    def import_csv_data(self, data: Text, *, name: str = "<memory>",
                        encoding: Optional[str] = None, field_map: Optional[str] = None,
                        replace: bool = False, strict: bool = False,
                        on_row_error: Optional[Callable[[int, str], None]] = None) -> ImportReport:
        """Like :meth:`import_csv`, from CSV text (str) or bytes in memory;
        ``name`` names the input in row messages."""
        h = self._handle()
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return self._import(
            lambda o, r: _lib.saiki_import_csv_data(h, raw, len(raw), _bytes(name, "name"), o, r),
            encoding, field_map, replace, strict, on_row_error)

    def delete(self, ids: Iterable[Text]) -> int:
        """Deletes products by id; returns how many existed."""
        h = self._handle()
        encoded = [_bytes(i, "id") for i in ids]
        array = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
        deleted = ctypes.c_uint64()
        self._check(_lib.saiki_delete_products(h, array, len(encoded), ctypes.byref(deleted)))
        return deleted.value

    def get(self, product_id: Text) -> Optional[dict[str, Any]]:
        """One product as a dict (``saiki get``), or None when no product
        has that id."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_get_product(h, _bytes(product_id, "id"), out))

    # -- search and learning

    def search(self, query: Text, *, user: Optional[Text] = None, k: int = 10, offset: int = 0,
               explain: bool = False, facets: Optional[Sequence[str]] = None,
               facet_limit: int = 10, highlight: bool = False,
               snippet_chars: int = 120, sort: Optional[str] = None) -> SearchResults:
        """Searches (README "Query syntax": terms, "phrases", -exclusions,
        brand:, category:, price:MIN..MAX). With ``user`` the results are
        personalised and the search logged as an impression of the user's
        session (``query_id`` set). ``k`` 1..1000, ``offset`` 0..10000.
        ``facets`` (any of "brand", "category", "price") are counted over
        the whole match set (README "Facets"), ``facet_limit`` values each;
        ``highlight`` marks the matched terms in each hit's title and a
        description snippet of ``snippet_chars`` characters (README
        "Highlighting"). ``sort`` ("price", "-price", "rating", "-rating",
        "reviews", "-reviews"; None or "relevance" for the ranker's order)
        sorts the whole match set, ties by relevance; a sorted search is not
        re-ranked or logged (README "Sorting"). Raises InvalidArgumentError
        for a bad query or option."""
        h = self._handle()
        opts = _capi.SearchOptions()
        _lib.saiki_search_options_init(ctypes.byref(opts))
        opts.k = int(k)
        opts.offset = int(offset)
        opts.user = _opt_bytes(user, "user")
        opts.explain = int(bool(explain))
        opts.facets = _opt_bytes(",".join(facets), "facets") if facets else None
        opts.facet_limit = int(facet_limit)
        opts.highlight = int(bool(highlight))
        opts.snippet_chars = int(snippet_chars)
        opts.sort = _opt_bytes(sort, "sort")
        res = ctypes.POINTER(_capi.Results)()
        self._check(_lib.saiki_search(h, _bytes(query, "query"), ctypes.byref(opts),
                                      ctypes.byref(res)))
        try:
            raw = json.loads(_lib.saiki_results_json(res).decode("utf-8"))
        finally:
            _lib.saiki_results_free(res)
        hits = [Hit(rank=r["rank"], id=r["id"], title=r["title"], brand=r["brand"],
                    category=r["category"], price=r["price"], score=r["score"],
                    bm25f=r["bm25f"], explain=r.get("explain"), features=r.get("features"),
                    highlight=r.get("highlight"), explored=r.get("explored", False))
                for r in raw["results"]]
        return SearchResults(hits=hits, total=raw["total"], query_id=raw["query_id"],
                             partial=raw["partial"], notice=raw.get("notice", ""),
                             ranker=raw["ranker"], global_version=raw["global_version"],
                             user_version=raw["user_version"], gate=raw["gate"],
                             interleaved=raw["interleaved"], took_ms=raw["took_ms"], raw=raw,
                             facets=raw.get("facets", {}), typos=raw.get("typos", []),
                             did_you_mean=raw.get("did_you_mean", ""),
                             total_relation=raw.get("total_relation", "eq"))

    def suggest(self, prefix: Text, *, k: int = 10,
                user: Optional[Text] = None) -> list[Suggestion]:
        """Completions of ``prefix`` as a user types (``saiki suggest``,
        README "Suggestions"): from queries that users searched and clicked,
        title words, and, for kana, kanji words read that way; best first.
        ``k`` 1..100; with ``user`` that user's own queries count more."""
        h = self._handle()
        raw = self._take_json(lambda out: _lib.saiki_suggest(
            h, _bytes(prefix, "prefix"), int(k), _opt_bytes(user, "user"), out))
        return [Suggestion(text=x["text"], score=x["score"], source=x["source"])
                for x in raw["suggestions"]]

    def click(self, query_id: Text, product_id: Text, kind: str = "click") -> None:
        """Records a click on ``product_id`` in the results of ``query_id``
        (from a search with a user). ``kind``: "click", "cart" or
        "purchase" (stronger signals). Raises NotFoundError for an unknown
        query id, InvalidArgumentError for a product not shown for it."""
        h = self._handle()
        if kind not in _CLICK_KINDS:
            raise InvalidArgumentError(
                f"click kind {kind!r} is not one of click, cart, purchase", _capi.INVALID_ARGUMENT)
        self._check(_lib.saiki_click(h, _bytes(query_id, "query_id"),
                                     _bytes(product_id, "product_id"), _CLICK_KINDS[kind]))

    def end_session(self, user: Text) -> Optional[dict[str, Any]]:
        """Closes the user's open session and learns from it. Returns the
        session report (``saiki session end``: clicks, pairs, the personal
        and global learners' outcomes and reasons), or None when the user
        had no open session."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_end_session(h, _bytes(user, "user"), out))

    def sweep_sessions(self) -> list[dict[str, Any]]:
        """Closes every session idle past the timeout; their reports."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_sweep_sessions(h, out))

    def learn_pooled(self) -> dict[str, Any]:
        """With the setting ``learn.pooled_at`` apart, runs the pooled
        learners (position bias, the global candidate) when their evidence
        is complete; the step's report (``saiki model pooled``)."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_learn_pooled(h, out))

    def model(self, user: Optional[Text] = None) -> dict[str, Any]:
        """The active models (``saiki model show``): learn mode, versions,
        weights per feature, pooled evidence; with ``user`` its personal part."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_model_show(h, _opt_bytes(user, "user"), out))

    def model_history(self, user: Optional[Text] = None) -> list[dict[str, Any]]:
        """Every model version, newest first (``saiki model history``)."""
        h = self._handle()
        return self._take_json(
            lambda out: _lib.saiki_model_history(h, _opt_bytes(user, "user"), out))

    def rollback_model(self, version: int, user: Optional[Text] = None) -> None:
        """Makes an earlier model version active (0: the factory model, or
        with ``user`` the personal part removed)."""
        h = self._handle()
        self._check(_lib.saiki_model_rollback(h, int(version), _opt_bytes(user, "user")))

    def forget_user(self, user: Text) -> dict[str, Any]:
        """Deletes everything saiki holds about the user and re-derives the
        models without them: ``{"rows_deleted", "entries_replayed",
        "versions_rederived", "notes"}``."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_forget_user(h, _bytes(user, "user"), out))

    # -- statistics and settings

    def stats(self) -> Stats:
        """Products, segments and sizes."""
        h = self._handle()
        s = _capi.Stats()
        self._check(_lib.saiki_stats_get(h, ctypes.byref(s)))
        return Stats(s.products, s.segments, s.terms, s.deleted_pending, s.postings_bytes,
                     s.file_bytes, s.schema_version)

    def get_setting(self, key: str) -> str:
        """One setting's value (README "Settings"). NotFoundError for an
        unknown key."""
        h = self._handle()
        value = self._take_string(lambda out: _lib.saiki_setting_get(h, _bytes(key, "key"), out))
        assert value is not None
        return value

    def set_setting(self, key: str, value: Union[str, int, float]) -> None:
        """Validates and stores a setting. NotFoundError for an unknown key,
        InvalidArgumentError for a value out of its range."""
        h = self._handle()
        self._check(_lib.saiki_setting_set(h, _bytes(key, "key"), _bytes(str(value), "value")))

    def settings(self) -> dict[str, str]:
        """Every setting with its value."""
        h = self._handle()
        return self._take_json(lambda out: _lib.saiki_settings_list(h, out))

    def optimize(self) -> None:
        """Merges the index segments into one and purges deleted products."""
        self._check(_lib.saiki_optimize(self._handle()))


def open(path: PathLike, *, create: bool = True, read_only: bool = False,  # noqa: A001
         busy_timeout_ms: int = 5000) -> Database:
    """Opens (or, with ``create``, creates) the database file at ``path``.
    Raises NotFoundError (missing and not created), CorruptionError (not a
    saiki database), NotSupportedError (a newer schema), SaikiIOError,
    BusyError, InvalidArgumentError (a timeout out of 0..600000)."""
    opts = _capi.OpenOptions()
    _lib.saiki_open_options_init(ctypes.byref(opts))
    opts.create_if_missing = int(bool(create))
    opts.read_only = int(bool(read_only))
    opts.busy_timeout_ms = int(busy_timeout_ms)
    handle = ctypes.c_void_p()
    status = _lib.saiki_open(_path(path), ctypes.byref(opts), ctypes.byref(handle))
    if status != _capi.OK:
        message = _lib.saiki_errmsg(handle).decode("utf-8", "replace")
        _lib.saiki_close(handle)
        raise _error(status, message)
    return Database(handle, os.fsdecode(path))
