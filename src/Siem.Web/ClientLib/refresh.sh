#!/usr/bin/env bash
# Refreshes the vendored browser libraries in ../wwwroot/lib from package.json/package-lock.json.
# ApexCharts stays pinned to 4.7.0: the last MIT release line (later ones carry a commercial licence).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
mkdir -p ../wwwroot/lib/apexcharts
cp node_modules/apexcharts/dist/apexcharts.min.js node_modules/apexcharts/LICENSE ../wwwroot/lib/apexcharts/
grep -q "MIT License" ../wwwroot/lib/apexcharts/LICENSE || { echo "apexcharts is no longer MIT-licensed: check before vendoring" >&2; exit 1; }
echo "vendored apexcharts $(node -p "require('./node_modules/apexcharts/package.json').version")"
