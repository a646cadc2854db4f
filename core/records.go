package core

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Record limits.
const (
	MaxRecords    = 100
	MinTTL        = 60
	MaxTTL        = 86400
	DefaultTTL    = 3600
	MaxTXTLength  = 4096
	maxOwnerDepth = 10
)

// RecordTypes are the types the registry manages, in display order.
var RecordTypes = []string{"A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV"}

// NormalizeRecords validates a whole replacement set for the registration
// name and returns it normalized: upper-case types, owner names relative to
// the registration ("@" the apex), host names lowercase without final dot,
// TTL defaulted, sorted for stable comparison.
func NormalizeRecords(name Name, in []Record) ([]Record, error) {
	if len(in) > MaxRecords {
		return nil, Invalid("records", "at most %d records are allowed, got %d", MaxRecords, len(in))
	}
	out := make([]Record, 0, len(in))
	owners := map[string][]string{}
	for i, r := range in {
		field := fmt.Sprintf("records[%d]", i)
		n, err := normalizeRecord(name, r, field)
		if err != nil {
			return nil, err
		}
		owners[n.Name] = append(owners[n.Name], n.Type)
		out = append(out, n)
	}
	for owner, types := range owners {
		cnames := 0
		for _, t := range types {
			if t == "CNAME" {
				cnames++
			}
		}
		if cnames > 0 && len(types) > 1 {
			return nil, Invalid("records", "a CNAME must be the only record at %q", owner)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Value < out[j].Value
	})
	for i := 1; i < len(out); i++ {
		a, b := out[i-1], out[i]
		if a.Name == b.Name && a.Type == b.Type && a.TTL != b.TTL {
			return nil, Invalid("records", "the %s records at %q must share one TTL (RFC 2181 §5.2)", a.Type, a.Name)
		}
		if a.Name == b.Name && a.Type == b.Type && a.Value == b.Value && intPtrEq(a.Priority, b.Priority) {
			return nil, Invalid("records", "duplicate %s record at %q", a.Type, a.Name)
		}
	}
	return out, nil
}

