#!/usr/bin/env bash
# test_browser.sh: the end-to-end scenarios of test/e2e/browser.mjs in Debian's headless
# Chromium (playwright-core) against the ctest stack: register, log in and out, the graph,
# search and the panel, the admin's genre/band forms and users page, with no console error
# and no CSP violation. Screenshots: $MG_BUILD_DIR/e2e-artifacts/. See docs/frontend.md.
#
# Needs MG_STATE_DIR (the stack's env file gives MG_BASE_URL, MG_CA_FILE,
# MUSICGRAPH_DATABASE_URL), MG_ADMIN, MG_BUILD_DIR, and node with node_modules/ (npm ci) and
# app/static/js/graph.bundle.js (npm run build). Exits 77 (ctest: skipped) without Chromium.
set -euo pipefail

: "${MG_STATE_DIR:?run through ctest, or set MG_STATE_DIR to a running stack}"
# shellcheck source=/dev/null
. "$MG_STATE_DIR/env"
SRC=${MG_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
	echo "SKIP: no Chromium at $chromium (apt-get install chromium, or scripts/setup-debian.sh)"
	exit 77
fi
if ! command -v node >/dev/null 2>&1; then
	echo "not ok - node is not installed (scripts/setup-debian.sh installs it)"
	exit 1
fi
if [ ! -d "$SRC/node_modules/playwright-core" ]; then
	echo "not ok - $SRC/node_modules/playwright-core is missing: run npm ci"
	exit 1
fi
if [ ! -s "$SRC/app/static/js/graph.bundle.js" ]; then
	echo "not ok - app/static/js/graph.bundle.js is missing: run npm run build"
	exit 1
fi

exec node "$SRC/test/e2e/browser.mjs" "$@"
