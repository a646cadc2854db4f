package epp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
)

// A header announcing 1 MiB followed by a few bytes holds about what
// arrived, not what was announced.
func TestPartialFrameAllocatesWhatArrived(t *testing.T) {
	in := make([]byte, 4+1000)
	binary.BigEndian.PutUint32(in, MaxFrameBytes)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 100
	for range n {
		if _, err := ReadFrame(bytes.NewReader(in), MaxFrameBytes); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > n*2*readChunk {
		t.Fatalf("%d partial frames of 1000 bytes allocated %d bytes", n, grew)
	}
}

// A frame that arrives in small pieces is read whole.
func TestFrameInPieces(t *testing.T) {
	payload := bytes.Repeat([]byte("<epp/>"), 30_000) // 180,000 bytes: several chunks
	var b bytes.Buffer
	if err := WriteFrame(&b, payload); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFrame(&trickle{r: &b, n: 777}, MaxFrameBytes)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if cap(got) > 2*len(payload) {
		t.Fatalf("buffer of %d bytes for a %d-byte payload", cap(got), len(payload))
	}
}

// trickle answers at most n bytes per Read.
type trickle struct {
	r io.Reader
	n int
}

func (t *trickle) Read(p []byte) (int, error) {
	if len(p) > t.n {
		p = p[:t.n]
	}
	return t.r.Read(p)
}
