// Command dump writes the OpenAPI documents exactly as registryd serves
// them (registrar and operator API) into a folder, for the linters and
// client generators that make lint runs (tools/openapi-lint/lint.sh).
//
//	go run ./tools/openapi-lint/dump DIR
//
// It asks the real HTTP handler for each document, so what is linted is
// what a registrar downloads.
package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	httpadapter "github.com/headlessdomains/registry/adapters/http"
	"github.com/headlessdomains/registry/adapters/http/openapi"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dump DIR")
		os.Exit(2)
	}
	if err := dump(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "dump:", err)
		os.Exit(1)
	}
}

func dump(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The documents are served without authentication and reach neither
	// service, so none is needed here.
	h := httpadapter.NewServer(nil, nil, zerolog.Nop(), httpadapter.Options{}).Handler()
	for file, path := range map[string]string{
		"registrar.json": openapi.RegistrarDocPath,
		"operator.json":  openapi.OperatorDocPath,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET %s answered %d: %s", path, rec.Code, rec.Body.String())
		}
		if err := os.WriteFile(filepath.Join(dir, file), rec.Body.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Printf("dump: %s → %s\n", path, filepath.Join(dir, file))
	}
	return nil
}
