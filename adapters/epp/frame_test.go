package epp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
)

func frame(payload string) []byte {
	var b bytes.Buffer
	_ = WriteFrame(&b, []byte(payload))
	return b.Bytes()
}

func TestFrameRoundTrip(t *testing.T) {
	f := frame("<epp/>")
	if n := binary.BigEndian.Uint32(f); n != uint32(len(f)) || n != 10 {
		t.Fatalf("header %d for a %d-byte frame", n, len(f))
	}
	got, err := ReadFrame(bytes.NewReader(append(f, frame("<x/>")...)), MaxFrameBytes)
	if err != nil || string(got) != "<epp/>" {
		t.Fatalf("ReadFrame = %q, %v", got, err)
	}
	if err := WriteFrame(io.Discard, make([]byte, MaxFrameBytes)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("WriteFrame over the limit: %v", err)
	}
}

func TestReadFrameRefusals(t *testing.T) {
	hdr := func(n uint32) []byte {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], n)
		return b[:]
	}
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty stream", nil, io.EOF},
		{"partial header", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"length below the header", hdr(3), ErrFrameTooSmall},
		{"length zero", hdr(0), ErrFrameTooSmall},
		{"one byte over the limit", hdr(MaxFrameBytes + 1), ErrFrameTooLarge},
		{"4 GiB", hdr(0xFFFFFFFF), ErrFrameTooLarge},
		{"truncated body", append(hdr(20), "<epp"...), io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		_, err := ReadFrame(bytes.NewReader(c.in), MaxFrameBytes)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// An empty payload (length 4) is a frame; the decoder refuses it.
	if got, err := ReadFrame(bytes.NewReader(hdr(4)), MaxFrameBytes); err != nil || len(got) != 0 {
		t.Fatalf("empty frame: %q %v", got, err)
	}
}

// An oversize header is refused before anything is allocated for its body.
func TestOversizeHeaderAllocatesNothingForTheBody(t *testing.T) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], 0xFFFFFFF0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 100; i++ {
		if _, err := ReadFrame(bytes.NewReader(hdr[:]), MaxFrameBytes); !errors.Is(err, ErrFrameTooLarge) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("100 refused headers allocated %d bytes", grew)
	}
}
