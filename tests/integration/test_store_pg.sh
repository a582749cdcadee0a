#!/bin/bash
# The libpq store against a real throwaway Postgres (test_store_pg.c under with-pg).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/with-pg" ${TEST_WRAPPER:-} "${top_builddir:?}/tests/integration/test_store_pg"
