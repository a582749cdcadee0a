#!/bin/sh
# docker/docs-site.sh: the API documentation site for the nginx image, without Node.js in the
# build: the two npm packages the pages load (swagger-ui-dist, redoc) are fetched as the tarballs
# package-lock.json pins (version and sha512 `integrity`, checked before anything is unpacked),
# and the same files as docs/install-assets.sh are copied into DEST:
#   DEST/openapi.json  DEST/swagger.html  DEST/redoc.html
#   DEST/static/{swagger-ui-bundle.js,swagger-ui.css,swagger-init.js,redoc.standalone.js,favicon-32x32.png}
# Usage: docker/docs-site.sh SRC DEST    (SRC: package-lock.json and docs/ of the repository)
# Environment: NPM_REGISTRY (default https://registry.npmjs.org). Needs curl, tar, coreutils.
set -eu
src=$1
dest=$2
registry=${NPM_REGISTRY:-https://registry.npmjs.org}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pinned NAME FIELD: the field (version, integrity) of node_modules/NAME in package-lock.json.
pinned() {
	awk -v key="\"node_modules/$1\": {" -v field="\"$2\":" '
		index($0, key) { inside = 1; next }
		inside && /^    }/ { exit }
		inside && index($0, field) { gsub(/[",]/, "", $2); print $2; exit }
	' FS=': ' "$src/package-lock.json"
}

# fetch NAME: the package's pinned tarball, unpacked in $work/NAME.
fetch() {
	version=$(pinned "$1" version)
	integrity=$(pinned "$1" integrity)
	case $integrity in
	sha512-*) ;;
	*) echo "docs-site: no sha512 integrity for $1 in package-lock.json" >&2; exit 1 ;;
	esac
	curl -sSfL --retry 3 -o "$work/$1.tgz" "$registry/$1/-/$1-$version.tgz"
	want=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	have=$(sha512sum <"$work/$1.tgz" | cut -d' ' -f1)
	[ "$want" = "$have" ] || { echo "docs-site: $1-$version.tgz does not match package-lock.json's integrity" >&2; exit 1; }
	mkdir "$work/$1"
	tar -xzf "$work/$1.tgz" -C "$work/$1" --strip-components=1
	echo "docs-site: $1 $version (sha512 checked)" >&2
}

fetch swagger-ui-dist
fetch redoc
mkdir -p "$dest/static"
cp "$src/docs/openapi.json" "$src/docs/site/swagger.html" "$src/docs/site/redoc.html" "$dest/"
cp "$src/docs/site/swagger-init.js" \
	"$work/swagger-ui-dist/swagger-ui-bundle.js" \
	"$work/swagger-ui-dist/swagger-ui.css" \
	"$work/swagger-ui-dist/favicon-32x32.png" \
	"$work/redoc/bundles/redoc.standalone.js" \
	"$dest/static/"
chmod -R a+rX "$dest"
