# shellcheck shell=bash
# scripts/stack.d/packages.sh: the Debian packages scripts/packages.txt lists for up and check; installs the missing ones as root.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

# packages up|check: the Debian packages scripts/packages.txt lists for that command.
packages() {
	awk -v want="$1" '
		{ sub(/#.*/, "") }
		NF == 0 { next }
		NF == 1 || $2 == want || want == "check" { print $1 }
	' "$SRCDIR/scripts/packages.txt" | sort -u
}

# The names installed packages give: their own and the ones they provide (nodesource's nodejs
# provides npm, for example, and conflicts with Debian's npm).
installed_names() {
	dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' 2>/dev/null |
		awk -F'|' '$1 ~ /^ii/ {
			print $2
			n = split($3, p, ",")
			for (i = 1; i <= n; i++) { sub(/^ */, "", p[i]); sub(/ .*/, "", p[i]); if (p[i] != "") print p[i] }
		}' | sort -u
}

ensure_packages() {
	local missing=() p have
	have=$(installed_names)
	for p in $(packages "$1"); do
		grep -qxF "$p" <<<"$have" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	if ! is_root; then
		warn "missing Debian packages: ${missing[*]}"
		warn "install them as root, then run this again:"
		printf '    %s\n' "$line" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
