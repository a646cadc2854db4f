#!/usr/bin/env bash
# Runs a command (normally the test suite) with the services the tests need:
#
#   scripts/test-services.sh go test -race -count=1 ./...
#
# For each service it uses the one already answering on its standard
# loopback port, or else starts a throwaway one on a free port in a temporary
# folder (installing the Debian packages first when the binaries are missing
# and it runs as root), exports its URL for the tests, runs the command, and
# stops only what it started, by PID, whatever way the command ends (failure,
# Ctrl-C, TERM). The command's exit status is the script's.
#
# Exports:
#   REGISTRY_TEST_POSTGRES_URL  postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   REGISTRY_TEST_REDIS_URL     redis://127.0.0.1:PORT/0
#   REGISTRY_TEST_REDIS_CLUSTER_URL
#                               redis://127.0.0.1:P1?addr=127.0.0.1:P2&addr=127.0.0.1:P3,
#                               a throwaway three-node Redis Cluster (three
#                               masters, no replicas) in go-redis' cluster
#                               URL form, started for this run
#   REGISTRY_TEST_REDIS_CLUSTER_PIDS
#                               the PIDs of its nodes, space-separated, in
#                               the order of the URL's addresses (a test
#                               that kills one must start its own cluster
#                               if other packages share this one)
#   REGISTRY_TEST_PROMTOOL      path of promtool (Debian's prometheus
#                               package, installed when missing and running
#                               as root)
#   REGISTRY_TEST_CHROMIUM      path of a headless-capable chromium binary
#                               (Debian's chromium package, installed when
#                               missing and running as root)
#   REGISTRY_TEST_DNS_SERVER    127.0.0.1:PORT of a throwaway Knot DNS server
#                               that accepts RFC 2136 updates and AXFR signed
#                               with the TSIG key in
#   REGISTRY_TEST_DNS_TSIG_NAME, REGISTRY_TEST_DNS_TSIG_ALGORITHM (hmac-sha256)
#                               and REGISTRY_TEST_DNS_TSIG_SECRET (base64), for
#   REGISTRY_TEST_DNS_ZONES     its zones, comma-separated (defiwallet.,...)
#                               A running DNS server's key cannot be
#                               discovered: unless REGISTRY_TEST_DNS_SERVER is
#                               set (then every REGISTRY_TEST_DNS_* is used as
#                               given), a throwaway one is started.
# The server is shared: each test package creates its own database on it.
#
# Settings:
#   TEST_SERVICES_FORCE_START=1|all|postgres,redis  start throwaway servers even
#       when the standard ones answer (to test this script's start path)
#   TEST_SERVICES_PG_PORT (5432), TEST_SERVICES_REDIS_PORT (6379)  where to
#       look for running servers
#   TEST_SERVICES_DNS_ZONES  the zones the DNS server serves (space- or
#       comma-separated; default: defiwallet. dnstest. dnsworker.)
#   A REGISTRY_TEST_*_URL already set is used as given, unless forced.
#
# Adding a service (say a DNS server for the DNS driver) is one function:
# write provide_NAME, which either finds a running server or starts one (use
# free_port, work_dir, on_exit and wait_until below) and exports its
# REGISTRY_TEST_* variable, then add NAME to SERVICES.
# shellcheck disable=SC2317 # functions here run through traps and "provide_$service"
set -euo pipefail

SERVICES=(postgres redis redis_cluster chromium knot promtool shellcheck)

PG_DEFAULT_PORT="${TEST_SERVICES_PG_PORT:-5432}"
REDIS_DEFAULT_PORT="${TEST_SERVICES_REDIS_PORT:-6379}"
DNS_ZONES="${TEST_SERVICES_DNS_ZONES:-defiwallet. dnstest. dnsworker.}"
FORCE_START="${TEST_SERVICES_FORCE_START:-}"

