// Package portstest holds the contract suites that every implementation of a
// driven port runs from its own tests, so that the memory adapter and the SQL
// adapters are held to one set of semantics:
//
//	func TestStore(t *testing.T) {
//		portstest.UnitOfWork(t, func(t *testing.T) ports.UnitOfWork { return memory.NewStore() })
//	}
//
// The suites use fresh, unique ids and names in every subtest, so they can run
// against a shared database. Time-dependent queries (Pending.Claim,
// Idempotency.DeleteBefore) use instants far in the past that move further
// back on every call, so rows left by earlier runs never match them.
//
// Beyond what ports/store.go states, the suites pin down these choices:
//   - every Insert refuses an existing primary key with ports.ErrDuplicate;
//   - nil and empty slices and maps are interchangeable, nil and non-nil
//     pointers are not; JSON summaries and payloads round-trip as JSON does
//     (numbers may come back as float64);
//   - Ledger.ListByPartner answers oldest first; Namespaces.List and
//     Listings.ListByChannel are compared as sets;
//   - Domains.Update refuses (ErrDuplicate) to make a cancelled row live again
//     while another live row holds the name;
//   - Idempotency.Complete of a record never reserved answers ErrNotFound;
//   - a panic inside Do may propagate or come back as an error, but nothing
//     is written and the store stays usable.
//
// The package is imported by tests only.
package portstest
