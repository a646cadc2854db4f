package portstest

import (
	"testing"

	"github.com/headlessdomains/registry/ports"
)

// UnitOfWork runs the store contract against the implementation newUoW
// returns. newUoW is called once per subtest; it may answer a fresh store or
// one shared store (the suite uses unique ids and names throughout).
func UnitOfWork(t *testing.T, newUoW func(t *testing.T) ports.UnitOfWork) {
	t.Helper()
	suites := []struct {
		name string
		run  func(t *testing.T, u ports.UnitOfWork)
	}{
		{"Partners", testPartners},
		{"Channels", testChannels},
		{"APIKeys", testAPIKeys},
		{"Namespaces", testNamespaces},
		{"Listings", testListings},
		{"Domains", testDomains},
		{"DomainNameUniqueness", testDomainNameUniqueness},
		{"DomainRegister", testDomainRegister},
		{"DomainGetByNames", testDomainGetByNames},
		{"DomainTakenNames", testDomainTakenNames},
		{"DomainClaimDue", testDomainClaimDue},
		{"DomainUpdateByName", testDomainUpdateByName},
		{"DomainListTransfers", testDomainListTransfers},
		{"Ledger", testLedger},
		{"AuditAppendAndGetMany", testAuditAppendAndGetMany},
		{"AuditQuery", testAuditQuery},
		{"AuditQueryPaging", testAuditQueryPaging},
		{"AuditQueryActor", testAuditQueryActor},
		{"AuditQueryEncodedSummaries", testAuditQueryEncodedSummaries},
		{"Pending", testPending},
		{"PendingList", testPendingList},
		{"PendingClaim", testPendingClaim},
		{"OTERuns", testOTERuns},
		{"Contacts", testContacts},
		{"ContactLinked", testContactLinked},
		{"MessageQueue", testMessageQueue},
		{"IdempotencyReserveComplete", testIdempotencyReserveComplete},
		{"IdempotencyRollbackFreesClaim", testIdempotencyRollbackFreesClaim},
		{"IdempotencyDeleteBefore", testIdempotencyDeleteBefore},
		{"IdempotencyReserveLocking", testIdempotencyReserveLocking},
		{"IdempotencyReserveRegistering", testIdempotencyReserveRegistering},
		{"ReadYourWrites", testReadYourWrites},
		{"RollbackOnError", testRollbackOnError},
		{"DoEach", testDoEach},
		{"DoEachUpdatesReadBack", testDoEachUpdatesReadBack},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"ViewSeesCommitted", testViewSeesCommitted},
		{"ReturnedValuesAreCopies", testReturnedValuesAreCopies},
		{"RaceIdempotentCreate", testRaceIdempotentCreate},
		{"RaceDomainInsert", testRaceDomainInsert},
		{"RacePartnerIncrement", testRacePartnerIncrement},
		{"RaceDomainUpdateByName", testRaceDomainUpdateByName},
		{"RacePendingClaim", testRacePendingClaim},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, newUoW(t)) })
	}
}
