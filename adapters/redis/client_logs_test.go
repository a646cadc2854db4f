package redis

import (
	"context"
	"testing"

	"github.com/rs/zerolog"
)

func TestClientLoggerWritesDebugLines(t *testing.T) {
	var logs logBuffer
	clientLogger{log: zerolog.New(&logs)}.Printf(context.Background(), "failed to dial after %d attempts", 1)
	e := logs.entries(t)
	if len(e) != 1 || e[0]["level"] != "debug" || e[0]["message"] != "failed to dial after 1 attempts" || e[0]["component"] != "go-redis" {
		t.Fatalf("logged %v", e)
	}
}
