package core

// AdjustGems is the operator's POST /partners/{id}/gems-adjustments: move
// the balance by Delta (negative: take Gems away) for Reason.
type AdjustGems struct {
	Delta  Gems
	Reason string
}

// GemsAdjustment is an operator's recorded Gems movement: its ledger entry
// and the partner after it.
type GemsAdjustment struct {
	Entry   LedgerEntry
	Partner Partner
}

// Gems adjustment bounds.
const (
	// MaxGemsDelta bounds one adjustment (and so keeps every balance far
	// from int64 overflow).
	MaxGemsDelta Gems = 1_000_000_000_000
	// MaxGemsReasonLength bounds an adjustment's reason, in characters.
	MaxGemsReasonLength = 500
)
