package epp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// RFC 5734 §4: every EPP data unit is a 4-byte big-endian length that
// counts itself, followed by the XML instance.

// MaxFrameBytes bounds a data unit, header included. A longer one closes the
// session before anything is allocated for it.
const MaxFrameBytes = 1 << 20

// MaxFrameBytesBeforeLogin bounds a data unit until the session has logged
// in: a hello or a login is a few hundred bytes.
const MaxFrameBytesBeforeLogin = 64 << 10

// readChunk is what the body buffer grows by at most per read, so that the
// memory a data unit holds follows the bytes received, not the length its
// header announces.
const readChunk = 32 << 10

// headerBytes is the size of the length header.
const headerBytes = 4

// Frame errors. Both close the session: the stream can no longer be trusted
// to be aligned on data units.
var (
	ErrFrameTooLarge = errors.New("epp: data unit over the size limit")
	ErrFrameTooSmall = errors.New("epp: data unit length below its own header")
)

// ReadFrame reads one data unit from r and returns its XML payload. A
// header announcing more than limit bytes (header included) answers
// ErrFrameTooLarge before the payload is read or any buffer allocated. The
// payload buffer grows as bytes arrive: a peer that announces a large unit
// and sends part of it holds about what it sent.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [headerBytes]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	switch {
	case n < headerBytes:
		return nil, ErrFrameTooSmall
	case uint64(n) > uint64(limit):
		return nil, fmt.Errorf("%w: %d bytes announced, %d allowed", ErrFrameTooLarge, n, limit)
	}
	want := int(n - headerBytes)
	payload := make([]byte, 0, min(want, readChunk))
	for len(payload) < want {
		if len(payload) == cap(payload) {
			payload = append(payload, make([]byte, min(want-len(payload), max(len(payload), readChunk)))...)[:len(payload)]
		}
		m, err := r.Read(payload[len(payload):min(cap(payload), want)])
		payload = payload[:len(payload)+m]
		if err != nil {
			if len(payload) == want {
				break
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return payload, nil
}

// WriteFrame writes payload as one data unit, in a single write so that a
// frame is never split by a concurrent writer.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) > MaxFrameBytes-headerBytes {
		return ErrFrameTooLarge
	}
	buf := make([]byte, headerBytes+len(payload))
	binary.BigEndian.PutUint32(buf, uint32(len(buf)))
	copy(buf[headerBytes:], payload)
	_, err := w.Write(buf)
	return err
}
