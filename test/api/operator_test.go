package api

import (
	"net/http"
	"time"

	"github.com/headlessdomains/registry/core"
)

// opDo sends an operator call (validated against the operator document)
// and fails the test unless it answers want.
func (e *env) opDo(method, path string, body any, want int) map[string]any {
	e.t.Helper()
	return e.must(want, e.do(req(method, opBase+path, operatorToken, body)))
}

// nsSpec describes a namespace; zero fields take defaults.
type nsSpec struct {
	Name     string // default: a unique label
	Backend  string // default: memory
	Create   int64  // default 100
	Renew    int64  // default 80
	Reserved []string
	Claims   []string
}

// namespace creates a namespace through the operator API and answers its name.
func (e *env) namespace(s nsSpec) string {
	e.t.Helper()
	if s.Name == "" {
		s.Name = e.unique("space")
	}
	if s.Backend == "" {
		s.Backend = core.DNSBackendMemory
	}
	if s.Create == 0 {
		s.Create = 100
	}
	if s.Renew == 0 {
		s.Renew = 80
	}
	body := map[string]any{"name": s.Name, "dns_backend": s.Backend, "create_price_gems": s.Create,
		"renew_price_gems": s.Renew, "reserved_labels": nonNil(s.Reserved), "claim_labels": nonNil(s.Claims)}
	ns := e.opDo("POST", "/namespaces", body, http.StatusCreated)
	return ns["name"].(string)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// registrar is one registrar admitted through the operator API.
type registrar struct {
	PartnerID string
	ChannelID string
	Slug      string
	Namespace string // the namespace it was admitted for
	KeyID     string
	Token     string
}

// regSpec tunes admit; the zero value is a production-approved channel of a
// partner with 10,000 Gems and the DNS module, approved for one fresh
// memory-backed namespace (create 100, renew 80), with a registrar_api key.
type regSpec struct {
	Gems           int64 // default 10,000
	NoDNSModule    bool
	Pending        bool   // leave the channel pending
	NoProduction   bool   // no production approval
	Namespace      string // list this existing namespace instead of creating one
	NS             nsSpec // the namespace to create when Namespace is ""
	NoListing      bool
	PendingListing bool
	Scopes         []string // explicit scopes instead of the registrar_api profile
	Unbound        bool     // the key is not bound to the channel
}

// admit walks the operator API to admit a registrar.
func (e *env) admit(s regSpec) registrar {
	e.t.Helper()
	if s.Gems == 0 {
		s.Gems = 10_000
	}
	var r registrar
	p := e.opDo("POST", "/partners", map[string]any{"name": e.unique("Partner "), "gems_balance": s.Gems,
		"dns_module_enabled": !s.NoDNSModule}, http.StatusCreated)
	r.PartnerID = p["id"].(string)
	r.Namespace = s.Namespace
	if r.Namespace == "" {
		r.Namespace = e.namespace(s.NS)
	}
	ch := e.opDo("POST", "/registrar-channels", map[string]any{"partner_id": r.PartnerID, "slug": e.unique("chan-")}, http.StatusCreated)
	r.ChannelID, r.Slug = ch["id"].(string), ch["slug"].(string)
	if ch["status"] != "pending" {
		e.t.Fatalf("a new channel is %v, want pending", ch["status"])
	}
	if !s.Pending {
		e.opDo("POST", "/registrar-channels/"+r.ChannelID+"/approve", nil, http.StatusOK)
	}
	if !s.NoProduction {
		e.opDo("POST", "/registrar-channels/"+r.ChannelID+"/production-approval", map[string]any{"force": true}, http.StatusOK)
	}
	if !s.NoListing {
		e.list(r.ChannelID, r.Namespace, !s.PendingListing)
	}
	body := map[string]any{"partner_id": r.PartnerID}
	if !s.Unbound {
		body["registrar_channel_id"] = r.ChannelID
	}
	if len(s.Scopes) > 0 {
		body["scopes"] = s.Scopes
	} else {
		body["profile"] = core.ProfileRegistrarAPI
	}
	k := e.opDo("POST", "/api-keys", body, http.StatusCreated)
	r.KeyID, r.Token = k["id"].(string), k["token"].(string)
	return r
}

// list adds (and approves) a channel's listing for a namespace.
func (e *env) list(channelID, ns string, approve bool) {
	e.t.Helper()
	e.opDo("POST", "/registrar-channels/"+channelID+"/namespace-listings", map[string]any{"namespace": ns}, http.StatusCreated)
	if approve {
		e.opDo("POST", "/registrar-channels/"+channelID+"/namespace-listings/"+ns+"/approve", nil, http.StatusOK)
	}
}

// balance reads a partner's Gems through the operator API.
func (e *env) balance(partnerID string) int64 {
	e.t.Helper()
	p := e.opDo("GET", "/partners/"+partnerID, nil, http.StatusOK)
	return int64(p["gems_balance"].(float64))
}

// importDomain imports a legacy registration through the operator API.
func (e *env) importDomain(channelID, name string, protected bool) map[string]any {
	e.t.Helper()
	return e.opDo("POST", "/domains/import", map[string]any{"domain": name, "registrar_channel_id": channelID,
		"expires_at": e.clock.Now().AddDate(2, 0, 0).Format(time.RFC3339), "registrant": registrant(),
		"protected_legacy": protected}, http.StatusCreated)
}

// registrant is a complete, valid registrant.
func registrant() map[string]any {
	return map[string]any{"name": "Alice Example", "organization": "Example Wallet Ltd", "email": "alice@example.com",
		"phone": "+1.5555551234", "country": "US", "metadata": map[string]string{"customer_ref": "cust-1"}}
}

// --- registrar calls ----------------------------------------------------------

// get sends a registrar GET.
func (e *env) get(r registrar, path string) resp {
	e.t.Helper()
	return e.do(req("GET", regBase+path, r.Token, nil))
}

// send sends a registrar call with a body; kv are header pairs.
func (e *env) send(r registrar, method, path string, body any, kv ...string) resp {
	e.t.Helper()
	return e.do(req(method, regBase+path, r.Token, body, kv...))
}

// create registers name for r (one year, production) and answers the domain object.
func (e *env) create(r registrar, name, key string) map[string]any {
	e.t.Helper()
	b := e.must(http.StatusCreated, e.send(r, "POST", "/domains", map[string]any{"domain": name, "registrant": registrant()},
		"Idempotency-Key", key))
	return b["domain"].(map[string]any)
}
