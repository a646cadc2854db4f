package rfc2136

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/headlessdomains/registry/core"
)

// managedTypes are the RR types of core.RecordTypes.
var managedTypes = map[uint16]string{
	dns.TypeA:     "A",
	dns.TypeAAAA:  "AAAA",
	dns.TypeCNAME: "CNAME",
	dns.TypeMX:    "MX",
	dns.TypeTXT:   "TXT",
	dns.TypeCAA:   "CAA",
	dns.TypeSRV:   "SRV",
}

func managedType(t uint16) bool { _, ok := managedTypes[t]; return ok }

// maxTXTString is the longest character string of a TXT record (RFC 1035 §3.3).
const maxTXTString = 255

// owner turns a relative owner ("@", "www") into a fully qualified name.
func owner(apex, rel string) string {
	if rel == "@" || rel == "" {
		return apex
	}
	return strings.ToLower(rel) + "." + apex
}

// toRRs converts normalized records to RRs, refusing RRsets whose records
// disagree on the TTL (RFC 2181 §5.2).
func toRRs(apex string, recs []core.Record) ([]dns.RR, error) {
	type key struct{ owner, typ string }
	ttls := map[key]int{}
	out := make([]dns.RR, 0, len(recs))
	for i, r := range recs {
		k := key{r.Name, r.Type}
		if ttl, ok := ttls[k]; ok && ttl != r.TTL {
			return nil, core.Invalid(fmt.Sprintf("records[%d].ttl", i),
				"the %s records at %q must share one TTL (RFC 2181 §5.2); got %d and %d", r.Type, r.Name, ttl, r.TTL)
		}
		ttls[k] = r.TTL
		rr, err := toRR(apex, r)
		if err != nil {
			return nil, core.Invalid(fmt.Sprintf("records[%d]", i), "%s", err.Error())
		}
		out = append(out, rr)
	}
	return out, nil
}

// toRR converts one normalized record.
func toRR(apex string, r core.Record) (dns.RR, error) {
	hdr := dns.RR_Header{Name: owner(apex, r.Name), Class: dns.ClassINET, Ttl: uint32(r.TTL)}
	prio := func() (uint16, error) {
		if r.Priority == nil || *r.Priority < 0 || *r.Priority > 65535 {
			return 0, fmt.Errorf("%s records need a priority from 0 to 65535", r.Type)
		}
		return uint16(*r.Priority), nil
	}
	switch r.Type {
	case "A":
		ip, err := netip.ParseAddr(r.Value)
		if err != nil || !ip.Is4() {
			return nil, fmt.Errorf("A records need an IPv4 address")
		}
		hdr.Rrtype = dns.TypeA
		return &dns.A{Hdr: hdr, A: net.IP(ip.AsSlice())}, nil
	case "AAAA":
		ip, err := netip.ParseAddr(r.Value)
		if err != nil || !ip.Is6() {
			return nil, fmt.Errorf("AAAA records need an IPv6 address")
		}
		hdr.Rrtype = dns.TypeAAAA
		b := ip.As16()
		return &dns.AAAA{Hdr: hdr, AAAA: net.IP(b[:])}, nil
	case "CNAME":
		hdr.Rrtype = dns.TypeCNAME
		return &dns.CNAME{Hdr: hdr, Target: host(r.Value)}, nil
	case "MX":
		p, err := prio()
		if err != nil {
			return nil, err
		}
		hdr.Rrtype = dns.TypeMX
		return &dns.MX{Hdr: hdr, Preference: p, Mx: host(r.Value)}, nil
	case "TXT":
		hdr.Rrtype = dns.TypeTXT
		return &dns.TXT{Hdr: hdr, Txt: txtStrings(r.Value)}, nil
	case "SRV":
		p, err := prio()
		if err != nil {
			return nil, err
		}
		f := strings.Fields(r.Value)
		if len(f) != 3 {
			return nil, fmt.Errorf(`SRV values are "weight port target"`)
		}
		weight, err1 := strconv.ParseUint(f[0], 10, 16)
		port, err2 := strconv.ParseUint(f[1], 10, 16)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("SRV weight and port are 0 to 65535")
		}
		hdr.Rrtype = dns.TypeSRV
		return &dns.SRV{Hdr: hdr, Priority: p, Weight: uint16(weight), Port: uint16(port), Target: host(f[2])}, nil
	case "CAA":
		f := strings.SplitN(r.Value, " ", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf(`CAA values are "flags tag value"`)
		}
		flags, err := strconv.ParseUint(f[0], 10, 8)
		if err != nil {
			return nil, fmt.Errorf("CAA flags are 0 to 255")
		}
		hdr.Rrtype = dns.TypeCAA
		return &dns.CAA{Hdr: hdr, Flag: uint8(flags), Tag: strings.ToLower(f[1]), Value: escape(caaValue(f[2]))}, nil
	}
	return nil, fmt.Errorf("type %s is not managed by the registry", r.Type)
}

