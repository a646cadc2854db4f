package rdap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/headlessdomains/registry/test/chromium"
)

// TestLookupPageInChromium types names into the /lookup page in headless
// Chromium and presses Enter, as a visitor would: a registered name shows
// its status, expiry, registrar and nameservers; a free one says it is not
// registered; one in a namespace served elsewhere says so. The page's CSP
// is in force throughout (Chromium applies it), so a style or script it
// blocked would show up as a missing or unstyled answer.
func TestLookupPageInChromium(t *testing.T) {
	bin := chromium.Find(t)
	w := published(t)
	b := chromium.Launch(t, bin)
	b.Open(w.srv.URL + "/lookup")
	b.WaitFor(`document.readyState === "complete" && document.querySelector("form input[name=name]")`, time.Minute)

	type shown struct {
		Result, Answer, Status, Expires, Registrar, Nameservers, Search string
		Styled                                                          bool
	}
	lookup := func(name string) shown {
		t.Helper()
		b.Focus("#name")
		b.Eval(`document.querySelector("#name").select()`, nil) // typing replaces what the field held
		b.Type(name)
		b.PressEnter()
		b.WaitFor(`document.readyState === "complete" && document.querySelector("#result") && `+
			`new URLSearchParams(location.search).get("name") === `+jsString(name), time.Minute)
		var s shown
		b.Eval(`(() => {
			const text = id => { const e = document.getElementById(id); return e ? e.innerText.trim().replace(/\s+/g, " ") : "" };
			const r = document.querySelector("#result");
			return {Result: r.dataset.result, Answer: text("answer"), Status: text("status"), Expires: text("expires"),
				Registrar: text("registrar"), Nameservers: text("nameservers"), Search: location.search,
				Styled: getComputedStyle(r).borderLeftWidth === "6px"};
		})()`, &s)
		return s
	}

	s := lookup("alice.defiwallet")
	if s.Result != "registered" || s.Answer != "alice.defiwallet is registered" || s.Status != "add period" ||
		!strings.Contains(s.Registrar, "Registrar acme-registrar Ltd") || !strings.Contains(s.Registrar, "acme-registrar") ||
		!strings.HasPrefix(s.Expires, "2028-03-14") || s.Nameservers != "ns1.example.net ns2.example.net" {
		t.Errorf("alice: %+v", s)
	}
	if !s.Styled {
		t.Errorf("the stylesheet did not apply (blocked by the CSP?)")
	}
	s = lookup("REDEEM.defiwallet")
	if s.Result != "registered" || s.Status != "pending delete, redemption period" || s.Nameservers != "none published" {
		t.Errorf("redeem: %+v", s)
	}
	s = lookup("münchen.defiwallet")
	if s.Result != "registered" || s.Answer != "münchen.defiwallet is registered" {
		t.Errorf("münchen: %+v", s)
	}
	s = lookup("nobody.defiwallet")
	if s.Result != "available" || s.Answer != "nobody.defiwallet is not registered" {
		t.Errorf("nobody: %+v", s)
	}
	s = lookup("alice.elsewhere")
	if s.Result != "not_served" || s.Answer != "alice.elsewhere is not served here" {
		t.Errorf("elsewhere: %+v", s)
	}
	s = lookup("bad_name.defiwallet")
	if s.Result != "error" || !strings.Contains(s.Answer, "not a valid domain name") {
		t.Errorf("bad name: %+v", s)
	}
	var body string
	b.Eval(`document.body.innerText`, &body)
	for _, secret := range secrets {
		if strings.Contains(strings.ToLower(body), strings.ToLower(secret)) {
			t.Errorf("the page shows %q", secret)
		}
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
