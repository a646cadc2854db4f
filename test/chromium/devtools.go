package chromium

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Browser drives one headless Chromium over the DevTools protocol on a
// pipe (--remote-debugging-pipe: Chromium reads commands on its fd 3 and
// writes answers and events on its fd 4, each message ending in a NUL
// byte), so tests can type into pages and press keys as people do.
type Browser struct {
	t       testing.TB
	cmd     *exec.Cmd
	in      *os.File // our end of Chromium's fd 3
	stderr  bytes.Buffer
	mu      sync.Mutex
	next    int
	waiting map[int]chan reply
	session string // the attached page's session id
	closed  chan struct{}
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Launch starts bin headless with an empty profile; Close (registered as a
// cleanup) ends it and its process group.
func Launch(t testing.TB, bin string) *Browser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe() // commands: we write cmdW, Chromium reads fd 3
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe() // answers: Chromium writes fd 4, we read outR
	if err != nil {
		t.Fatal(err)
	}
	b := &Browser{t: t, in: cmdW, waiting: map[int]chan reply{}, closed: make(chan struct{})}
	b.cmd = exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--remote-debugging-pipe", "--user-data-dir="+t.TempDir(), "about:blank")
	b.cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	b.cmd.ExtraFiles = []*os.File{cmdR, outW}
	b.cmd.Stderr = &b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	_ = cmdR.Close()
	_ = outW.Close()
	go b.read(outR)
	t.Cleanup(b.Close)
	return b
}

// Close ends Chromium and every process it started.
func (b *Browser) Close() {
	_ = b.in.Close()
	if b.cmd.Process != nil {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		_ = b.cmd.Wait()
	}
	<-b.closed
}

func (b *Browser) read(r io.ReadCloser) {
	defer close(b.closed)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.waiting {
				close(ch)
				delete(b.waiting, id)
			}
			b.mu.Unlock()
			return
		}
		var m struct {
			ID int `json:"id"`
			reply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.reply
		}
	}
}

// call sends one command (to the page session when page is true) and
// decodes its result into out; it fails the test on a protocol error or
// when no answer comes within a minute.
func (b *Browser) call(page bool, method string, params any, out any) {
	b.t.Helper()
	if err := b.try(page, method, params, out); err != nil {
		b.t.Fatal(err)
	}
}

// errNavigated is DevTools' answer to an evaluation whose page navigated
// away (its execution context destroyed) before it finished.
const errNavigated = "Inspected target navigated or closed"

// try is call answering DevTools' error instead of failing the test.
func (b *Browser) try(page bool, method string, params any, out any) error {
	b.t.Helper()
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan reply, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if page {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.in.Write(append(data, 0)); err != nil {
		b.t.Fatalf("%s: %v\n%s", method, err, b.stderr.String())
	}
	select {
	case r, ok := <-ch:
		if !ok {
			b.t.Fatalf("%s: chromium went away\n%s", method, b.stderr.String())
		}
		if r.Error != nil {
			return fmt.Errorf("%s: %d %s", method, r.Error.Code, r.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				b.t.Fatalf("%s: %v", method, err)
			}
		}
	case <-time.After(time.Minute):
		b.t.Fatalf("%s: no answer within a minute", method)
	}
	return nil
}

// Open opens url in a new tab and attaches to it; later calls act on it.
func (b *Browser) Open(url string) {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call(false, "Target.createTarget", map[string]any{"url": url}, &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.call(false, "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	b.session = att.SessionID
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func (b *Browser) Eval(expr string, out any) {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	b.call(true, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.Exception != nil {
		b.t.Fatalf("evaluate %q: %s", expr, res.Exception.Text)
	}
	if out != nil && len(res.Result.Value) > 0 {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			b.t.Fatalf("evaluate %q: %v", expr, err)
		}
	}
}

// WaitFor evaluates expr until it is true, for at most timeout.
func (b *Browser) WaitFor(expr string, timeout time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		var ok bool
		var res struct {
			Result struct {
				Value bool `json:"value"`
			} `json:"result"`
			Exception *struct {
				Text string `json:"text"`
			} `json:"exceptionDetails"`
		}
		// A poll that meets the navigation it waits for is cut short by
		// DevTools; the next one asks the new page.
		err := b.try(true, "Runtime.evaluate", map[string]any{"expression": "Boolean(" + expr + ")", "returnByValue": true}, &res)
		switch {
		case err == nil && res.Exception != nil:
			b.t.Fatalf("evaluate %q: %s", expr, res.Exception.Text)
		case err == nil:
			ok = res.Result.Value
		case !strings.Contains(err.Error(), errNavigated):
			b.t.Fatal(err)
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			var html string
			b.Eval("document.documentElement ? document.documentElement.outerHTML : ''", &html)
			b.t.Fatalf("%s was not true within %s; page:\n%s", expr, timeout, html)
		case <-tick.C:
		}
	}
}

// Focus focuses the element that a CSS selector names.
func (b *Browser) Focus(selector string) {
	b.t.Helper()
	var ok bool
	b.Eval(fmt.Sprintf("(() => { const e = document.querySelector(%q); if (!e) return false; e.focus(); return document.activeElement === e })()", selector), &ok)
	if !ok {
		b.t.Fatalf("cannot focus %s", selector)
	}
}

// Type types text into the focused element, as a keyboard would insert it.
func (b *Browser) Type(text string) {
	b.t.Helper()
	b.call(true, "Input.insertText", map[string]any{"text": text}, nil)
}

// PressEnter presses and releases the Enter key (which submits a form).
func (b *Browser) PressEnter() {
	b.t.Helper()
	key := map[string]any{"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
	down := map[string]any{"type": "keyDown", "text": "\r"}
	for k, v := range key {
		down[k] = v
	}
	up := map[string]any{"type": "keyUp"}
	for k, v := range key {
		up[k] = v
	}
	b.call(true, "Input.dispatchKeyEvent", down, nil)
	b.call(true, "Input.dispatchKeyEvent", up, nil)
}
