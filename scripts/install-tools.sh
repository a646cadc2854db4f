#!/usr/bin/env bash
# Makes sure the named developer tools are installed:
#
#   scripts/install-tools.sh shellcheck
#
# A tool already on PATH is left alone. A missing one is installed from the
# Debian package of the same name when this runs as root with apt-get (as
# scripts/test-services.sh does for PostgreSQL, Redis, Chromium and Knot);
# otherwise the script fails and says how to get it. `make lint` and
# scripts/test-services.sh both use it.
set -euo pipefail

log() { printf 'install-tools: %s\n' "$*" >&2; }

# package TOOL: the Debian package that provides TOOL.
package() {
	case "$1" in
	shellcheck) echo shellcheck ;;
	*) return 1 ;;
	esac
}

if (($# == 0)); then
	log "usage: $0 TOOL...   (known tools: shellcheck)"
	exit 2
fi

missing=()
for tool in "$@"; do
	pkg="$(package "$tool")" || {
		log "unknown tool $tool (known tools: shellcheck)"
		exit 2
	}
	command -v "$tool" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
	log "missing ${missing[*]}: install it (apt-get install -y ${missing[*]}, brew install ${missing[*]}),"
	log "or run scripts/install-tools.sh $* (or scripts/test-services.sh) as root on Debian or Ubuntu"
	exit 1
fi
log "apt-get update (to install ${missing[*]})..."
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
log "apt-get install -y ${missing[*]} ..."
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
for tool in "$@"; do
	command -v "$tool" >/dev/null 2>&1 || {
		log "$tool still missing after installing ${missing[*]}"
		exit 1
	}
done
log "installed ${missing[*]}"
