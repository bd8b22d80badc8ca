package journal_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

func TestAppendReplay(t *testing.T) {
	ctx := context.Background()
	a, b := mem.New(), mem.New()
	j := journal.New(a, b)
	for i := 0; i < 5; i++ {
		data, _ := json.Marshal(map[string]int{"n": i})
		if _, err := j.Append(ctx, journal.Entry{Kind: "test", Subject: "s", Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []store.Store{a, b} {
		n := 0
		for seg, err := range journal.Replay(ctx, st) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if seg.Seq != uint64(n) {
				t.Fatalf("seq %d at position %d", seg.Seq, n)
			}
		}
		if n != 5 {
			t.Fatalf("%s: replayed %d segments, want 5", st, n)
		}
	}
	// A second journal over the same store continues the chain.
	j2 := journal.New(a)
	seg, err := j2.Append(ctx, journal.Entry{Kind: "test"})
	if err != nil || seg.Seq != 6 {
		t.Fatalf("continued append = %+v, %v", seg, err)
	}
	for _, err := range journal.Replay(ctx, a) {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrentWritersNeverFork(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := journal.New(st) // separate writers, as two processes would be
			for i := 0; i < 5; i++ {
				if _, err := j.Append(ctx, journal.Entry{Kind: "w"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, err := range journal.Replay(ctx, st) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 20 {
		t.Fatalf("replayed %d segments, want 20", n)
	}
}

func TestReplayDetectsTampering(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	j := journal.New(st)
	for i := 0; i < 3; i++ {
		if _, err := j.Append(ctx, journal.Entry{Kind: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	// Forge segment 2 in a copy of the store: same key space, other bytes.
	forged := mem.New()
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		rc, _, err := st.Get(ctx, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if info.Key == journal.Key(2) {
			b = bytes.Replace(b, []byte(`"kind":"k"`), []byte(`"kind":"x"`), 1)
		}
		s := sha512.Sum512(b)
		if _, err := forged.Put(ctx, info.Key, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(s[:])); err != nil {
			t.Fatal(err)
		}
	}
	var got error
	for _, err := range journal.Replay(ctx, forged) {
		if err != nil {
			got = err
		}
	}
	if !errors.Is(got, journal.ErrBroken) {
		t.Fatalf("replay of a forged journal = %v, want ErrBroken", got)
	}
}
