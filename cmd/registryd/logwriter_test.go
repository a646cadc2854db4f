package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// sink records each write to it as one call, and signals every write.
type sink struct {
	mu     sync.Mutex
	writes [][]byte
	wrote  chan struct{}
}

func newSink() *sink { return &sink{wrote: make(chan struct{}, 1024)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.writes = append(s.writes, bytes.Clone(p))
	s.mu.Unlock()
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *sink) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.writes)
}

func (s *sink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(bytes.Join(s.writes, nil))
}

// logLines writes n info lines through a zerolog logger on w.
func logLines(w zerolog.LevelWriter, from, n int) {
	l := zerolog.New(w)
	for i := from; i < from+n; i++ {
		l.Info().Int("i", i).Str("path", "/api/v1/registrar/v1/domains/x.benchns").Msg("http request")
	}
}

func TestLogWriterKeepsLinesUntilCloseUnchangedAndInOrder(t *testing.T) {
	var plain bytes.Buffer
	logLines(zerolog.LevelWriterAdapter{Writer: &plain}, 0, 50)

	s := newSink()
	w := newLogWriter(s, logBufferSize, time.Hour)
	logLines(w, 0, 50)
	if s.calls() != 0 {
		t.Fatalf("%d writes before the interval or Close, want none", s.calls())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s.calls() != 1 {
		t.Fatalf("Close made %d writes, want 1", s.calls())
	}
	if s.text() != plain.String() {
		t.Fatalf("lines changed:\n%s\nwant\n%s", s.text(), plain.String())
	}
	// After Close every line is written at once.
	logLines(w, 50, 1)
	if s.calls() != 2 || !strings.Contains(s.text(), `"i":50`) {
		t.Fatalf("a line after Close was not written at once: %d writes", s.calls())
	}
}

func TestLogWriterWritesWarnAtOnceAfterTheLinesBefore(t *testing.T) {
	s := newSink()
	w := newLogWriter(s, logBufferSize, time.Hour)
	defer w.Close()
	logLines(w, 0, 3)
	l := zerolog.New(w)
	l.Warn().Msg("redis unavailable")
	text := s.text()
	if strings.Count(text, "\n") != 4 || !strings.HasSuffix(text, `{"level":"warn","message":"redis unavailable"}`+"\n") {
		t.Fatalf("a warn line did not go out at once after the lines before it:\n%s", text)
	}
	l.Error().Msg("failed")
	if !strings.HasSuffix(s.text(), `{"level":"error","message":"failed"}`+"\n") {
		t.Fatalf("an error line was kept:\n%s", s.text())
	}
}

func TestLogWriterWritesWhenTheBufferIsFull(t *testing.T) {
	s := newSink()
	const size = 1024
	w := newLogWriter(s, size, time.Hour)
	defer w.Close()
	var want bytes.Buffer
	logLines(zerolog.LevelWriterAdapter{Writer: &want}, 0, 40)
	logLines(w, 0, 40)
	if s.calls() == 0 {
		t.Fatal("no write although the lines exceed the buffer")
	}
	s.mu.Lock()
	for _, p := range s.writes {
		if len(p) > size {
			t.Errorf("one write of %d bytes, over the buffer's %d", len(p), size)
		}
		if p[len(p)-1] != '\n' {
			t.Errorf("a write ends inside a line: %q", p)
		}
	}
	s.mu.Unlock()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if s.text() != want.String() {
		t.Fatalf("lines lost or reordered:\n%s", s.text())
	}
	// A line as large as the buffer is written by itself, after those before it.
	logLines(w, 40, 1)
	big := strings.Repeat("x", size)
	l := zerolog.New(w)
	l.Info().Str("big", big).Msg("")
	if !strings.Contains(s.text(), `"i":40`) || !strings.Contains(s.text(), big) {
		t.Fatal("a line larger than the buffer, or the line before it, was not written")
	}
}

func TestLogWriterWritesAfterTheInterval(t *testing.T) {
	s := newSink()
	w := newLogWriter(s, logBufferSize, 20*time.Millisecond)
	defer w.Close()
	for round := 0; round < 2; round++ {
		logLines(w, round, 1)
		select {
		case <-s.wrote:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: a kept line was not written within 10s of a 20ms interval", round)
		}
		if got := s.calls(); got != round+1 {
			t.Fatalf("round %d: %d writes", round, got)
		}
	}
}

func TestLogWriterIntervalZeroWritesEachLine(t *testing.T) {
	s := newSink()
	w := newLogWriter(s, logBufferSize, 0)
	logLines(w, 0, 3)
	if s.calls() != 3 {
		t.Fatalf("%d writes for 3 lines with interval 0", s.calls())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLogWriterConcurrentLinesAllArriveWhole(t *testing.T) {
	s := newSink()
	w := newLogWriter(s, 4096, time.Millisecond)
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			logLines(w, g*each, each)
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(s.text(), "\n"), "\n")
	if len(lines) != goroutines*each {
		t.Fatalf("%d lines, want %d", len(lines), goroutines*each)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var i int
		if _, err := fmt.Sscanf(l, `{"level":"info","i":%d,`, &i); err != nil || !strings.HasSuffix(l, `"message":"http request"}`) {
			t.Fatalf("a line was cut or mixed with another: %q", l)
		}
		if seen[l] {
			t.Fatalf("line written twice: %q", l)
		}
		seen[l] = true
	}
}