// fromRR converts an RR of the zone into a record of the registration at
// apex; ok is false for RRs that are not the registration's records (other
// owners, unmanaged types, the delegation).
func fromRR(apex string, rr dns.RR) (core.Record, bool) {
	h := rr.Header()
	typ, managed := managedTypes[h.Rrtype]
	name := strings.ToLower(h.Name)
	if !managed || h.Class != dns.ClassINET || !inside(apex, name) {
		return core.Record{}, false
	}
	r := core.Record{Type: typ, Name: "@", TTL: int(h.Ttl)}
	if name != apex {
		r.Name = strings.TrimSuffix(name, "."+apex)
	}
	prio := func(p uint16) *int { v := int(p); return &v }
	switch v := rr.(type) {
	case *dns.A:
		ip, ok := netip.AddrFromSlice(v.A.To4())
		if !ok {
			return core.Record{}, false
		}
		r.Value = ip.String()
	case *dns.AAAA:
		ip, ok := netip.AddrFromSlice(v.AAAA.To16())
		if !ok {
			return core.Record{}, false
		}
		r.Value = ip.String()
	case *dns.CNAME:
		r.Value = hostValue(v.Target)
	case *dns.MX:
		r.Priority, r.Value = prio(v.Preference), hostValue(v.Mx)
	case *dns.TXT:
		var b strings.Builder
		for _, s := range v.Txt {
			b.WriteString(unescape(s))
		}
		r.Value = b.String()
	case *dns.SRV:
		r.Priority = prio(v.Priority)
		r.Value = strconv.Itoa(int(v.Weight)) + " " + strconv.Itoa(int(v.Port)) + " " + hostValue(v.Target)
	case *dns.CAA:
		// miekg/dns unpacks a CAA value raw (no escapes).
		r.Value = strconv.Itoa(int(v.Flag)) + " " + strings.ToLower(v.Tag) + " " + strconv.Quote(v.Value)
	default:
		return core.Record{}, false
	}
	return r, true
}

// sortRecords orders records as core.NormalizeRecords does.
func sortRecords(rs []core.Record) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Name != rs[j].Name {
			return rs[i].Name < rs[j].Name
		}
		if rs[i].Type != rs[j].Type {
			return rs[i].Type < rs[j].Type
		}
		return rs[i].Value < rs[j].Value
	})
}

// host makes a normalized host name (or ".") fully qualified.
func host(s string) string {
	if s == "." {
		return "."
	}
	return strings.ToLower(dns.Fqdn(s))
}

// hostValue is a target as the registry writes it: lowercase, no final dot
// (the root stays ".").
func hostValue(s string) string {
	if s == "." {
		return "."
	}
	return strings.TrimSuffix(strings.ToLower(s), ".")
}

// txtStrings splits a TXT value into character strings of at most 255
// bytes, escaped for miekg/dns (which reads backslash escapes when packing).
func txtStrings(v string) []string {
	out := []string{}
	for len(v) > maxTXTString {
		out = append(out, escape(v[:maxTXTString]))
		v = v[maxTXTString:]
	}
	return append(out, escape(v))
}

// caaValue takes the quoted value of a normalized CAA record apart.
func caaValue(s string) string {
	s = strings.TrimSpace(s)
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// escape protects backslashes, which miekg/dns reads as escapes when it
// packs TXT strings and CAA values.
func escape(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// unescape undoes miekg/dns's presentation escapes of an unpacked TXT
// string: \DDD is a byte, \X is X.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b = append(b, byte(n))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