func intPtrEq(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func normalizeRecord(name Name, r Record, field string) (Record, error) {
	r.Type = strings.ToUpper(strings.TrimSpace(r.Type))
	if !slices.Contains(RecordTypes, r.Type) {
		return Record{}, Invalid(field+".type", "type must be one of %s", strings.Join(RecordTypes, ", "))
	}
	owner, err := relativeOwner(name, r.Name, r.Type)
	if err != nil {
		return Record{}, Invalid(field+".name", "%s", err.Error())
	}
	r.Name = owner
	if r.TTL == 0 {
		r.TTL = DefaultTTL
	}
	if r.TTL < MinTTL || r.TTL > MaxTTL {
		return Record{}, Invalid(field+".ttl", "ttl must be from %d to %d seconds", MinTTL, MaxTTL)
	}
	needsPriority := r.Type == "MX" || r.Type == "SRV"
	if needsPriority {
		if r.Priority == nil {
			return Record{}, Invalid(field+".priority", "%s records need a priority from 0 to 65535", r.Type)
		}
		if *r.Priority < 0 || *r.Priority > 65535 {
			return Record{}, Invalid(field+".priority", "priority must be from 0 to 65535")
		}
		p := *r.Priority
		r.Priority = &p
	} else if r.Priority != nil {
		return Record{}, Invalid(field+".priority", "priority is only for MX and SRV records")
	}
	v, err := normalizeValue(r.Type, r.Value)
	if err != nil {
		return Record{}, Invalid(field+".value", "%s", err.Error())
	}
	r.Value = v
	if r.Type == "CNAME" && r.Name == "@" {
		return Record{}, Invalid(field+".name", "a CNAME cannot be at the apex of a registration")
	}
	return r, nil
}

// relativeOwner turns "@", "www", "www.alice.defiwallet." into a relative owner.
func relativeOwner(name Name, owner, typ string) (string, error) {
	o := strings.TrimSuffix(asciiLower(strings.TrimSpace(owner)), ".")
	zone := name.String()
	switch {
	case o == "" || o == "@" || o == zone:
		return "@", nil
	case strings.HasSuffix(o, "."+zone):
		o = strings.TrimSuffix(o, "."+zone)
	case strings.Contains(owner, zone) || strings.HasSuffix(strings.TrimSuffix(owner, "."), "."+name.Namespace()):
		return "", fmt.Errorf("owner %q is outside %s", truncate(owner), zone)
	}
	labels := strings.Split(o, ".")
	if len(labels) > maxOwnerDepth || len(o)+len(zone)+1 > 253 {
		return "", fmt.Errorf("owner %q is too long", truncate(owner))
	}
	for i, l := range labels {
		if l == "*" && i == 0 {
			continue
		}
		if strings.HasPrefix(l, "_") && (typ == "SRV" || typ == "TXT" || typ == "CNAME") {
			if err := checkLDH(strings.TrimPrefix(l, "_")); err != nil {
				return "", fmt.Errorf("owner %q has an invalid label", truncate(owner))
			}
			continue
		}
		a, _, err := idnaLabel(l)
		if err != nil {
			return "", fmt.Errorf("owner %q has an invalid label", truncate(owner))
		}
		labels[i] = a
	}
	return strings.Join(labels, "."), nil
}

func normalizeValue(typ, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch typ {
	case "A":
		ip, err := netip.ParseAddr(v)
		if err != nil || !ip.Is4() {
			return "", fmt.Errorf("A records need an IPv4 address")
		}
		return ip.String(), nil
	case "AAAA":
		ip, err := netip.ParseAddr(v)
		if err != nil || !ip.Is6() || ip.Is4In6() || ip.Zone() != "" {
			return "", fmt.Errorf("AAAA records need an IPv6 address")
		}
		return ip.String(), nil
	case "CNAME", "MX":
		h, err := ParseHostName("value", v)
		if err != nil {
			return "", fmt.Errorf("%s records need a host name target", typ)
		}
		return h, nil
	case "TXT":
		if v == "" || len(v) > MaxTXTLength {
			return "", fmt.Errorf("TXT records hold 1 to %d characters", MaxTXTLength)
		}
		for _, c := range v {
			if c < 0x20 || c == 0x7f {
				return "", fmt.Errorf("TXT records must not contain control characters")
			}
		}
		return v, nil
	case "SRV":
		f := strings.Fields(v)
		if len(f) != 3 {
			return "", fmt.Errorf(`SRV values are "weight port target", e.g. "5 5060 sip.example.com"`)
		}
		for _, n := range f[:2] {
			x, err := strconv.Atoi(n)
			if err != nil || x < 0 || x > 65535 {
				return "", fmt.Errorf("SRV weight and port are 0 to 65535")
			}
		}
		if f[2] == "." {
			return f[0] + " " + f[1] + " .", nil
		}
		h, err := ParseHostName("value", f[2])
		if err != nil {
			return "", fmt.Errorf("SRV target must be a host name")
		}
		return f[0] + " " + f[1] + " " + h, nil
	case "CAA":
		f := strings.SplitN(v, " ", 3)
		if len(f) != 3 {
			return "", fmt.Errorf(`CAA values are "flags tag value", e.g. "0 issue \"letsencrypt.org\""`)
		}
		flags, err := strconv.Atoi(f[0])
		if err != nil || flags < 0 || flags > 255 {
			return "", fmt.Errorf("CAA flags are 0 to 255")
		}
		tag := strings.ToLower(f[1])
		if tag != "issue" && tag != "issuewild" && tag != "iodef" {
			return "", fmt.Errorf("CAA tags are issue, issuewild or iodef")
		}
		val := strings.TrimSpace(f[2])
		if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
			val = strconv.Quote(val)
		}
		if len(val) > 255 {
			return "", fmt.Errorf("CAA value is too long")
		}
		return strconv.Itoa(flags) + " " + tag + " " + val, nil
	}
	return "", fmt.Errorf("unsupported type %s", typ)
}
