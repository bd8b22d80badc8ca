package scan

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
)

// Streaming throughput against the real clamd (MAGAZIN_TEST_CLAMD), in the
// pipeline's 32 KiB writes (io.Copy's buffer): the time includes clamd
// writing the stream to its temporary file and scanning it. "random" is
// incompressible binary data, "text" German-ish text (clamd runs its text
// normalisers on it), "discard" a fake clamd that only reads: the adapter's
// own cost.
func BenchmarkStream(b *testing.B) {
	const size = 32 << 20
	random := make([]byte, size)
	rand.NewChaCha8([32]byte{3}).Read(random)
	var tb bytes.Buffer
	for i := 0; tb.Len() < size; i++ {
		fmt.Fprintf(&tb, "Akte %d: Schreiben des Landratsamts vom %d. März über die Straßenbaumaßnahme.\n", i, i%28+1)
	}
	text := tb.Bytes()[:size]
	run := func(b *testing.B, s *Scanner, data []byte) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			st := mustStream(b, s, context.Background())
			writeIn(st, data, 32<<10)
			if v, err := st.Verdict(); err != nil || v.Infected {
				b.Fatal(v, err)
			}
		}
	}
	b.Run("discard", func(b *testing.B) {
		s := fakeClamdB(b)
		run(b, s, random)
	})
	b.Run("random", func(b *testing.B) { run(b, clamdScanner(b), random) })
	b.Run("text", func(b *testing.B) { run(b, clamdScanner(b), text) })
}

// fakeClamdB is a clamd that reads INSTREAM and answers OK.
func fakeClamdB(b *testing.B) *Scanner {
	l, err := net.Listen("unix", b.TempDir()+"/s")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.CopyN(io.Discard, c, 10)
				var hdr [4]byte
				for {
					if _, err := io.ReadFull(c, hdr[:]); err != nil {
						return
					}
					n := binary.BigEndian.Uint32(hdr[:])
					if n == 0 {
						c.Write([]byte("stream: OK\x00"))
						return
					}
					io.CopyN(io.Discard, c, int64(n))
				}
			}()
		}
	}()
	s, err := New(Config{Network: "unix", Address: l.Addr().String()})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// Small files (4 KiB), the common case in an archive: one connection per
// stream (what Stream does) against one long-lived IDSESSION connection
// (what a pool would use), one goroutine and two.
func BenchmarkSmallFiles(b *testing.B) {
	s := clamdScanner(b)
	data := bytes.Repeat([]byte("Aktenvermerk. "), 4096/14)
	b.Run("conn-per-stream", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ScanReader(context.Background(), bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("conn-per-stream-parallel2", func(b *testing.B) {
		b.SetParallelism(1) // GOMAXPROCS goroutines: 2 here, as the pipeline's workers
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.ScanReader(context.Background(), bytes.NewReader(data)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("idsession", func(b *testing.B) {
		sess := newSession(b, s)
		defer sess.Close()
		for b.Loop() {
			sess.scan(b, data)
		}
	})
	b.Run("idsession-parallel2", func(b *testing.B) {
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			sess := newSession(b, s)
			defer sess.Close()
			for pb.Next() {
				sess.scan(b, data)
			}
		})
	})
}

// session is a minimal IDSESSION client, for the comparison only.
type session struct {
	net.Conn
	buf []byte
}

func newSession(b *testing.B, s *Scanner) *session {
	c, err := s.dial(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Write([]byte("zIDSESSION\x00")); err != nil {
		b.Fatal(err)
	}
	return &session{Conn: c, buf: make([]byte, 0, chunkSize+16)}
}

func (s *session) scan(b *testing.B, data []byte) {
	s.buf = append(s.buf[:0], "zINSTREAM\x00"...)
	s.buf = binary.BigEndian.AppendUint32(s.buf, uint32(len(data)))
	s.buf = append(s.buf, data...)
	s.buf = binary.BigEndian.AppendUint32(s.buf, 0)
	if _, err := s.Write(s.buf); err != nil {
		b.Error(err)
		return
	}
	reply, err := readReply(s)
	if err != nil || !strings.HasSuffix(reply, ": stream: OK") {
		b.Errorf("%q %v", reply, err)
	}
}

// The bare cost of a connection: PING on a new connection each time.
func BenchmarkPing(b *testing.B) {
	s := clamdScanner(b)
	for b.Loop() {
		if err := s.Ping(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
