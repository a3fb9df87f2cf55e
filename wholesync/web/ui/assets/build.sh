#!/usr/bin/env bash
# Vendor the integration center's third-party assets from the npm registry: the exact
# versions and integrity hashes in package-lock.json, copied into ../static/vendor with their
# SHA-256 sums (tests check the vendored files against them).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
out=../static/vendor
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/@picocss/pico/css/pico.min.css "$out/pico.min.css"
(cd "$out" && sha256sum htmx.min.js pico.min.css > SHA256SUMS)
rm -rf node_modules
