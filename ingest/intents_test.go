package ingest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

type intentMap struct {
	mu sync.Mutex
	m  map[string]string
}

func (l *intentMap) Intent(_ context.Context, fp string) (string, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id, ok := l.m[fp]
	return id, ok, nil
}

func (l *intentMap) RecordIntent(_ context.Context, fp, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[fp] = id
	return nil
}

// A crash after the AIP was stored (and completed in only one of two
// stores) but before the catalog learnt of it: the ingest run again adopts
// the stored AIP, completes the other store, and stores no second one.
func TestRerunAfterCrashAdoptsStoredAIP(t *testing.T) {
	ctx := context.Background()
	a, b := mem.New(), mem.New()
	stores := []store.Store{a, b}
	intents := &intentMap{m: map[string]string{}}
	first, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	in, err := ingest.New(ingest.DefaultConfig(t.TempDir()), stores, first, identifier(t), ingest.WithIntents(intents))
	if err != nil {
		t.Fatal(err)
	}
	src := repoPath(t, "testdata/sample-transfer")
	res, err := in.Ingest(ctx, src, ingest.Options{Profile: "auto"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := string(res.AIPs[0].ID)
	// The crash: store b never got its root inventory, the catalog nothing.
	root := aip.ObjectKey(id)
	for _, k := range []string{root + "/inventory.json.sha512", root + "/inventory.json"} {
		if err := b.Remove(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	second, err := catalog.Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	in2, err := ingest.New(ingest.DefaultConfig(t.TempDir()), stores, second, identifier(t), ingest.WithIntents(intents))
	if err != nil {
		t.Fatal(err)
	}
	res2, err := in2.Ingest(ctx, src, ingest.Options{Profile: "auto"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.AIPs) != 1 || string(res2.AIPs[0].ID) != id || res2.Existing != 1 {
		t.Fatalf("rerun made %+v, want the adopted %s", res2, id)
	}
	if got, ok, _ := second.ByFingerprint(ctx, res.AIPs[0].Fingerprint); !ok || got != id {
		t.Errorf("catalog after adoption: %q %v", got, ok)
	}
	for _, st := range stores {
		if n := objectCount(t, st); n != 1 {
			t.Errorf("%s holds %d objects, want 1", st, n)
		}
		if _, err := aip.ReadHead(ctx, st, id); err != nil {
			t.Errorf("%s: %v", st, err)
		}
	}
}
