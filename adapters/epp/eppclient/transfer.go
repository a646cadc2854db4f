package eppclient

import "fmt"

// TransferDomainXML is a domain <transfer> with op query, request, approve,
// reject or cancel (RFC 5731 §3.1.3, §3.2.4); authInfo and years go with a
// request (years 0 sends no period).
func TransferDomainXML(op, name, authInfo string, years int) string {
	s := `<transfer op="` + Escape(op) + `"><domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>` +
		Escape(name) + `</domain:name>`
	if years > 0 {
		s += `<domain:period unit="y">` + fmt.Sprint(years) + `</domain:period>`
	}
	if authInfo != "" {
		s += `<domain:authInfo><domain:pw>` + Escape(authInfo) + `</domain:pw></domain:authInfo>`
	}
	return s + `</domain:transfer></transfer>`
}

// InfoDomainAuthXML is a <domain:info> of name with the registration's
// authorization code, as a registrar that does not sponsor it sends it.
func InfoDomainAuthXML(name, authInfo string) string {
	return `<info><domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name hosts="all">` +
		Escape(name) + `</domain:name><domain:authInfo><domain:pw>` + Escape(authInfo) +
		`</domain:pw></domain:authInfo></domain:info></info>`
}

// UpdateDomainAuthXML changes a domain's authorization code ("" unsets it).
func UpdateDomainAuthXML(name, authInfo string) string {
	return `<update><domain:update xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>` + Escape(name) +
		`</domain:name><domain:chg><domain:authInfo><domain:pw>` + Escape(authInfo) +
		`</domain:pw></domain:authInfo></domain:chg></domain:update></update>`
}
