"""ctypes declarations of saiki's C API (include/saiki/saiki_c.h).

Internal to the package: the layout of each struct and the signature of
each function, in the header's order. Loading the library: see _load().
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int, c_int64,
                    c_size_t, c_uint64, c_void_p)

#: The C API version this package is written against (major.minor must match).
API_VERSION = "0.2"
_SONAME = "libsaiki.so." + API_VERSION

# saiki_status
OK = 0
INVALID_ARGUMENT = 1
NOT_FOUND = 2
CORRUPTION = 3
IO_ERROR = 4
BUSY = 5
NOT_SUPPORTED = 6
RESOURCE_EXHAUSTED = 7
INTERNAL = 8
MISUSE = 9


class OpenOptions(Structure):
    _fields_ = [("create_if_missing", c_int), ("read_only", c_int), ("busy_timeout_ms", c_int)]


ROW_ERROR_CALLBACK = CFUNCTYPE(None, c_void_p, c_uint64, c_char_p)


class ImportOptions(Structure):
    _fields_ = [("encoding", c_char_p), ("field_map", c_char_p), ("replace", c_int),
                ("strict", c_int), ("on_row_error", ROW_ERROR_CALLBACK), ("user_data", c_void_p)]


class ImportReport(Structure):
    _fields_ = [("rows", c_uint64), ("inserted", c_uint64), ("updated", c_uint64),
                ("rejected", c_uint64), ("deleted", c_uint64), ("committed", c_int)]


class SearchOptions(Structure):
    _fields_ = [("k", c_int), ("offset", c_int), ("user", c_char_p), ("explain", c_int),
                ("facets", c_char_p), ("facet_limit", c_int), ("highlight", c_int),
                ("snippet_chars", c_int), ("sort", c_char_p)]


class Hit(Structure):
    _fields_ = [("rank", c_int), ("id", c_char_p), ("title", c_char_p), ("brand", c_char_p),
                ("category", c_char_p), ("has_price", c_int), ("price", c_double),
                ("score", c_double), ("bm25f", c_double)]


class Results(Structure):
    _fields_ = [("query_id", c_char_p), ("took_ms", c_double), ("total", c_uint64),
                ("partial", c_int), ("notice", c_char_p), ("ranker", c_char_p),
                ("global_version", c_int64), ("user_version", c_int64), ("gate", c_double),
                ("interleaved", c_int), ("count", c_size_t), ("hits", POINTER(Hit)),
                ("total_at_least", c_int), ("explored_rank", c_int)]


class Stats(Structure):
    _fields_ = [("products", c_uint64), ("segments", c_uint64), ("terms", c_uint64),
                ("deleted_pending", c_uint64), ("postings_bytes", c_uint64),
                ("file_bytes", c_uint64), ("schema_version", c_int)]


_db = c_void_p  # saiki_db*: opaque
_out_str = POINTER(c_void_p)  # char**: kept as an address, read, then saiki_string_free

_SIGNATURES = {
    "saiki_version": (c_char_p, []),
    "saiki_status_name": (c_char_p, [c_int]),
    "saiki_open_options_init": (None, [POINTER(OpenOptions)]),
    "saiki_open": (c_int, [c_char_p, POINTER(OpenOptions), POINTER(_db)]),
    "saiki_close": (c_int, [_db]),
    "saiki_errmsg": (c_char_p, [_db]),
    "saiki_errcode": (c_int, [_db]),
    "saiki_string_free": (c_int, [c_void_p]),
    "saiki_import_options_init": (None, [POINTER(ImportOptions)]),
    "saiki_import_csv": (c_int, [_db, c_char_p, POINTER(ImportOptions), POINTER(ImportReport)]),
    "saiki_import_csv_data": (c_int, [_db, c_char_p, c_size_t, c_char_p, POINTER(ImportOptions),
                                      POINTER(ImportReport)]),
    "saiki_delete_products": (c_int, [_db, POINTER(c_char_p), c_size_t, POINTER(c_uint64)]),
    "saiki_get_product": (c_int, [_db, c_char_p, _out_str]),
    "saiki_search_options_init": (None, [POINTER(SearchOptions)]),
    "saiki_search": (c_int, [_db, c_char_p, POINTER(SearchOptions), POINTER(POINTER(Results))]),
    "saiki_results_json": (c_char_p, [POINTER(Results)]),
    "saiki_results_free": (c_int, [POINTER(Results)]),
    "saiki_click": (c_int, [_db, c_char_p, c_char_p, c_int]),
    "saiki_end_session": (c_int, [_db, c_char_p, _out_str]),
    "saiki_sweep_sessions": (c_int, [_db, _out_str]),
    "saiki_learn_pooled": (c_int, [_db, _out_str]),
    "saiki_model_show": (c_int, [_db, c_char_p, _out_str]),
    "saiki_model_history": (c_int, [_db, c_char_p, _out_str]),
    "saiki_model_rollback": (c_int, [_db, c_int64, c_char_p]),
    "saiki_suggest": (c_int, [_db, c_char_p, c_int, c_char_p, _out_str]),
    "saiki_forget_user": (c_int, [_db, c_char_p, _out_str]),
    "saiki_stats_get": (c_int, [_db, POINTER(Stats)]),
    "saiki_setting_get": (c_int, [_db, c_char_p, _out_str]),
    "saiki_setting_set": (c_int, [_db, c_char_p, c_char_p]),
    "saiki_settings_list": (c_int, [_db, _out_str]),
    "saiki_optimize": (c_int, [_db]),
}


def _candidates() -> list[str]:
    """Where the shared library may be, in the order tried."""
    found = []
    env = os.environ.get("SAIKI_LIBRARY")
    if env:
        return [env]  # an explicit choice is the only one tried
    try:
        from . import _libpath  # written by `cmake --install`
        found.append(_libpath.LIBRARY)
    except ImportError:
        pass
    found.append(_SONAME)  # the dynamic loader's search path (ldconfig, LD_LIBRARY_PATH)
    name = ctypes.util.find_library("saiki")
    if name:
        found.append(name)
    return found


def _load() -> ctypes.CDLL:
    """Loads libsaiki: $SAIKI_LIBRARY if set, else the path `cmake --install`
    recorded, else libsaiki.so.0.2 through the dynamic loader. Raises
    ImportError naming what was tried, or a version mismatch."""
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
            continue
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        version = lib.saiki_version().decode()
        if not (version + ".").startswith(API_VERSION + "."):
            errors.append(f"{path}: version {version}, this package needs {API_VERSION}.x")
            continue
        return lib
    raise ImportError("saiki: cannot load the shared library libsaiki (set SAIKI_LIBRARY to "
                      "its path, or install it where the dynamic loader finds it): "
                      + "; ".join(errors))


lib = _load()
