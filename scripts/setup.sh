#!/bin/bash
# Set up everything fieldapp needs, idempotently and quickly when already done:
#   .venv (Python packages from pyproject.toml), node_modules (npm ci from package-lock.json),
#   static/build/app.css (GOV.UK Frontend compiled with system fonts) and static/vendor/ (idb and
#   GOV.UK Frontend's images). With --test, also Debian's chromium, libatomic1 and caddy
#   if missing.
# Stamp files keyed on a hash of pyproject.toml / package-lock.json / app.scss skip work already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
# The same, over the file names too: a script renamed or moved must be minified again.
hash_with_names() { { printf '%s\n' "$@"; cat "$@"; } | sha256sum | cut -d' ' -f1; }

# Browser test dependencies: only when missing (apt-get needs root; CI runs as root).
if [ "$want_test" = 1 ]; then
  # Caddy: the HTTPS reverse proxy the README documents, put in front of the app by a test.
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/caddy ] || ! ldconfig -p 2>/dev/null | grep -q 'libatomic\.so\.1'; then
    echo "setup: installing chromium fonts-liberation libatomic1 caddy from Debian" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation libatomic1 caddy
  fi
fi

# Python: a virtual environment (Debian's python3 refuses system-wide installs).
py_stamp=".venv/.fieldapp-setup-$(hash_of pyproject.toml)"
if [ ! -f "$py_stamp" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # --no-compile: Python compiles each module when it is first imported instead of pip compiling
  # every file of every package up front (a quarter of a fresh set-up's 40 s).
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-compile -e '.[test]'
  rm -f .venv/.fieldapp-setup-*
  touch "$py_stamp"
fi

# Front-end packages, pinned in package-lock.json.
npm_stamp="node_modules/.fieldapp-setup-$(hash_of package-lock.json)"
if [ ! -f "$npm_stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi

# CSS and vendored assets: rebuilt when the lock file or our Sass changes, or when missing.
assets_stamp="static/build/.fieldapp-setup-$(hash_of package-lock.json static/*.scss)"
if [ ! -f "$assets_stamp" ] || [ ! -f static/build/app.css ] || [ ! -f static/build/pages.css ] || [ ! -f static/vendor/idb.umd.js ]; then
  mkdir -p static/build static/vendor/govuk/assets
  # Two style sheets: app.css for every page, pages.css for all but the caseload and login.
  node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules --quiet-deps \
    static/app.scss:static/build/app.css static/pages.scss:static/build/pages.css
  cp node_modules/idb/build/umd.js static/vendor/idb.umd.js
  # Images only (favicon and the like); no GDS Transport fonts: only GOV.UK may use them.
  rm -rf static/vendor/govuk/assets/images
  cp -r node_modules/govuk-frontend/dist/govuk/assets/images static/vendor/govuk/assets/images
  rm -f static/build/.fieldapp-setup-*
  touch "$assets_stamp"
fi

# Our scripts (static/*.js, static/page/*.js and the module static/*.mjs), minified (terser) into
# static/build/min/ and static/build/min/page/: the app serves these in place of the sources at the
# same URLs (fieldapp/__init__.py), so phones download about half the bytes.
min_stamp="static/build/min/.fieldapp-setup-$(hash_with_names package-lock.json static/*.js static/page/*.js static/*.mjs)"
if [ ! -f "$min_stamp" ]; then
  rm -rf static/build/min
  mkdir -p static/build/min/page
  for source in static/*.js static/page/*.js static/*.mjs; do
    name="${source#static/}"
    module=()
    [[ "$source" == *.mjs ]] && module=(--module)  # its top-level names are its own: mangle them
    node_modules/.bin/terser "$source" "${module[@]}" --compress --mangle --comments false \
      --output "static/build/min/$name"
  done
  touch "$min_stamp"
fi

# The page dictionary (fieldapp/web/dictionary.py): a few pages drawn for a specimen worker on a
# throwaway instance with nobody in it, that pages are compressed against for a phone holding it.
# Rebuilt when the app's code, templates or instruments change (a stale one only compresses less).
dict_stamp="static/build/.dictionary-$(hash_with_names $(find fieldapp templates -type f \( -name '*.py' -o -name '*.html' -o -name '*.json' \) | sort))"
if [ ! -f "$dict_stamp" ] || [ ! -f static/build/pages.dict ]; then
  .venv/bin/python -m fieldapp.web.dictionary static/build/pages.dict >/dev/null
  rm -f static/build/.dictionary-*
  touch "$dict_stamp"
fi
