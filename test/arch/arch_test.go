// Package arch checks the dependency rule of the hexagonal layout with
// `go list -deps` over non-test packages: the core and the ports never reach
// an adapter, a driver or a transport.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/headlessdomains/registry"

// confusables is the UTS #39 confusables table (confusables.txt as a Go map
// and the NFD-map-NFD skeleton over golang.org/x/text/unicode/norm) that the
// core matches reserved and claim look-alikes with: pure data, no I/O, so it
// may sit in the core beside x/net/idna and x/text.
const confusables = "github.com/mtibben/confusables"

// coreLibrary reports whether dep is one of the libraries the core may use.
func coreLibrary(dep string) bool {
	return strings.HasPrefix(dep, "golang.org/x/net/idna") || strings.HasPrefix(dep, "golang.org/x/text/") || dep == confusables
}

// allowed reports whether a package of layer may depend on dep.
func allowed(layer, dep string, std map[string]bool) bool {
	if std[dep] {
		// net/http and database/sql are transports and drivers: not for the core.
		switch {
		case dep == "net/http", strings.HasPrefix(dep, "net/http/"), dep == "database/sql",
			strings.HasPrefix(dep, "database/sql/"), dep == "net/rpc", dep == "os/exec":
			return false
		}
		return true
	}
	switch {
	case dep == module+"/core":
		return true
	case layer == "core":
		return coreLibrary(dep)
	case layer == "ports":
		return false
	case layer == "registry":
		return dep == module+"/ports"
	}
	return false
}

func stdSet(t *testing.T) map[string]bool {
	cmd := exec.Command("go", "list", "std")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	m := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		m[l] = true
	}
	// vendored std dependencies
	for l := range m {
		m["vendor/"+l] = true
	}
	return m
}

func TestCoreAndPortsDependOnNothingOutside(t *testing.T) {
	std := stdSet(t)
	layers := map[string]string{
		module + "/core":          "core",
		module + "/ports":         "ports",
		module + "/core/registry": "registry",
	}
	for path, layer := range layers {
		cmd := exec.Command("go", "list", "-deps", path)
		cmd.Dir = "../.."
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", path, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			// Transitive dependencies of core count as the core's own (idna, text, confusables).
			if dep == path || coreLibrary(dep) {
				continue
			}
			if !allowed(layer, dep, std) {
				t.Errorf("%s (%s layer) must not depend on %s", path, layer, dep)
			}
		}
	}
}

func TestAdaptersNeverImportEachOther(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./adapters/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list adapters: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		self := f[0]
		own := adapterRoot(self)
		for _, imp := range f[1:] {
			if !strings.HasPrefix(imp, module+"/adapters/") {
				if strings.HasPrefix(imp, module+"/cmd") {
					t.Errorf("%s imports %s", self, imp)
				}
				continue
			}
			if adapterRoot(imp) != own {
				t.Errorf("adapter %s imports another adapter %s", self, imp)
			}
		}
	}
}

// adapterRoot is the adapter an import path belongs to: adapters/<name>.
func adapterRoot(p string) string {
	rest := strings.TrimPrefix(p, module+"/adapters/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func TestAllowedRule(t *testing.T) {
	std := map[string]bool{"fmt": true, "net/http": true, "database/sql": true}
	cases := []struct {
		layer, dep string
		want       bool
	}{
		{"core", "fmt", true},
		{"core", "net/http", false},
		{"core", "database/sql", false},
		{"core", module + "/ports", false},
		{"core", module + "/adapters/memory", false},
		{"core", "github.com/uptrace/bun", false},
		{"core", confusables, true},
		{"core", confusables + "/other", false},
		{"ports", confusables, false},
		{"ports", module + "/core", true},
		{"ports", module + "/adapters/http", false},
		{"registry", module + "/ports", true},
		{"registry", "github.com/redis/go-redis/v9", false},
		{"registry", "github.com/gorilla/mux", false},
	}
	for _, c := range cases {
		if got := allowed(c.layer, c.dep, std); got != c.want {
			t.Errorf("allowed(%s, %s) = %v, want %v", c.layer, c.dep, got, c.want)
		}
	}
}
