package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/rs/zerolog"

	"github.com/headlessdomains/registry/ports"
)

// Defaults chosen so that an unreachable or stalled Redis cannot hold a
// registrar request for long: one bounded attempt, then the fallback.
const (
	DefaultDialTimeout   = 300 * time.Millisecond
	DefaultIOTimeout     = 300 * time.Millisecond
	DefaultOpTimeout     = 500 * time.Millisecond
	DefaultRetryInterval = time.Second
	DefaultWarnInterval  = 30 * time.Second
)

// addScript adds ARGV[2] counts to a key (one for Incr, a lease for
// Reserve). PEXPIRE runs on the first increment, the one that made the count
// ARGV[2]; it also runs when the key somehow has no expiry (PTTL -1), so a
// counter can never outlive its window for good.
var addScript = goredis.NewScript(`
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// RateCounter is a ports.RateCounter on Redis that fails open to an
// in-process counter; see the package comment.
type RateCounter struct {
	client    goredis.UniversalClient
	ownClient bool
	cfg       config
	local     *localCounter

	// probeAt is the Unix nanosecond time after which Redis is tried again;
	// zero while Redis is healthy.
	probeAt atomic.Int64
	// lastWarn is the Unix nanosecond time of the last warning logged.
	lastWarn atomic.Int64
	// suppressed counts failures not logged since the last warning.
	suppressed atomic.Int64
}

var (
	_ ports.RateReserver = (*RateCounter)(nil)
	_ ports.Pinger       = (*RateCounter)(nil)
)

type config struct {
	prefix        string
	log           zerolog.Logger
	opTimeout     time.Duration
	retryInterval time.Duration
	warnInterval  time.Duration
	now           func() time.Time
}

// Option adjusts a RateCounter.
type Option func(*config)

// WithKeyPrefix prepends prefix to every key (for example "registry:" to
// share a Redis with other applications, or a per-run prefix in tests). It
// must not contain '{' or '}' (see the package comment on hash tags).
func WithKeyPrefix(prefix string) Option {
	return func(c *config) { c.prefix = prefix }
}

// WithLogger sets the logger for fail-open warnings and recovery notices.
func WithLogger(log zerolog.Logger) Option {
	return func(c *config) { c.log = log }
}

// WithOpTimeout bounds one Incr or Ping against Redis (default 500 ms).
func WithOpTimeout(d time.Duration) Option {
	return func(c *config) { c.opTimeout = d }
}

// WithRetryInterval sets how long Redis is skipped after a failure before one
// request probes it again (default 1 s).
func WithRetryInterval(d time.Duration) Option {
	return func(c *config) { c.retryInterval = d }
}

// WithWarnInterval sets the least time between two fail-open warnings
// (default 30 s).
func WithWarnInterval(d time.Duration) Option {
	return func(c *config) { c.warnInterval = d }
}

// WithClock replaces time.Now, for the fallback windows, the retry interval
// and the warning interval.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

func buildConfig(opts []Option) (config, error) {
	cfg := config{
		log:           zerolog.Nop(),
		opTimeout:     DefaultOpTimeout,
		retryInterval: DefaultRetryInterval,
		warnInterval:  DefaultWarnInterval,
		now:           time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if strings.ContainsAny(cfg.prefix, "{}") {
		return config{}, errors.New("redis: key prefix must not contain '{' or '}': it would replace the caller's cluster hash tag")
	}
	if cfg.opTimeout <= 0 || cfg.retryInterval <= 0 || cfg.warnInterval <= 0 {
		return config{}, errors.New("redis: timeouts and intervals must be positive")
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	return cfg, nil
}

// New connects to the Redis at rawURL (redis://[user:password@]host:port/db
// or rediss:// for TLS, as goredis.ParseURL reads it), or to a Redis Cluster
// when rawURL carries addr parameters (see IsClusterURL; read by
// goredis.ParseClusterURL). Timeouts that the URL
// does not set get short defaults. The connection is lazy: New does not wait
// for Redis, and Incr fails open until it answers. Close closes the client.
func New(rawURL string, opts ...Option) (*RateCounter, error) {
	cfg, err := buildConfig(opts)
	if err != nil {
		return nil, err
	}
	var client goredis.UniversalClient
	if IsClusterURL(rawURL) {
		o, err := goredis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis: REGISTRY_REDIS_URL: %w", redactURLError(err))
		}
		applyClusterDefaults(o)
		client = goredis.NewClusterClient(o)
	} else {
		o, err := goredis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis: REGISTRY_REDIS_URL: %w", redactURLError(err))
		}
		applyClientDefaults(o)
		client = goredis.NewClient(o)
	}
	rc := newRateCounter(client, cfg)
	rc.ownClient = true
	return rc, nil
}

// IsClusterURL reports whether rawURL names a Redis Cluster: go-redis'
// cluster URL form, redis://host1:port1?addr=host2:port2&addr=host3:port3,
// that is a URL with at least one addr parameter. The addresses are seed
// nodes: the client learns the cluster's slots from any that answers. A
// URL without addr opens a client on that one endpoint.
func IsClusterURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return len(u.Query()["addr"]) > 0
}

// applyClusterDefaults gives a cluster client the single-node bounds of
// applyClientDefaults (per node connection).
func applyClusterDefaults(o *goredis.ClusterOptions) {
	applyBounds(bounds{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries,
		&o.DialerRetries, &o.ContextTimeoutEnabled, &o.DisableIdentity, &o.MaintNotificationsConfig})
}

// FailingOpen reports whether the counter counts in process now, because
// Redis failed and has not answered since.
func (c *RateCounter) FailingOpen() bool { return c.probeAt.Load() != 0 }

// NewFromClient counts on an existing client: a *goredis.Client, or a
// *goredis.ClusterClient for Redis Cluster. The caller keeps ownership:
// Close does not close it.
func NewFromClient(client goredis.UniversalClient, opts ...Option) (*RateCounter, error) {
	if client == nil {
		return nil, errors.New("redis: nil client")
	}
	cfg, err := buildConfig(opts)
	if err != nil {
		return nil, err
	}
	return newRateCounter(client, cfg), nil
}

func newRateCounter(client goredis.UniversalClient, cfg config) *RateCounter {
	return &RateCounter{client: client, cfg: cfg, local: newLocalCounter()}
}

// applyClientDefaults fills what the URL left unset with bounds fit for a
// per-request call: short timeouts, at most one retry (so a connection that
// broke when Redis restarted is replaced at once) and one dial attempt.
func applyClientDefaults(o *goredis.Options) {
	applyBounds(bounds{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries,
		&o.DialerRetries, &o.ContextTimeoutEnabled, &o.DisableIdentity, &o.MaintNotificationsConfig})
}

// bounds points at the fields a single-node and a cluster client share, so
// that one function sets both the same way.
type bounds struct {
	dial, read, write, pool    *time.Duration
	retries, dialerRetries     *int
	contextTimeout, noIdentity *bool
	maintNotifications         **maintnotifications.Config
}

func applyBounds(b bounds) {
	for _, d := range []struct {
		field *time.Duration
		def   time.Duration
	}{{b.dial, DefaultDialTimeout}, {b.read, DefaultIOTimeout}, {b.write, DefaultIOTimeout}, {b.pool, DefaultIOTimeout}} {
		if *d.field == 0 {
			*d.field = d.def
		}
	}
	if *b.retries == 0 {
		*b.retries = 1
	}
	if *b.dialerRetries == 0 {
		*b.dialerRetries = 1
	}
	*b.contextTimeout = true
	*b.noIdentity = true // no CLIENT SETINFO round trip per connection
	if *b.maintNotifications == nil {
		*b.maintNotifications = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
}

// redactURLError keeps a URL parse error from repeating the URL, which may
// carry a password.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Incr adds one to key and returns the new count; the key expires ttl after
// its first increment. It fails open: when Redis errors it counts in process
// and returns no error. It returns an error only for a ttl under one
// millisecond or when ctx itself is done.
func (c *RateCounter) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	return c.add(ctx, key, 1, ttl)
}

// Reserve adds n to key and returns the new count (ports.RateReserver),
// failing open as Incr does.
func (c *RateCounter) Reserve(ctx context.Context, key string, n int64, ttl time.Duration) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("redis: rate counter reserve of %d counts", n)
	}
	return c.add(ctx, key, n, ttl)
}

func (c *RateCounter) add(ctx context.Context, key string, n int64, ttl time.Duration) (int64, error) {
	ms := ttl.Milliseconds()
	if ms < 1 {
		return 0, fmt.Errorf("redis: rate counter ttl %v is under one millisecond", ttl)
	}
	now := c.cfg.now()
	if !c.tryRedis(now) {
		return c.local.add(key, n, ttl, now), nil
	}
	count, err := c.addRedis(ctx, c.cfg.prefix+key, n, ms)
	if err == nil {
		c.markHealthy()
		return count, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The request is gone; counting it anywhere is moot, and Redis is
		// not blamed for the caller's deadline.
		return 0, ctxErr
	}
	c.markFailed(now, err)
	return c.local.add(key, n, ttl, now), nil
}

func (c *RateCounter) addRedis(ctx context.Context, key string, n, ttlMillis int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.opTimeout)
	defer cancel()
	return addScript.Run(ctx, c.client, []string{key}, ttlMillis, n).Int64()
}

// tryRedis reports whether this request should go to Redis. While Redis is
// healthy every request does; after a failure none does until the retry
// interval has passed, and then exactly one request (the one that moves
// probeAt forward) probes it.
func (c *RateCounter) tryRedis(now time.Time) bool {
	at := c.probeAt.Load()
	if at == 0 {
		return true
	}
	if now.UnixNano() < at {
		return false
	}
	return c.probeAt.CompareAndSwap(at, now.Add(c.cfg.retryInterval).UnixNano())
}

func (c *RateCounter) markHealthy() {
	if c.probeAt.Swap(0) != 0 {
		c.cfg.log.Info().Msg("redis rate counter: Redis answers again; rate-limit counters are shared across nodes again")
		c.suppressed.Store(0)
	}
}

func (c *RateCounter) markFailed(now time.Time, err error) {
	c.probeAt.Store(now.Add(c.cfg.retryInterval).UnixNano())
	last := c.lastWarn.Load()
	if last != 0 && now.UnixNano()-last < int64(c.cfg.warnInterval) {
		c.suppressed.Add(1)
		return
	}
	if !c.lastWarn.CompareAndSwap(last, now.UnixNano()) {
		c.suppressed.Add(1)
		return
	}
	c.cfg.log.Warn().
		Err(err).
		Int64("suppressed_failures", c.suppressed.Swap(0)).
		Dur("retry_interval", c.cfg.retryInterval).
		Msg("redis rate counter: Redis unavailable; failing open to in-process counters (limits are per node until Redis answers)")
}

// Ping checks that Redis answers, within the operation timeout; for /readyz.
func (c *RateCounter) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.opTimeout)
	defer cancel()
	if err := c.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close closes the client if New created it.
func (c *RateCounter) Close() error {
	if !c.ownClient {
		return nil
	}
	return c.client.Close()
}
