// Package redis implements ports.RateCounter on Redis, so that every node of
// the registry shares one set of fixed-window rate-limit counters.
//
// # One round trip
//
// Each Incr is a single Lua script (EVALSHA, falling back to EVAL when the
// server answers NOSCRIPT) that runs INCR and, on the first increment of a
// key, PEXPIRE. The script runs atomically on the server, so concurrent
// requests on any number of nodes see distinct, gap-free counts and a key
// never lives without its expiry.
//
// # Keys and Redis Cluster
//
// The core builds the whole key, window start included, and puts the channel
// id inside a hash tag ("rl:{ch_123}:key:cmd:29650000"), so every counter of a
// channel lands on one cluster slot. This package keeps the key exactly as
// given; the optional prefix (WithKeyPrefix) is prepended unchanged and may
// not contain '{' or '}', because Redis Cluster hashes the first "{...}" of a
// key and a brace in the prefix would steal the caller's hash tag.
//
// # Failing open
//
// When Redis errors or does not answer within the operation timeout, Incr
// does not fail the request: it counts in a small in-process fixed-window
// counter instead and logs a warning, at most once per warning interval. A
// registry that stays available to registrars during a Redis outage is worth
// more than exact limits for its duration; meanwhile limits still hold, but per
// node rather than across the fleet. After a failure Redis is skipped for the
// retry interval (so an unreachable Redis costs at most one bounded call per
// interval, not one per request); then one request probes it again, and the
// first answer switches every request back to the shared counters. Ping
// reports the outage, so /readyz can still show it.
package redis
