package core

import "time"

// Message is one entry of a registrar channel's message queue (the EPP poll
// queue): something the registry tells the channel without being asked.
// REST GET /poll (audit events) is a different thing and is unchanged.
type Message struct {
	ID        string
	ChannelID string
	Kind      string // one of the Msg* kinds
	Domain    string // the registration concerned, or ""
	Text      string // human-readable, safe for the channel (no contact data)
	Payload   map[string]any
	CreatedAt time.Time
	AckedAt   *time.Time // nil while queued
}

// Message kinds.
const (
	// MsgBackendApplied: backend work of a command was applied.
	MsgBackendApplied = "backend_applied"
	// MsgBackendFailed: backend work of a command failed.
	MsgBackendFailed = "backend_failed"
	// MsgLifecycle: the registry changed a registration's lifecycle state or
	// server statuses by itself (pending delete completed, server hold ...).
	MsgLifecycle = "lifecycle"
	// MsgOperator: an operator acted on the channel or one of its registrations.
	MsgOperator = "operator"
	// MsgTransfer: a step of a transfer of the registration (RFC 5731 §3.3):
	// requested, approved, rejected, cancelled, by either side or the registry.
	MsgTransfer = "transfer"
)

// MessageKinds lists every message kind.
func MessageKinds() []string {
	return []string{MsgBackendApplied, MsgBackendFailed, MsgLifecycle, MsgOperator, MsgTransfer}
}

// QueueState answers a poll request or acknowledgement: the oldest queued
// message (nil when the queue is empty) and how many are queued.
type QueueState struct {
	Message *Message
	Count   int
	// Acked is the id of the message an acknowledgement dequeued, or "".
	Acked string
}
