// Package migrations holds the registry schema as SQL files embedded in the
// binary, one folder per database because PostgreSQL and SQLite DDL differ:
// postgres/ and sqlite/ carry migrations with the same names, so both
// databases walk the same history. Files follow bun's naming,
// YYYYMMDDHHMMSS_name.tx.up.sql / .tx.down.sql (tx: each file runs in one
// transaction), with statements separated by "--bun:split" lines.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Postgres returns the PostgreSQL migrations.
func Postgres() (*migrate.Migrations, error) { return discover("postgres") }

// SQLite returns the SQLite migrations.
func SQLite() (*migrate.Migrations, error) { return discover("sqlite") }

// discover reads one folder of the embedded files, never the source tree, so
// that a deployed binary carries its schema.
func discover(dir string) (*migrate.Migrations, error) {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %s: %w", dir, err)
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		return nil, fmt.Errorf("migrations: %s: %w", dir, err)
	}
	return m, nil
}
