#!/bin/sh
# docs/install-assets.sh: installs the pinned npm packages (package-lock.json) and copies the API
# documentation site into a directory nginx serves (conf/docs.conf.in, @DOCS_ROOT@).
#
#   docs/install-assets.sh [--runtime-only] DEST   install packages if needed, then fill DEST:
#       DEST/openapi.json  DEST/swagger.html  DEST/redoc.html
#       DEST/static/{swagger-ui-bundle.js,swagger-ui.css,swagger-init.js,redoc.standalone.js,favicon-32x32.png}
#   docs/install-assets.sh --deps-only             only install the packages (what the docs tests need)
#   docs/install-assets.sh --print-node-dir        print where node_modules is (or would be), install nothing
#
# --runtime-only installs only Swagger UI and ReDoc (npm ci --omit=dev), enough for DEST; the
# docs tests also need the dev packages (playwright-core, @redocly/cli, ajv).
#
# Packages go to node_modules next to package.json, or to $DOCS_NODE_DIR/node_modules when that is
# set (then package.json and package-lock.json are copied there; useful when the source tree is
# read-only, as in `make distcheck`). Nothing is fetched when node_modules already matches the
# lock file (a stamp records the lock file's checksum), so running it again is instant and works
# offline; the first run needs the npm registry or a warm npm cache (`npm ci --prefer-offline`).
# DEST is filled atomically (a new directory renamed into place), so a running nginx never
# serves half a site.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mode=all
case "${1:-}" in
  --runtime-only) mode=runtime; shift ;;
  --deps-only) mode=deps; shift ;;
  --print-node-dir) mode=print; shift ;;
  -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
if [ "$mode" = runtime ] || [ "$mode" = all ]; then
  [ $# -eq 1 ] || { echo "usage: $0 [--runtime-only] DEST | --deps-only | --print-node-dir" >&2; exit 2; }
  dest=$1
else
  [ $# -eq 0 ] || { echo "usage: $0 [--runtime-only] DEST | --deps-only | --print-node-dir" >&2; exit 2; }
fi

node_dir=${DOCS_NODE_DIR:-$top}
if [ "$mode" = print ]; then
  echo "$node_dir"
  exit 0
fi

for tool in node npm sha256sum flock; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$0: '$tool' not found (Debian: apt-get install nodejs npm coreutils util-linux)" >&2
    exit 1
  }
done

# 1. Packages: npm ci unless node_modules already holds exactly what the lock file names.
mkdir -p "$node_dir"
if [ "$node_dir" != "$top" ]; then
  for f in package.json package-lock.json; do
    cmp -s "$top/$f" "$node_dir/$f" || cp "$top/$f" "$node_dir/$f"
  done
fi
want="$(sha256sum <"$top/package-lock.json" | cut -d' ' -f1) $mode"
[ "$mode" = deps ] && want="$(sha256sum <"$top/package-lock.json" | cut -d' ' -f1) all"
stamp="$node_dir/node_modules/.docs-install-stamp"
# A lock, so that tests run in parallel (make -j check) do not run npm ci at the same time.
lock="${TMPDIR:-/tmp}/notes-docs-install.$(printf %s "$node_dir" | sha256sum | cut -c1-16).lock"
exec 9>"$lock"
flock 9
have=$(cat "$stamp" 2>/dev/null || true)
# A full install also satisfies --runtime-only.
case "$mode:$have" in
  runtime:"${want% *} all") have=$want ;;
esac
if [ "$have" != "$want" ]; then
  omit=""
  [ "$mode" = runtime ] && omit="--omit=dev"
  echo "docs: installing the pinned npm packages in $node_dir/node_modules" >&2
  # --ignore-scripts: none of these packages needs an install script (and one only reports analytics).
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline $omit >&2) || {
    echo "$0: npm ci failed in $node_dir (first run needs the npm registry or a warm npm cache)" >&2
    exit 1
  }
  echo "$want" >"$stamp"
fi
[ "$mode" = deps ] && exit 0
# (The lock is held until the end: another run's npm ci must not empty node_modules mid-copy.)

# 2. The site: our pages and document, plus just the files of Swagger UI and ReDoc they load.
nm="$node_dir/node_modules"
parent=$(dirname "$dest")
mkdir -p "$parent"
new=$(mktemp -d "$parent/.docs-new.XXXXXX")
trap 'rm -rf "$new"' EXIT
mkdir "$new/static"
cp "$top/docs/openapi.json" "$top/docs/site/swagger.html" "$top/docs/site/redoc.html" "$new/"
cp "$top/docs/site/swagger-init.js" \
   "$nm/swagger-ui-dist/swagger-ui-bundle.js" \
   "$nm/swagger-ui-dist/swagger-ui.css" \
   "$nm/swagger-ui-dist/favicon-32x32.png" \
   "$nm/redoc/bundles/redoc.standalone.js" \
   "$new/static/"
chmod -R a+rX "$new"
if [ -e "$dest" ]; then
  old="$dest.old.$$"
  mv "$dest" "$old"
  mv "$new" "$dest"
  rm -rf "$old"
else
  mv "$new" "$dest"
fi
trap - EXIT
echo "docs: site installed in $dest (swagger-ui-dist $(node -p "require('$nm/swagger-ui-dist/package.json').version"), redoc $(node -p "require('$nm/redoc/package.json').version"))" >&2
