package ceiling

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Registrar is what a write charges and whose rows it writes: the partner's
// balance, its channel (domain, audit row, idempotency record, rate-limit
// key) and the API key named in the audit row.
type Registrar struct {
	PartnerID   string
	ChannelID   string
	ChannelSlug string
	APIKeyID    string
}

// FormatRegistrars is the flag form of regs that ParseRegistrars reads:
// partner:channel:slug:key, comma-separated.
func FormatRegistrars(regs []Registrar) string {
	parts := make([]string, len(regs))
	for i, r := range regs {
		parts[i] = r.PartnerID + ":" + r.ChannelID + ":" + r.ChannelSlug + ":" + r.APIKeyID
	}
	return strings.Join(parts, ",")
}

// ParseRegistrars reads FormatRegistrars' form; "" is none.
func ParseRegistrars(s string) ([]Registrar, error) {
	if s == "" {
		return nil, nil
	}
	var out []Registrar
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(part, ":")
		if len(f) != 4 || f[0] == "" || f[1] == "" || f[2] == "" || f[3] == "" {
			return nil, fmt.Errorf("ceiling: registrar %q: want partner:channel:slug:key", part)
		}
		out = append(out, Registrar{PartnerID: f[0], ChannelID: f[1], ChannelSlug: f[2], APIKeyID: f[3]})
	}
	return out, nil
}

// writeMulti is the write ceiling's transaction charged to registrar k of
// Config.Multi: the loader sends client i's requests to k = i mod
// len(Multi), as the registry's clients of those registrars are spread, so
// the same work as POST /write is spread over len(Multi) balance rows.
func (s *Server) writeMulti(w http.ResponseWriter, r *http.Request) {
	k, err := strconv.Atoi(r.PathValue("k"))
	if err != nil || k < 0 || k >= len(s.cfg.Multi) {
		http.Error(w, fmt.Sprintf("want /write/{k} with k from 0 to %d", len(s.cfg.Multi)-1), http.StatusNotFound)
		return
	}
	s.writeAs(w, r, s.cfg.Multi[k])
}
