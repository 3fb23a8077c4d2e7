#!/usr/bin/env bash
# Builds assets/static/css/portal.css from GOV.UK Frontend and assets/src/*.scss.
# Rerunnable by anyone: bash assets/build.sh   (needs node >= 20.19 and npm)
# The output is committed, so `go build` never needs npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

echo "assets: npm ci"
npm ci --no-audit --no-fund --ignore-scripts

echo "assets: sass src/portal.scss -> static/css/portal.css"
mkdir -p static/css
./node_modules/.bin/sass \
  --load-path=node_modules \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  --silence-deprecation=import \
  --silence-deprecation=global-builtin \
  src/portal.scss static/css/portal.css

# Every url(...) in the CSS must resolve to a file we ship under static/.
status=0
while IFS= read -r ref; do
  case "$ref" in
    data:*) continue ;;
    /static/*) file="static/${ref#/static/}" ;;
    *) echo "assets: unexpected url($ref) in portal.css" >&2; status=1; continue ;;
  esac
  if [[ ! -f "$file" ]]; then
    echo "assets: portal.css references $ref but $file does not exist" >&2
    status=1
  fi
done < <(grep -o 'url([^)]*)' static/css/portal.css | sed -E 's/^url\(["'"'"']?//; s/["'"'"']?\)$//' | sort -u)
if [[ $status -ne 0 ]]; then
  exit $status
fi
if grep -q 'GDS Transport' static/css/portal.css; then
  echo "assets: portal.css mentions GDS Transport" >&2
  exit 1
fi
echo "assets: built static/css/portal.css ($(wc -c <static/css/portal.css) bytes)"
