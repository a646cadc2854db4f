package redis

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// RouteClientLogs sends go-redis' own log lines (one per failed dial, among
// others) to log at debug level instead of stderr. go-redis has one logger
// per process, so this is a process-wide choice, made by Provide for the
// binary: during an outage the fail-open warning, logged at most once per
// warning interval, is what operators see.
func RouteClientLogs(log zerolog.Logger) {
	goredis.SetLogger(clientLogger{log: log})
}

type clientLogger struct{ log zerolog.Logger }

func (l clientLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug().Str("component", "go-redis").Msg(fmt.Sprintf(format, v...))
}
