#!/usr/bin/env bash
# cli_links_test.sh SAIKI SAIKI_SERVE: the `saiki` command loads none of the
# server's libraries (cpp-httplib, and OpenSSL through it), which only
# saiki-serve needs (cli/run.h). Checked on what the dynamic loader resolves
# (ldd: indirect dependencies too); the same pattern must match saiki-serve,
# so that a renamed library cannot make the check pass by matching nothing.
set -uo pipefail
pattern='libcpp-httplib|libssl\.|libcrypto\.'
cli="$(ldd "$1")" || { echo "ldd $1 failed"; exit 1; }
serve="$(ldd "$2")" || { echo "ldd $2 failed"; exit 1; }
if grep -E "$pattern" <<<"$cli"; then
  echo "FAIL: $1 loads the server's libraries (above)"
  exit 1
fi
if ! grep -qE "$pattern" <<<"$serve"; then
  echo "FAIL: $2 does not load cpp-httplib/OpenSSL either: the pattern is stale"
  echo "$serve"
  exit 1
fi
echo "ok: $1 loads no cpp-httplib/OpenSSL; $2 does"
