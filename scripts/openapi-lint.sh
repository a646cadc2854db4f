#!/usr/bin/env bash
# Lints the OpenAPI documents registryd serves (registrar and operator API)
# the way an integrator's tools read them, with pinned versions:
#
#   1. dumps both documents from the real HTTP handler (tools/openapi-lint/dump);
#   2. Spectral (ruleset spectral:oas) and Redocly (ruleset recommended):
#      any error fails, warnings are printed;
#   3. generates a Go client of each with oapi-codegen (a Go tool pinned in
#      go.mod) and builds and vets it in a module whose only dependency, the
#      oapi-codegen runtime, is pinned in tools/openapi-lint/goclient/go.mod;
#   4. generates TypeScript types of each with openapi-typescript and
#      type-checks them, with tools/openapi-lint/usage.ts, using tsc --noEmit.
#
# The npm tools are pinned in tools/openapi-lint/package.json and
# package-lock.json and installed with npm ci (again only when the lock
# file changed). Without node and npm, running as root, it installs
# Debian's nodejs and npm packages first, as scripts/test-services.sh does
# for chromium.
#
#   scripts/openapi-lint.sh          (make lint runs it)
#   OPENAPI_LINT_KEEP=1 ...          keeps the work folder and prints its path
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools/openapi-lint"
GO="${GO:-go}"

log() { printf 'openapi-lint: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# The Node tools must not phone home or nag during CI.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 npm_config_fund=false npm_config_audit=false

ensure_node() {
	if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
		return 0
	fi
	[[ "$(id -u)" == 0 ]] || die "node and npm are missing; install them (apt-get install -y nodejs npm)"
	command -v apt-get >/dev/null 2>&1 || die "node and npm are missing and there is no apt-get to install them"
	log "node/npm missing; installing Debian's nodejs and npm packages"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >&2
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		die "node and npm still missing after installing them"
	fi
}

# node_tools installs the pinned npm packages unless node_modules already
# holds exactly what package-lock.json pins.
node_tools() {
	local major stamp want
	major="$(node -p 'process.versions.node.split(".")[0]')"
	((major >= 18)) || die "node $(node --version) is too old; the pinned tools need node 18.18 or newer"
	stamp="$tools/node_modules/.registry-lock.sha256"
	want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
	if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
		return 0
	fi
	log "npm ci (node $(node --version), npm $(npm --version))"
	(cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
	printf '%s\n' "$want" >"$stamp"
}

ensure_node
node_tools
bin="$tools/node_modules/.bin"

work="$(mktemp -d)"
if [[ -n "${OPENAPI_LINT_KEEP:-}" ]]; then
	log "work folder: $work"
else
	trap 'rm -rf "$work"' EXIT
fi
docs="$work/docs"

cd "$root"
"$GO" run ./tools/openapi-lint/dump "$docs" >&2

log "spectral (spectral:oas)"
"$bin/spectral" lint --ruleset "$tools/.spectral.yaml" --fail-severity error --display-only-failures \
	"$docs/registrar.json" "$docs/operator.json"

log "redocly (recommended)"
"$bin/redocly" lint --config "$tools/redocly.yaml" --format stylish "$docs/registrar.json" "$docs/operator.json" ||
	die "redocly reports errors"

log "oapi-codegen: Go clients"
gomod="$work/goclient"
mkdir -p "$gomod"
cp "$tools/goclient/go.mod" "$tools/goclient/go.sum" "$gomod/"
for api in registrar operator; do
	mkdir -p "$gomod/${api}client"
	cat >"$work/$api.oapi.yaml" <<-YAML
		package: ${api}client
		generate:
		  models: true
		  client: true
		output: $gomod/${api}client/client.gen.go
	YAML
	"$GO" tool oapi-codegen -config "$work/$api.oapi.yaml" "$docs/$api.json"
done
(cd "$gomod" && GOFLAGS=-mod=readonly GOWORK=off "$GO" build ./... && GOFLAGS=-mod=readonly GOWORK=off "$GO" vet ./...)

log "openapi-typescript + tsc --noEmit: TypeScript types"
ts="$work/ts"
mkdir -p "$ts"
for api in registrar operator; do
	"$bin/openapi-typescript" "$docs/$api.json" --output "$ts/$api.ts" >"$work/$api.ts.log" 2>&1 || {
		cat "$work/$api.ts.log" >&2
		die "openapi-typescript refused the $api document"
	}
done
cp "$tools/usage.ts" "$tools/tsconfig.json" "$ts/"
"$bin/tsc" -p "$ts/tsconfig.json"

log "ok: both documents lint clean, and their Go and TypeScript clients compile"
