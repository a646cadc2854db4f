package portal

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/headlessdomains/registry/adapters/http/openapi"
	"github.com/headlessdomains/registry/core"
)

// chromium finds a headless-capable Chromium (REGISTRY_TEST_CHROMIUM, as
// scripts/test-services.sh exports it, or Debian's /usr/bin/chromium). It
// skips without one, unless REQUIRE_SERVICES=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("REGISTRY_TEST_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("REQUIRE_SERVICES") == "1" {
		t.Fatal("chromium is missing (REQUIRE_SERVICES=1): install Debian's chromium package or run scripts/test-services.sh as root")
	}
	t.Skip("chromium is missing: install Debian's chromium package (scripts/test-services.sh does as root)")
	return ""
}

// dumpDOM loads target in headless Chromium and returns the DOM after load.
// Chromium runs in its own process group, killed whole if it hangs.
func dumpDOM(t *testing.T, bin, target string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), "--dump-dom", target)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", target, err, stderr.String())
	}
	if stdout.Len() == 0 {
		t.Fatalf("chromium printed no DOM\n%s", stderr.String())
	}
	return stdout.Bytes()
}

// TestPortalInChromium renders the portal, served beside the documents it
// links to, in headless Chromium: every link answers 200 and the error table
// lists every catalog code.
func TestPortalInChromium(t *testing.T) {
	bin := chromium(t)
	mux := http.NewServeMux()
	mux.Handle(Path, Handler())
	for _, d := range openapi.Documents() {
		body, ct := d.Body, d.ContentType
		mux.HandleFunc(d.Path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(body)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	pageURL := srv.URL + Path
	d := parse(t, dumpDOM(t, bin, pageURL))
	checkRenderedPortal(t, d, pageURL)
}

func checkRenderedPortal(t *testing.T, d dom, pageURL string) {
	t.Helper()
	if title := elements(d.root, "title"); len(title) != 1 || text(title[0]) != "Registrar developer docs · HeadlessDomains Partners" {
		t.Errorf("rendered title: %v", title)
	}
	rows := tableRows(t, d, "error-catalog")
	for _, s := range core.Catalog() {
		if _, ok := rows[string(s.Code)]; !ok {
			t.Errorf("the rendered error table lacks %s", s.Code)
		}
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, a := range elements(d.root, "a") {
		href := attr(a, "href")
		if href == "" {
			t.Errorf("a link without href: %q", text(a))
			continue
		}
		ref, err := url.Parse(href)
		if err != nil {
			t.Errorf("href %q: %v", href, err)
			continue
		}
		target := base.ResolveReference(ref)
		if target.Fragment != "" {
			if _, ok := d.ids[target.Fragment]; !ok {
				t.Errorf("link %q points at no element", href)
			}
			target.Fragment = ""
		}
		if checked[target.String()] {
			continue
		}
		checked[target.String()] = true
		res, err := http.Get(target.String())
		if err != nil {
			t.Errorf("GET %s: %v", target, err)
			continue
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("link %q answers %d", href, res.StatusCode)
		}
	}
	if len(checked) < len(Links())+1 {
		t.Errorf("only %d distinct link targets checked", len(checked))
	}
}