log() { printf 'test-services: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# ---------------------------------------------------------------------------
# Cleanup: actions registered with on_exit run in reverse order at exit.

EXIT_ACTIONS=()
WORK_DIR=""

on_exit() { EXIT_ACTIONS+=("$1"); }

run_exit_actions() {
	local status=$? i
	trap - EXIT INT TERM
	set +e
	for ((i = ${#EXIT_ACTIONS[@]} - 1; i >= 0; i--)); do
		eval "${EXIT_ACTIONS[i]}"
	done
	if [[ -n "$WORK_DIR" && -d "$WORK_DIR" ]]; then
		rm -rf -- "$WORK_DIR"
	fi
	exit "$status"
}
trap run_exit_actions EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# work_dir prints (creating it once) the temporary folder for started servers.
# It is world-traversable so that a server running as another user can reach
# its own subfolder.
work_dir() {
	if [[ -z "$WORK_DIR" ]]; then
		WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/registry-test-services.XXXXXX")"
		chmod 0755 "$WORK_DIR"
	fi
}

# ---------------------------------------------------------------------------
# Helpers.

is_root() { [[ "$(id -u)" == 0 ]]; }

forced() {
	local name="$1"
	case ",${FORCE_START}," in
	,, | ,0,) return 1 ;;
	,1, | ,all, | *",${name},"*) return 0 ;;
	*) return 1 ;;
	esac
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() {
	if command -v timeout >/dev/null 2>&1; then
		timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
	else
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
	fi
}

USED_PORTS=" "

# ephemeral_low: the first port of the kernel's range for the local end of
# outgoing connections (ip_local_port_range). A port picked below it cannot
# be taken by a test's client connection between the pick and the bind.
ephemeral_low() {
	local lo=32768
	if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
		read -r lo _ </proc/sys/net/ipv4/ip_local_port_range || lo=32768
	fi
	echo "$lo"
}

# free_port: a loopback port that nothing listens on and this script has not
# handed out, below the ephemeral range when it leaves room.
free_port() {
	local p i lo
	lo="$(ephemeral_low)"
	for ((i = 0; i < 200; i++)); do
		if ((lo > 20000)); then
			p=$((15000 + RANDOM % (lo - 15000)))
		else
			p=$((20000 + RANDOM % 40000))
		fi
		if [[ "$USED_PORTS" != *" $p "* ]] && ! port_open 127.0.0.1 "$p"; then
			USED_PORTS+="$p "
			echo "$p"
			return 0
		fi
	done
	die "no free loopback port found"
}

# free_cluster_port: a loopback port P for a Redis Cluster node such that P
# and its cluster bus port P+10000 are both free and not handed out, both
# below the ephemeral range when it leaves room.
free_cluster_port() {
	local p i lo
	lo="$(ephemeral_low)"
	for ((i = 0; i < 200; i++)); do
		if ((lo > 21000)); then
			p=$((10000 + RANDOM % (lo - 20000)))
		else
			p=$((20000 + RANDOM % 25000))
		fi
		if [[ "$USED_PORTS" != *" $p "* && "$USED_PORTS" != *" $((p + 10000)) "* ]] &&
			! port_open 127.0.0.1 "$p" && ! port_open 127.0.0.1 "$((p + 10000))"; then
			USED_PORTS+="$p $((p + 10000)) "
			echo "$p"
			return 0
		fi
	done
	die "no free loopback port pair for a Redis Cluster node found"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_until() {
	local secs="$1" what="$2" deadline
	shift 2
	deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			log "$what did not come up within ${secs}s"
			return 1
		fi
		sleep 0.1
	done
}

# stop_pid NAME PID: TERM (or the given signal), wait up to 30 s, then KILL.
stop_pid() {
	local name="$1" pid="$2" sig="${3:-TERM}" i
	if ! kill -0 "$pid" 2>/dev/null; then
		log "$name (pid $pid) had already exited"
		return 0
	fi
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || {
			log "stopped $name (pid $pid)"
			return 0
		}
		sleep 0.1
	done
	log "$name (pid $pid) ignored SIG$sig for 30s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

APT_UPDATED=""
# apt_install PACKAGE...: installs Debian packages (root only).
apt_install() {
	is_root || die "missing $*; install them (apt-get install -y $*) or start the services yourself"
	command -v apt-get >/dev/null 2>&1 || die "missing $* and no apt-get to install them"
	if [[ -z "$APT_UPDATED" ]]; then
		log "apt-get update (to install $*)..."
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		APT_UPDATED=1
	fi
	log "apt-get install -y $* ..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
	log "installed $*"
}

# ---------------------------------------------------------------------------
# PostgreSQL.

pg_url() { echo "postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"; }

# pg_bin NAME: path of a PostgreSQL server binary, from PATH or the newest
# /usr/lib/postgresql/*/bin.
pg_bin() {
	local name="$1" dir
	if command -v "$name" >/dev/null 2>&1; then
		command -v "$name"
		return 0
	fi
	for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		if [[ -x "$dir/$name" ]]; then
			echo "$dir/$name"
			return 0
		fi
	done
	return 1
}

# pg_usable PORT: a PostgreSQL on 127.0.0.1:PORT lets user postgres in
# without a password (or at least accepts connections, without psql).
pg_usable() {
	local port="$1" psql_bin
	if psql_bin="$(pg_bin psql)"; then
		PGCONNECT_TIMEOUT=3 "$psql_bin" "$(pg_url "$port")" -Atqc 'select 1' >/dev/null 2>&1
	elif command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h 127.0.0.1 -p "$port" -t 3
	else
		port_open 127.0.0.1 "$port"
	fi
}

# as_pg_owner CMD...: runs CMD as the system user that owns started
# PostgreSQL servers (postgres refuses to run as root).
PG_OWNER=""
as_pg_owner() {
	# From the work folder: the caller's may not be readable by that user.
	(
		cd "$WORK_DIR"
		if [[ -z "$PG_OWNER" ]]; then
			"$@"
		elif command -v runuser >/dev/null 2>&1; then
			runuser -u "$PG_OWNER" -- "$@"
		else
			su -s /bin/sh "$PG_OWNER" -c "$(printf '%q ' "$@")"
		fi
	)
}

provide_postgres() {
	if ! forced postgres; then
		if [[ -n "${REGISTRY_TEST_POSTGRES_URL:-}" ]]; then
			log "PostgreSQL: using REGISTRY_TEST_POSTGRES_URL as given"
			return 0
		fi
		if pg_usable "$PG_DEFAULT_PORT"; then
			export REGISTRY_TEST_POSTGRES_URL
			REGISTRY_TEST_POSTGRES_URL="$(pg_url "$PG_DEFAULT_PORT")"
			log "PostgreSQL: using the server already running on 127.0.0.1:$PG_DEFAULT_PORT"
			return 0
		fi
		log "PostgreSQL: none usable on 127.0.0.1:$PG_DEFAULT_PORT; starting a throwaway one"
	else
		log "PostgreSQL: TEST_SERVICES_FORCE_START: starting a throwaway one"
	fi

	local initdb pg_ctl
	if ! initdb="$(pg_bin initdb)" || ! pg_ctl="$(pg_bin pg_ctl)"; then
		apt_install postgresql
		initdb="$(pg_bin initdb)" || die "initdb still missing after installing postgresql"
		pg_ctl="$(pg_bin pg_ctl)" || die "pg_ctl still missing after installing postgresql"
	fi

	if is_root; then
		PG_OWNER=postgres
		if ! id -u "$PG_OWNER" >/dev/null 2>&1; then
			log "PostgreSQL: creating system user $PG_OWNER (postgres will not run as root)"
			useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$PG_OWNER"
		fi
	fi

	work_dir
	local port data sock pid
	port="$(free_port)"
	data="$WORK_DIR/postgres"
	sock="$WORK_DIR/postgres-socket"
	mkdir -p "$data" "$sock"
	if [[ -n "$PG_OWNER" ]]; then
		chown "$PG_OWNER:" "$data" "$sock"
	fi
	chmod 0700 "$data"

	if ! as_pg_owner "$initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
		>"$WORK_DIR/postgres-initdb.log" 2>&1; then
		cat "$WORK_DIR/postgres-initdb.log" >&2
		die "initdb failed"
	fi
	if ! as_pg_owner "$pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
		-o "-p $port -c listen_addresses=127.0.0.1 -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null; then
		tail -n 30 "$data/server.log" >&2 || true
		die "PostgreSQL did not start"
	fi
	pid="$(head -n 1 "$data/postmaster.pid")"
	# SIGINT is PostgreSQL's "fast" shutdown: sessions ended, clean stop.
	on_exit "stop_pid PostgreSQL $pid INT"
	wait_until 30 "PostgreSQL on 127.0.0.1:$port" pg_usable "$port" || die "PostgreSQL on 127.0.0.1:$port does not accept connections"

	export REGISTRY_TEST_POSTGRES_URL
	REGISTRY_TEST_POSTGRES_URL="$(pg_url "$port")"
	log "PostgreSQL: started $("$pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (pid $pid, data in $data)"
}

# ---------------------------------------------------------------------------
# Redis.

# redis_ping PORT: Redis on 127.0.0.1:PORT answers PING.
redis_ping() {
	local port="$1" reply=""
	if command -v redis-cli >/dev/null 2>&1; then
		reply="$(timeout 3 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" || return 1
	else
		reply="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'PING\r\n' >&3 && head -n 1 <&3" 2>/dev/null)" || return 1
	fi
	[[ "${reply%$'\r'}" == *PONG ]]
}

provide_redis() {
	if ! forced redis; then
		if [[ -n "${REGISTRY_TEST_REDIS_URL:-}" ]]; then
			log "Redis: using REGISTRY_TEST_REDIS_URL as given"
			return 0
		fi
		if redis_ping "$REDIS_DEFAULT_PORT"; then
			export REGISTRY_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_DEFAULT_PORT/0"
			log "Redis: using the server already running on 127.0.0.1:$REDIS_DEFAULT_PORT"
			return 0
		fi
		log "Redis: none answering on 127.0.0.1:$REDIS_DEFAULT_PORT; starting a throwaway one"
	else
		log "Redis: TEST_SERVICES_FORCE_START: starting a throwaway one"
	fi

	if ! command -v redis-server >/dev/null 2>&1; then
		apt_install redis-server
		command -v redis-server >/dev/null 2>&1 || die "redis-server still missing after installing it"
	fi

	work_dir
	local port dir pid
	port="$(free_port)"
	dir="$WORK_DIR/redis"
	mkdir -p "$dir"
	if ! redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"; then
		die "redis-server did not start"
	fi
	if ! wait_until 10 "redis pidfile" test -s "$dir/redis.pid"; then
		tail -n 30 "$dir/redis.log" >&2 || true
		die "redis-server wrote no pidfile"
	fi
	pid="$(cat "$dir/redis.pid")"
	on_exit "stop_pid Redis $pid TERM"
	if ! wait_until 10 "Redis on 127.0.0.1:$port" redis_ping "$port"; then
		tail -n 30 "$dir/redis.log" >&2 || true
		die "Redis on 127.0.0.1:$port does not answer"
	fi

	export REGISTRY_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
	log "Redis: started $(redis-server --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$port (pid $pid)"
}

# ---------------------------------------------------------------------------
# Redis Cluster: three masters on free loopback ports, slots spread by
# redis-cli --cluster create. Always a throwaway one: a running cluster's
# node PIDs cannot be known.

# redis_cluster_ok PORT: the node on PORT sees the cluster state ok.
redis_cluster_ok() {
	timeout 3 redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

provide_redis_cluster() {
	if [[ -n "${REGISTRY_TEST_REDIS_CLUSTER_URL:-}" ]] && ! forced redis_cluster; then
		log "Redis Cluster: using REGISTRY_TEST_REDIS_CLUSTER_URL as given"
		return 0
	fi
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
			log "Redis Cluster: redis-server or redis-cli missing and cannot install them here; the cluster tests skip (they fail under REQUIRE_SERVICES=1)"
			return 0
		fi
		apt_install redis-server redis-tools
	fi

	work_dir
	local i port dir pid ports=() pids=() addrs=()
	for i in 1 2 3; do
		# A port can still be taken between the pick and the bind: a node
		# that does not come up is tried again on another port.
		local attempt started=""
		for attempt in 1 2 3; do
			port="$(free_cluster_port)"
			dir="$WORK_DIR/redis-cluster-$i-$attempt"
			mkdir -p "$dir"
			if ! redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
				--cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 2000 \
				--daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"; then
				log "Redis Cluster node $i did not start on 127.0.0.1:$port (attempt $attempt)"
				continue
			fi
			if ! wait_until 10 "redis cluster node $i pidfile" test -s "$dir/redis.pid"; then
				tail -n 30 "$dir/redis.log" >&2 || true
				log "Redis Cluster node $i wrote no pidfile on 127.0.0.1:$port (attempt $attempt)"
				continue
			fi
			pid="$(cat "$dir/redis.pid")"
			on_exit "stop_pid 'Redis Cluster node $i' $pid TERM"
			if ! wait_until 10 "Redis Cluster node $i on 127.0.0.1:$port" redis_ping "$port"; then
				tail -n 30 "$dir/redis.log" >&2 || true
				log "Redis Cluster node $i does not answer on 127.0.0.1:$port (attempt $attempt)"
				continue
			fi
			started=1
			break
		done
		[[ -n "$started" ]] || die "Redis Cluster node $i did not start in three attempts (logs above)"
		ports+=("$port")
		pids+=("$pid")
		addrs+=("127.0.0.1:$port")
	done
	if ! redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$WORK_DIR/redis-cluster-create.log" 2>&1; then
		cat "$WORK_DIR/redis-cluster-create.log" >&2
		die "redis-cli --cluster create failed"
	fi
	for port in "${ports[@]}"; do
		wait_until 30 "Redis Cluster state ok on 127.0.0.1:$port" redis_cluster_ok "$port" || die "the Redis Cluster did not reach state ok"
	done

	export REGISTRY_TEST_REDIS_CLUSTER_URL="redis://${addrs[0]}?addr=${addrs[1]}&addr=${addrs[2]}"
	export REGISTRY_TEST_REDIS_CLUSTER_PIDS="${pids[*]}"
	log "Redis Cluster: started three masters on ${addrs[*]} (pids ${pids[*]})"
}

# ---------------------------------------------------------------------------
# promtool (checks the metrics exposition, the alert rules and the scrape
# config). Not a server.

provide_promtool() {
	local bin
	if ! bin="$(command -v promtool)"; then
		if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
			log "promtool: missing and cannot install it here (needs root and apt-get: apt-get install -y prometheus); the promtool checks skip (they fail under REQUIRE_SERVICES=1)"
			return 0
		fi
		apt_install prometheus
		bin="$(command -v promtool)" || die "promtool still missing after installing prometheus"
	fi
	export REGISTRY_TEST_PROMTOOL="$bin"
	log "promtool: using $bin ($("$bin" --version 2>&1 | head -n 1))"
}

# ---------------------------------------------------------------------------
# Chromium (the registrar portal is checked in a headless browser). Not a
# server: the tests run it themselves, one process per page.

chromium_bin() {
	local c
	for c in "${REGISTRY_TEST_CHROMIUM:-}" chromium /usr/bin/chromium chromium-browser; do
		if [[ -n "$c" ]] && command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 1
}

provide_chromium() {
	local bin
	if ! bin="$(chromium_bin)"; then
		if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
			log "Chromium: missing and cannot install it here (needs root and apt-get); the headless browser tests skip (they fail under REQUIRE_SERVICES=1)"
			return 0
		fi
		log "Chromium: missing; installing Debian's chromium package"
		apt_install chromium
		bin="$(chromium_bin)" || die "chromium still missing after installing it"
	fi
	export REGISTRY_TEST_CHROMIUM="$bin"
	log "Chromium: using $bin ($("$bin" --version 2>/dev/null | head -n 1 || echo "version unknown"))"
}

# ---------------------------------------------------------------------------
# Knot DNS: an authoritative server for the rfc2136 DNS driver's tests.

# knot_bin NAME: path of a Knot binary (knotd lives in /usr/sbin).
knot_bin() {
	local name="$1" dir
	if command -v "$name" >/dev/null 2>&1; then
		command -v "$name"
		return 0
	fi
	for dir in /usr/sbin /usr/bin /usr/local/sbin; do
		if [[ -x "$dir/$name" ]]; then
			echo "$dir/$name"
			return 0
		fi
	done
	return 1
}

# knot_answers KDIG PORT ZONE...: the server on 127.0.0.1:PORT answers the
# SOA of every ZONE authoritatively.
knot_answers() {
	local kdig="$1" port="$2" zone out
	shift 2
	for zone in "$@"; do
		out="$("$kdig" @127.0.0.1 -p "$port" +tcp +time=1 +retry=0 +norecurse "$zone" SOA 2>/dev/null)" || return 1
		out="${out,,}"
		[[ "$out" == *"status: noerror"* && "$out" == *"flags: qr aa"* ]] || return 1
	done
}

provide_knot() {
	if [[ -n "${REGISTRY_TEST_DNS_SERVER:-}" ]] && ! forced knot; then
		log "Knot DNS: using REGISTRY_TEST_DNS_SERVER and its REGISTRY_TEST_DNS_* settings as given"
		return 0
	fi

	local knotd kdig
	if ! knotd="$(knot_bin knotd)" || ! kdig="$(knot_bin kdig)"; then
		if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
			log "Knot DNS: missing and cannot install it here (needs root and apt-get: apt-get install -y knot knot-dnsutils); the DNS server tests skip (they fail under REQUIRE_SERVICES=1)"
			return 0
		fi
		apt_install knot knot-dnsutils
		knotd="$(knot_bin knotd)" || die "knotd still missing after installing knot"
		kdig="$(knot_bin kdig)" || die "kdig still missing after installing knot-dnsutils"
	fi

	work_dir
	local port dir secret key zone zones=() conf pid
	port="$(free_port)"
	dir="$WORK_DIR/knot"
	mkdir -p "$dir/run" "$dir/db" "$dir/zones"
	secret="$(head -c 32 /dev/urandom | base64)"
	key="registry-test-key."
	# Zones: lowercase, one final dot, from a space- or comma-separated list.
	for zone in ${DNS_ZONES//,/ }; do
		zone="${zone,,}"
		zone="${zone%.}."
		[[ "$zone" =~ ^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+$ ]] || die "TEST_SERVICES_DNS_ZONES: invalid zone name $zone"
		zones+=("$zone")
	done
	((${#zones[@]} > 0)) || die "TEST_SERVICES_DNS_ZONES names no zone"

	conf="$dir/knot.conf"
	{
		cat <<-EOF
			server:
			    rundir: "$dir/run"
			    pidfile: "$dir/run/knot.pid"
			    listen: 127.0.0.1@$port
			    udp-workers: 1
			    tcp-workers: 2
			    background-workers: 1

			control:
			    listen: "$dir/run/knot.sock"

			database:
			    storage: "$dir/db"

			log:
			  - target: stderr
			    any: info

			key:
			  - id: $key
			    algorithm: hmac-sha256
			    secret: $secret

			acl:
			  - id: registry-test
			    key: $key
			    action: [transfer, update]

			template:
			  - id: default
			    storage: "$dir/zones"
			    file: "%s.zone"
			    acl: registry-test
			    semantic-checks: on
			    zonefile-sync: -1
			    zonefile-load: whole
			    journal-content: changes

			zone:
		EOF
		for zone in "${zones[@]}"; do
			printf '  - domain: %s\n' "$zone"
		done
	} >"$conf"
	# The key is a test secret, but keep it out of other users' reach.
	chmod 0600 "$conf"
	for zone in "${zones[@]}"; do
		cat >"$dir/zones/${zone}zone" <<-EOF
			\$ORIGIN $zone
			\$TTL 3600
			@  SOA  ns1.registry-test.invalid. hostmaster.registry-test.invalid. 1 3600 600 604800 60
			@  NS   ns1.registry-test.invalid.
		EOF
	done

	local knotc
	if knotc="$(knot_bin knotc)"; then
		if ! "$knotc" -c "$conf" conf-check >"$dir/conf-check.log" 2>&1; then
			cat "$dir/conf-check.log" >&2
			die "Knot DNS rejected its configuration $conf"
		fi
	fi

	"$knotd" -c "$conf" >"$dir/knotd.log" 2>&1 &
	pid=$!
	on_exit "stop_pid 'Knot DNS' $pid TERM"
	if ! wait_until 30 "Knot DNS on 127.0.0.1:$port" knot_answers "$kdig" "$port" "${zones[@]}"; then
		tail -n 30 "$dir/knotd.log" >&2 || true
		die "Knot DNS on 127.0.0.1:$port does not serve ${zones[*]}"
	fi

	export REGISTRY_TEST_DNS_SERVER="127.0.0.1:$port"
	export REGISTRY_TEST_DNS_TSIG_NAME="$key"
	export REGISTRY_TEST_DNS_TSIG_ALGORITHM="hmac-sha256"
	export REGISTRY_TEST_DNS_TSIG_SECRET="$secret"
	REGISTRY_TEST_DNS_ZONES="$(
		IFS=,
		echo "${zones[*]}"
	)"
	export REGISTRY_TEST_DNS_ZONES
	log "Knot DNS: started $("$knotd" --version 2>/dev/null | awk '{print $NF}') on 127.0.0.1:$port (pid $pid) for ${zones[*]}"
}

# ---------------------------------------------------------------------------
# ShellCheck is not a service, but `make lint` requires it: installed here too
# (through scripts/install-tools.sh) so that a machine that ran the tests can lint.

provide_shellcheck() {
	if command -v shellcheck >/dev/null 2>&1; then
		return 0
	fi
	if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
		log "shellcheck: missing and cannot install it here (needs root and apt-get); make lint will refuse until it is installed"
		return 0
	fi
	"$(dirname "${BASH_SOURCE[0]}")/install-tools.sh" shellcheck
}

# ---------------------------------------------------------------------------

if (($# == 0)); then
	die "usage: $0 COMMAND [ARG...]   (e.g. $0 go test ./...)"
fi

for service in "${SERVICES[@]}"; do
	"provide_$service"
done

log "running: $*"
set +e
"$@"
status=$?
set -e
exit "$status"
