package memory

import (
	"context"

	"github.com/headlessdomains/registry/core"
	"github.com/headlessdomains/registry/ports"
)

// OTERunRepository stores OT&E runs by id.
type OTERunRepository struct{ tx *tx }

var _ ports.OTERunRepository = (*OTERunRepository)(nil)

func (r *OTERunRepository) Insert(_ context.Context, run core.OTERun) error {
	st, err := r.tx.writing()
	if err != nil {
		return err
	}
	if st.oteRuns.has(run.ID) {
		return duplicate("OT&E run", run.ID)
	}
	st.oteRuns.put(run.ID, cloneOTERun(run))
	return nil
}

func (r *OTERunRepository) Get(_ context.Context, id string) (core.OTERun, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.OTERun{}, err
	}
	run, ok := st.oteRuns.get(id)
	if !ok {
		return core.OTERun{}, notFound("OT&E run", id)
	}
	return cloneOTERun(run), nil
}

func (r *OTERunRepository) Update(_ context.Context, id string, fn func(*core.OTERun) error) (core.OTERun, error) {
	st, err := r.tx.writing()
	if err != nil {
		return core.OTERun{}, err
	}
	return update(&st.oteRuns, id, "OT&E run", cloneOTERun, fn, func(_ core.OTERun, next *core.OTERun) error {
		next.ID = id
		return nil
	})
}

func (r *OTERunRepository) LatestByChannel(_ context.Context, channelID string) (core.OTERun, error) {
	st, err := r.tx.reading()
	if err != nil {
		return core.OTERun{}, err
	}
	var latest *core.OTERun
	for _, run := range st.oteRuns.rows {
		if run.ChannelID != channelID {
			continue
		}
		if latest == nil || byTimeThenID(run.CreatedAt, latest.CreatedAt, run.ID, latest.ID) > 0 {
			run := run
			latest = &run
		}
	}
	if latest == nil {
		return core.OTERun{}, notFound("OT&E run of channel", channelID)
	}
	return cloneOTERun(*latest), nil
}
