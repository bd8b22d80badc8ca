package journal_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

type named struct {
	*mem.Store
	name string
}

func (n *named) String() string { return n.name }

// journalOf writes n segments to fresh replicas a and b and returns the
// head a catalog would have applied.
func journalOf(t *testing.T, n int) (*named, *named, *journal.Head) {
	t.Helper()
	a, b := &named{mem.New(), "mem://a"}, &named{mem.New(), "mem://b"}
	j := journal.New(a, b)
	var head journal.Head
	for i := range n {
		data, _ := json.Marshal(map[string]int{"n": i})
		seg, err := j.Append(t.Context(), journal.Entry{Kind: "test", Subject: "s", Data: data})
		if err != nil {
			t.Fatal(err)
		}
		head = journal.Head{Seq: seg.Seq, Digest: seg.Digest}
	}
	return a, b, &head
}

func raw(t *testing.T, st store.Store, seq uint64) []byte {
	t.Helper()
	rc, _, err := st.Get(t.Context(), journal.Key(seq))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

// set writes b under the key of seq, replacing what is there.
func set(t *testing.T, st *named, seq uint64, b []byte) {
	t.Helper()
	if err := st.Remove(t.Context(), journal.Key(seq)); err != nil {
		t.Fatal(err)
	}
	s := sha512.Sum512(b)
	if _, err := st.Put(t.Context(), journal.Key(seq), bytes.NewReader(b), int64(len(b)), hex.EncodeToString(s[:])); err != nil {
		t.Fatal(err)
	}
}

func segment(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(m map[string]any) []byte {
	b, _ := json.Marshal(m)
	return b
}

func digest(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// findings lists "store code path" of every finding.
func findings(v *journal.Verification) []string {
	var out []string
	for _, sv := range v.Stores {
		for _, p := range sv.Problems {
			out = append(out, sv.Store+" "+p.Code+" "+p.Path)
		}
	}
	for _, p := range v.Problems {
		out = append(out, "* "+p.Code+" "+p.Path)
	}
	return out
}

func verify(t *testing.T, head *journal.Head, stores ...store.Store) *journal.Verification {
	t.Helper()
	v, err := journal.Verify(context.Background(), stores, head)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func want(t *testing.T, v *journal.Verification, ok bool, contains ...string) {
	t.Helper()
	got := findings(v)
	if v.OK != ok {
		t.Errorf("OK = %v, want %v; findings %q", v.OK, ok, got)
	}
	for _, c := range contains {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, c) }) {
			t.Errorf("no finding %q in %q", c, got)
		}
	}
}

func TestVerifyIntact(t *testing.T) {
	a, b, head := journalOf(t, 4)
	v := verify(t, head, a, b)
	want(t, v, true)
	if len(findings(v)) != 0 || v.Stores[0].Segments != 4 || v.Stores[1].Head != *head {
		t.Errorf("intact journal: %q, %+v", findings(v), v.Stores[0])
	}
	// A fresh catalog (nothing applied) and a single store are fine too.
	want(t, verify(t, nil, a), true)
	want(t, verify(t, &journal.Head{}, a), true)
}

func TestVerifyEdited(t *testing.T) {
	a, b, head := journalOf(t, 4)
	b2 := raw(t, a, 2)
	set(t, a, 2, bytes.Replace(b2, []byte(`"n":1`), []byte(`"n":7`), 1))
	v := verify(t, head, a, b)
	want(t, v, false, "mem://a JOURNAL_CHAIN journal/0000000000000003.json", "* JOURNAL_DIVERGENT mem://a")
	// Alone, the chain still shows it.
	want(t, verify(t, head, a), false, "JOURNAL_CHAIN journal/0000000000000003.json")
}

func TestVerifyRemoved(t *testing.T) {
	a, b, head := journalOf(t, 4)
	if err := a.Remove(t.Context(), journal.Key(2)); err != nil {
		t.Fatal(err)
	}
	want(t, verify(t, head, a, b), false, "mem://a JOURNAL_GAP journal/0000000000000002.json", "* JOURNAL_DIVERGENT mem://a")
	// The last segment removed from every replica: only the catalog's
	// head shows it.
	a, b, head = journalOf(t, 4)
	for _, st := range []*named{a, b} {
		if err := st.Remove(t.Context(), journal.Key(4)); err != nil {
			t.Fatal(err)
		}
	}
	want(t, verify(t, nil, a, b), true)
	want(t, verify(t, head, a, b), false, "mem://a JOURNAL_TRUNCATED", "mem://b JOURNAL_TRUNCATED")
}

func TestVerifySwapped(t *testing.T) {
	a, b, head := journalOf(t, 4)
	s2, s3 := raw(t, a, 2), raw(t, a, 3)
	set(t, a, 2, s3)
	set(t, a, 3, s2)
	want(t, verify(t, head, a), false, "JOURNAL_MISPLACED journal/0000000000000002.json", "JOURNAL_MISPLACED journal/0000000000000003.json",
		"JOURNAL_CHAIN journal/0000000000000004.json")
	// Swapped with their numbers rewritten: the chain breaks all the same.
	m2, m3 := segment(t, s2), segment(t, s3)
	m2["seq"], m3["seq"] = 3, 2
	set(t, b, 2, encode(m3))
	set(t, b, 3, encode(m2))
	want(t, verify(t, head, b), false, "JOURNAL_CHAIN journal/0000000000000002.json")
}

func TestVerifyInserted(t *testing.T) {
	a, _, head := journalOf(t, 4)
	s2, s3, s4 := raw(t, a, 2), raw(t, a, 3), raw(t, a, 4)
	forged := encode(map[string]any{"seq": 3, "prev": digest(s2), "time": "2026-01-01T00:00:00Z",
		"entries": []map[string]any{{"kind": "grant", "subject": "mallory", "time": "2026-01-01T00:00:00Z"}}})
	m3, m4 := segment(t, s3), segment(t, s4)
	m3["seq"], m4["seq"] = 4, 5
	set(t, a, 3, forged)
	set(t, a, 4, encode(m3))
	s := encode(m4)
	if _, err := a.Put(t.Context(), journal.Key(5), bytes.NewReader(s), int64(len(s)), digest(s)); err != nil {
		t.Fatal(err)
	}
	want(t, verify(t, head, a), false, "JOURNAL_CHAIN journal/0000000000000004.json", "JOURNAL_HEAD journal/0000000000000004.json")

	// A segment appended behind magazin's back with the right chain is a
	// warning for the catalog, and divergence for the replicas.
	a, b, head := journalOf(t, 2)
	tail := encode(map[string]any{"seq": 3, "prev": head.Digest, "time": "2026-01-01T00:00:00Z", "entries": []any{}})
	if _, err := a.Put(t.Context(), journal.Key(3), bytes.NewReader(tail), int64(len(tail)), digest(tail)); err != nil {
		t.Fatal(err)
	}
	want(t, verify(t, head, a), true, "JOURNAL_UNAPPLIED")
	want(t, verify(t, head, a, b), false, "* JOURNAL_DIVERGENT mem://b")
}

func TestVerifyEditedLast(t *testing.T) {
	a, b, head := journalOf(t, 3)
	for _, st := range []*named{a, b} {
		s := raw(t, st, 3)
		set(t, st, 3, bytes.Replace(s, []byte(`"n":2`), []byte(`"n":9`), 1))
	}
	want(t, verify(t, nil, a, b), true)
	want(t, verify(t, head, a, b), false, "mem://a JOURNAL_HEAD", "mem://b JOURNAL_HEAD")
}

func TestVerifyCorruptAndStray(t *testing.T) {
	a, _, head := journalOf(t, 3)
	set(t, a, 2, []byte("not json"))
	s := []byte("x")
	if _, err := a.Put(t.Context(), "journal/notes.txt", bytes.NewReader(s), 1, digest(s)); err != nil {
		t.Fatal(err)
	}
	want(t, verify(t, head, a), false, "JOURNAL_CORRUPT journal/0000000000000002.json", "JOURNAL_CHAIN journal/0000000000000003.json",
		"JOURNAL_STRAY journal/notes.txt")
}
