// Package gems proves on PostgreSQL, with truly concurrent transactions,
// that an operator's Gems adjustment or PATCH of a partner's balance never
// undoes a registrar's debit: through the core's operator use cases over the
// postgres adapter and through the HTTP API, the balance always equals the
// opening balance plus the partner's ledger.
package gems
