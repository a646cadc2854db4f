// Package rfc2136 is the DNS backend driver for any authoritative server that
// accepts RFC 2136 dynamic updates signed with TSIG (RFC 8945): Knot DNS,
// BIND 9, PowerDNS, ... It writes with UPDATE messages and reads with a
// TSIG-signed zone transfer (AXFR), using github.com/miekg/dns.
//
// # Where a registration's data lives
//
// A namespace (e.g. defiwallet) is one zone on the server, "defiwallet." by
// default. Everything of the registration alice.defiwallet lives in that
// zone, at alice.defiwallet. and the names below it:
//
//   - its records (A, AAAA, CNAME, MX, TXT, CAA, SRV), written by
//     ReplaceRecords (PUT /domains/{domain}/records) at the apex and below;
//   - its delegation, the NS RRset at alice.defiwallet., written by
//     SetDelegation (the apply worker, from the registration's nameservers).
//
// The two never touch each other: ReplaceRecords deletes and adds only the
// seven record types the registry manages and never the NS RRset at the apex;
// SetDelegation replaces only that NS RRset.
//
// Without nameservers the parent server answers for the registration's
// names itself, authoritatively, from those records. With nameservers,
// alice.defiwallet. is a zone cut: the delegation takes precedence and the
// server answers every name at and below it with a referral to those
// nameservers (RFC 1034 §4.2.1). The records stay in the zone, occluded:
// they are still read and replaced through the API, and the address records
// of in-bailiwick nameservers (ns1.alice.defiwallet A ...) serve as their
// glue. Withdrawing the delegation makes the records answer again.
//
// # Writes
//
// ReplaceRecords reads the zone (AXFR), then sends ONE update: its
// prerequisite is the SOA the transfer saw (RFC 2136 §2.4.2, value
// dependent), then it deletes every managed RRset at every owner of the
// registration and adds the new set. A server applies an update message
// atomically, and the prerequisite makes it fail rather than clobber a
// change made since the read; the driver then reads again and retries (a
// few times). SetDelegation sends one update that deletes the NS RRset at
// the apex and adds the new one (none: the delegation is withdrawn).
//
// Records of one type at one name form an RRset and share one TTL (RFC 2181
// §5.2): a set giving them different TTLs is refused as a validation error,
// as is a set that does not fit in one DNS message (64 KiB). TXT values
// longer than 255 bytes are split into several character strings and joined
// again when read.
//
// # Errors
//
// A server that does not answer (connection refused, timeout, reset,
// SERVFAIL) gives an error that wraps ports.ErrUnavailable: retry later. A
// server that answers with a refusal (REFUSED, NOTAUTH with a TSIG error such
// as BADSIG or BADKEY, NOTZONE, ...) gives an *RcodeError naming the rcode
// and its likely cause, e.g. "dns update refused: NOTAUTH (TSIG BADSIG: the
// server rejected the key's signature; check the TSIG secret)": retrying does
// not help.
//
// # Configuration
//
// Settings come from the environment (FromEnv), never from the database:
// REGISTRY_DNS_RFC2136_SERVER, _TSIG_NAME, _TSIG_ALGORITHM, _TSIG_SECRET and
// _TIMEOUT serve every namespace whose backend is rfc2136, each in the zone
// named after it (namespace defiwallet, zone "defiwallet."), and
// REGISTRY_DNS_<NAMESPACE>_SERVER, _TSIG_NAME, _TSIG_ALGORITHM, _TSIG_SECRET
// and _TIMEOUT override them field by field for one namespace (<NAMESPACE>
// upper-cased, "-" written "_"; a namespace named rfc2136 has no overrides
// of its own). Nothing but the TSIG secret is secret, and no error, log line
// or String() of a Config ever contains it.
package rfc2136
