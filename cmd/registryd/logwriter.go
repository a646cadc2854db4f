package main

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// logBufferSize bounds the bytes of log lines kept in memory: about 180
// access log lines.
const logBufferSize = 64 << 10

// logWriter gathers log lines and writes them to out in one write: when the
// oldest line kept has waited interval, when the next line would not fit in
// size bytes, and when a line at warn or above arrives (it is written at
// once, after the lines before it). Every access log line was a write system
// call of its own, about a quarter of a read's system calls (bench/README.md,
// "Runtime costs of a read").
//
// No line is dropped and no line is changed: each is copied as zerolog
// handed it, and lines leave in the order they came. A write to out is made
// by the goroutine that fills the buffer (or by the interval's timer), under
// the same lock that orders lines, so a stalled out holds loggers as an
// unbuffered out would, once per buffer instead of once per line. What a
// crash can lose is what is kept: info and debug lines of at most the last
// interval (a Go panic's own report goes to the file descriptor directly).
// Close writes what is kept; lines after Close are written at once.
type logWriter struct {
	mu       sync.Mutex
	out      io.Writer
	buf      []byte
	size     int
	interval time.Duration
	timer    *time.Timer
	armed    bool // the timer runs for the lines in buf
	closed   bool
}

// newLogWriter buffers lines for out; interval 0 writes every line at once.
func newLogWriter(out io.Writer, size int, interval time.Duration) *logWriter {
	w := &logWriter{out: out, size: size, interval: interval}
	if interval > 0 {
		w.buf = make([]byte, 0, size)
		w.timer = time.AfterFunc(time.Hour, w.timedFlush)
		w.timer.Stop()
	}
	return w
}

// Write keeps a line of no level (zerolog's Log).
func (w *logWriter) Write(p []byte) (int, error) {
	return w.WriteLevel(zerolog.NoLevel, p)
}

// WriteLevel keeps p, or writes it now with the lines before it when its
// level is warn or above, or when p alone is as large as the buffer.
func (w *logWriter) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.interval <= 0 {
		return w.out.Write(p)
	}
	urgent := level >= zerolog.WarnLevel && level <= zerolog.PanicLevel
	if len(w.buf)+len(p) > w.size || (urgent || len(p) >= w.size) && len(w.buf) > 0 {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
	}
	if urgent || len(p) >= w.size {
		return w.out.Write(p)
	}
	w.buf = append(w.buf, p...)
	if !w.armed {
		w.armed = true
		w.timer.Reset(w.interval)
	}
	return len(p), nil
}

// flushLocked writes the lines kept. On an error they are dropped: out
// refused them, and keeping them would only grow the buffer (an error of a
// timed write has no caller to go to, as a failed write to stderr has no
// one to tell).
func (w *logWriter) flushLocked() error {
	if w.armed {
		w.armed = false
		w.timer.Stop()
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

func (w *logWriter) timedFlush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.armed {
		return // flushed since the timer fired
	}
	_ = w.flushLocked()
}

// Flush writes the lines kept now.
func (w *logWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// Close writes the lines kept; later lines are written at once.
func (w *logWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	err := w.flushLocked()
	w.closed = true
	return err
}
