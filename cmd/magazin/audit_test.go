package main

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/location"
)

// vermerk is the content path of a file of the sample transfer.
const vermerk = "v1/content/representations/original/data/Akte 2026-001 Bauantrag Müller/Vermerk.txt"

// s3URL returns a store URL with a prefix of its own on the test S3
// server, after `magazin store init`.
func s3URL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("MAGAZIN_TEST_S3")
	if base == "" {
		corpus.Missing(t, "MAGAZIN_TEST_S3 not set: no S3 server (make test starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/audit-" + randHex(t)
	mustRun(t, "--data", t.TempDir(), "--store", u.String(), "store", "init")
	return u.String()
}

// flipByte changes one byte of a read-only file in an fs store, as bit rot
// would, and makes it read-only again.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
}

func decodeReport(t *testing.T, out string) *fixity.Report {
	t.Helper()
	var r fixity.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, out)
	}
	return &r
}

// The first "done when": two real stores (fs + S3), a flipped byte
// in one copy and a deleted file in the other.
func TestAuditRepairsFSAndS3(t *testing.T) {
	s3 := s3URL(t)
	tmp := t.TempDir()
	fsDir := filepath.Join(tmp, "fs")
	g := []string{"--data", filepath.Join(tmp, "data"), "--store", "file://" + fsDir, "--store", s3}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	list := listAIPs(t, g...)
	if len(list) != 1 {
		t.Fatalf("aip list = %+v", list)
	}
	id := list[0].ID
	root := aip.ObjectKey(id)
	if r := magazin(t, append(g, "audit")...); r.code != 0 || !strings.Contains(r.stdout, "every copy intact") {
		t.Fatalf("audit of intact stores: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Bit rot in the fs copy, a lost object in the S3 copy.
	flipByte(t, filepath.Join(fsDir, filepath.FromSlash(root+"/"+vermerk)), 3)
	st, err := location.Open(t.Context(), s3, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.(store.Remover).Remove(t.Context(), root+"/v1/content/METS.xml"); err != nil {
		t.Fatal(err)
	}

	r := magazin(t, append(g, "audit")...)
	if r.code != 1 {
		t.Fatalf("audit of damaged stores: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"DAMAGED in file://" + fsDir, "AIP_FILE_DAMAGED: " + vermerk, "DAMAGED in " + st.String(),
		"AIP_FILE_MISSING: v1/content/METS.xml", "damage remains in 1 objects"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("audit output lacks %q:\n%s", want, r.stdout)
		}
	}

	r = magazin(t, append(g, "audit", "--repair", "--json")...)
	if r.code != 0 {
		t.Fatalf("audit --repair: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep := decodeReport(t, r.stdout)
	if !rep.OK() || len(rep.Stores) != 2 || rep.Stores[0].Repairs != 1 || rep.Stores[1].Repairs != 1 || rep.Stores[0].Failures+rep.Stores[1].Failures != 0 {
		t.Errorf("audit --repair report:\n%s", r.stdout)
	}
	for i, want := range []string{vermerk, "v1/content/METS.xml"} {
		c := rep.Findings[0].Copies[i]
		if len(c.Repairs) != 1 || c.Repairs[0].Path != want || !c.OK || len(c.Remaining) != 0 {
			t.Errorf("copy %d: repairs %+v, remaining %v", i, c.Repairs, c.Remaining)
		}
	}

	r = magazin(t, append(g, "audit", "--json")...)
	if rep := decodeReport(t, r.stdout); r.code != 0 || !rep.OK() || len(rep.Findings) != 0 {
		t.Fatalf("audit after repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
	mustRun(t, append(g, "journal", "verify")...)

	// The events are in the journal, shown by aip show, also after a
	// rebuild from storage alone.
	g2 := []string{"--data", filepath.Join(tmp, "data2"), "--store", "file://" + fsDir, "--store", s3}
	mustRun(t, append(g2, "rebuild")...)
	for _, args := range [][]string{g, g2} {
		show := mustRun(t, append(args, "aip", "show", id)...)
		for _, want := range []string{"events in the journal", "fix  failure", "rep  success  repair of 1 files in file://" + fsDir,
			"rep  success  repair of 1 files in " + st.String(), "fixity check after repair"} {
			if !strings.Contains(show, want) {
				t.Errorf("aip show lacks %q:\n%s", want, show)
			}
		}
		var shown struct {
			ID            string               `json:"id"`
			JournalEvents []preservation.Event `json:"journalEvents"`
		}
		if err := json.Unmarshal([]byte(mustRun(t, append(args, "aip", "show", "--json", id)...)), &shown); err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range shown.JournalEvents {
			types = append(types, e.Type+" "+e.Outcome)
		}
		// Per copy: intact, damaged, damaged again in the repair run,
		// the repair, the check after it, intact.
		for _, want := range []string{"fix failure", "rep success", "fix success"} {
			if !slices.Contains(types, want) {
				t.Errorf("aip show --json: journal events %q lack %q", types, want)
			}
		}
		if n := len(shown.JournalEvents); n != 2*6 {
			t.Errorf("aip show --json: %d journal events, want 12: %q", n, types)
		}
	}
}

// An audit over the fs store alone: a lost object and usage errors.
func TestAuditExitCodes(t *testing.T) {
	tmp := t.TempDir()
	fsDir := filepath.Join(tmp, "fs")
	g := []string{"--data", filepath.Join(tmp, "data"), "--store", "file://" + fsDir}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	id := listAIPs(t, g...)[0].ID
	if r := magazin(t, append(g, "audit", "--rate", "fast")...); r.code != 2 {
		t.Errorf("audit --rate fast: exit %d, want 2", r.code)
	}
	if r := magazin(t, append(g, "audit", "--rate", "10MiB/s", "--limit", "1")...); r.code != 0 {
		t.Errorf("audit --rate 10MiB/s: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// One store, no replica: damage is found but cannot be repaired.
	flipByte(t, filepath.Join(fsDir, filepath.FromSlash(aip.ObjectKey(id)+"/"+vermerk)), 0)
	r := magazin(t, append(g, "audit", "--repair")...)
	if r.code != 1 || !strings.Contains(r.stdout, "NOT repaired "+vermerk+": no store holds a healthy copy") {
		t.Errorf("audit --repair with one store: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The object root of the AIP removed entirely: the catalog still
	// expects it.
	if err := exec.Command("chmod", "-R", "u+w", filepath.Join(fsDir, "ocfl")).Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(fsDir, filepath.FromSlash(aip.ObjectKey(id)))); err != nil {
		t.Fatal(err)
	}
	r = magazin(t, append(g, "audit")...)
	if r.code != 1 || !strings.Contains(r.stdout, "AIP_MISSING") {
		t.Errorf("audit of a store without the AIP: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// journalFixture makes a data directory and an fs store whose journal
// holds at least five segments, all applied to the catalog.
func journalFixture(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	g := []string{"--data", filepath.Join(dir, "data"), "--store", "file://" + filepath.Join(dir, "fs")}
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	for range 5 {
		mustRun(t, append(g, "aip", "verify", "--all")...)
	}
	if n := len(segments(t, dir)); n < 5 {
		t.Fatalf("%d journal segments, want at least 5", n)
	}
	mustRun(t, append(g, "journal", "verify")...)
	return dir
}

func segments(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "fs", "journal", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func writeSegment(t *testing.T, path string, b []byte) {
	t.Helper()
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, b, 0o444); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o444)
}

func readSegment(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func renumber(t *testing.T, b []byte, seq int) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["seq"] = seq
	out, _ := json.Marshal(m)
	return out
}

// segPath returns the file of journal segment seq in the fs store of dir.
func segPath(dir string, seq uint64) string {
	return filepath.Join(dir, "fs", filepath.FromSlash(journal.Key(seq)))
}

// The fourth "done when": editing, deleting, swapping or inserting
// a journal segment is detected by `magazin journal verify`.
func TestJournalVerifyDetectsTampering(t *testing.T) {
	base := journalFixture(t)
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, dir string, n uint64)
		want   []string
	}{
		{"edit", func(t *testing.T, dir string, n uint64) {
			b := readSegment(t, segPath(dir, 2))
			writeSegment(t, segPath(dir, 2), bytes.Replace(b, []byte(`"time":"20`), []byte(`"time":"19`), 1))
		}, []string{"JOURNAL_CHAIN: journal/0000000000000003.json", "segment 2 was edited"}},
		{"edit-last", func(t *testing.T, dir string, n uint64) {
			b := readSegment(t, segPath(dir, n))
			writeSegment(t, segPath(dir, n), bytes.Replace(b, []byte(`"ok":true`), []byte(`"ok":false`), 1))
		}, []string{"JOURNAL_HEAD", "it was edited or replaced"}},
		{"delete", func(t *testing.T, dir string, n uint64) {
			os.Remove(segPath(dir, 3))
		}, []string{"JOURNAL_GAP: journal/0000000000000003.json", "segment 3 is missing"}},
		{"delete-last", func(t *testing.T, dir string, n uint64) {
			os.Remove(segPath(dir, n))
		}, []string{"JOURNAL_TRUNCATED", "the last segments were removed"}},
		{"swap", func(t *testing.T, dir string, n uint64) {
			b2, b3 := readSegment(t, segPath(dir, 2)), readSegment(t, segPath(dir, 3))
			writeSegment(t, segPath(dir, 2), b3)
			writeSegment(t, segPath(dir, 3), b2)
		}, []string{"JOURNAL_MISPLACED: journal/0000000000000002.json: holds segment 3", "JOURNAL_MISPLACED: journal/0000000000000003.json: holds segment 2"}},
		{"swap-renumbered", func(t *testing.T, dir string, n uint64) {
			b2, b3 := readSegment(t, segPath(dir, 2)), readSegment(t, segPath(dir, 3))
			writeSegment(t, segPath(dir, 2), renumber(t, b3, 2))
			writeSegment(t, segPath(dir, 3), renumber(t, b2, 3))
		}, []string{"JOURNAL_CHAIN: journal/0000000000000002.json"}},
		{"insert", func(t *testing.T, dir string, n uint64) {
			// Segments 3.. move up by one, renumbered, and a forged
			// segment 3 chained to segment 2 takes the place.
			for seq := n; seq >= 3; seq-- {
				writeSegment(t, segPath(dir, seq+1), renumber(t, readSegment(t, segPath(dir, seq)), int(seq+1)))
			}
			prev := sha512.Sum512(readSegment(t, segPath(dir, 2)))
			forged, _ := json.Marshal(map[string]any{"seq": 3, "prev": hex.EncodeToString(prev[:]), "time": "2026-01-01T00:00:00Z",
				"entries": []map[string]any{{"kind": "grant", "subject": "mallory", "time": "2026-01-01T00:00:00Z"}}})
			writeSegment(t, segPath(dir, 3), forged)
		}, []string{"JOURNAL_CHAIN: journal/0000000000000004.json", "segment 3 was edited, or this one was inserted or moved"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "copy")
			if out, err := exec.Command("cp", "-a", base, dir).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v\n%s", err, out)
			}
			c.tamper(t, dir, uint64(len(segments(t, dir))))
			r := magazin(t, "--data", filepath.Join(dir, "data"), "--store", "file://"+filepath.Join(dir, "fs"), "journal", "verify")
			if r.code != 1 {
				t.Fatalf("journal verify after %s: exit %d, want 1\n%s%s", c.name, r.code, r.stdout, r.stderr)
			}
			for _, want := range append(c.want, "result: journal NOT intact") {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("journal verify after %s lacks %q:\n%s", c.name, want, r.stdout)
				}
			}
		})
	}
}
