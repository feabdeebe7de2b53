#!/usr/bin/env bash
# Checks what libsaiki.so exports: the C API (saiki_*) and the C++ public
# API (namespace saiki, its typeinfo and vtables) and nothing else — no internal layer
# (saiki::engine, index, ranker, storage), no template instantiation of the
# libraries inside — and that its SONAME is libsaiki.so.MAJOR.MINOR.
#
#   bash tests/symbols_test.sh LIBSAIKI.SO MAJOR.MINOR
set -euo pipefail
lib="$1"
soversion="$2"
fail=0
soname="$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
if [[ "$soname" != "libsaiki.so.$soversion" ]]; then
  echo "SONAME is '$soname', wanted libsaiki.so.$soversion"
  fail=1
fi
exported="$(nm -D --defined-only -C "$lib" | cut -d' ' -f3-)"
unexpected="$(grep -Ev '^(saiki_[a-z_]+|saiki::[A-Za-z]|(typeinfo (name )?|vtable )for saiki::[A-Z])' \
  <<<"$exported" || true)"
internal="$(grep -E 'saiki::(engine|index|ranker|storage|eval|capi)::' <<<"$exported" || true)"
if [[ -n "$unexpected$internal" ]]; then
  echo "exported beyond the public API:"
  printf '%s\n' "$unexpected" "$internal" | sed '/^$/d' | head -40
  fail=1
fi
# Each function of saiki_c.h and the C++ entry points are there.
header="$(dirname "$0")/../include/saiki/saiki_c.h"
for fn in $(grep -oE 'SAIKI_EXPORT [^(]*\b(saiki_[a-z_]+)\(' "$header" |
            grep -oE 'saiki_[a-z_]+\($' | tr -d '('); do
  grep -qx "$fn" <<<"$exported" || { echo "not exported: $fn"; fail=1; }
done
for fn in 'saiki::Database::Open(' 'saiki::Version()' 'saiki::Status::ToString'; do
  grep -qF "$fn" <<<"$exported" || { echo "not exported: $fn"; fail=1; }
done
count="$(wc -l <<<"$exported")"
echo "symbols_test.sh: $lib: SONAME $soname, $count exported symbols"
exit $fail
