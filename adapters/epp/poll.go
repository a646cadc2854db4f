package epp

import (
	"context"
	"strings"

	"github.com/headlessdomains/registry/core"
)

func (ss *session) poll(ctx context.Context, a core.Actor, r *request) (*response, error) {
	p := r.cmd.Poll
	switch p.Op {
	case "req":
		st, err := ss.srv.reg.PollMessages(ctx, a)
		if err != nil {
			return nil, err
		}
		if st.Message == nil {
			return success(1300), nil
		}
		resp := success(1301)
		resp.msgQ = &st
		resp.resData = messageResData(st.Message)
		return resp, nil
	case "ack":
		if strings.TrimSpace(p.MsgID) == "" {
			return nil, required("the msgID of poll ack")
		}
		st, err := ss.srv.reg.AckMessage(ctx, a, strings.TrimSpace(p.MsgID))
		if err != nil {
			return nil, err
		}
		resp := success(1000)
		resp.msgQ = &st
		return resp, nil
	case "":
		return nil, required("the op attribute of poll (req or ack)")
	}
	return nil, core.Invalid("poll", "poll op is req or ack")
}

func truncate(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
