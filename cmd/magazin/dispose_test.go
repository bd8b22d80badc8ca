package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store/location"
)

// requestDisposal runs `dispose request` and returns the request id.
func requestDisposal(t *testing.T, g []string, ref, user string) string {
	t.Helper()
	out := mustRun(t, append(g, "dispose", "request", ref, "--reason", "Kassation: Bewertung V, Aufbewahrungsfrist abgelaufen", "--user", user)...)
	id, _, _ := strings.Cut(out, "\t")
	if !strings.HasPrefix(id, "urn:uuid:") {
		t.Fatalf("dispose request said: %s", out)
	}
	return id
}

// The disposal of an AIP by two archivists: self-approval is refused; the
// approval removes the content from every store and keeps the description
// as a tombstone; it is journaled and survives a rebuild.
func TestDisposal(t *testing.T) {
	tmp := t.TempDir()
	storeDir := filepath.Join(tmp, "store")
	stores := []string{"--store", "file://" + storeDir}
	s3 := ""
	if os.Getenv("MAGAZIN_TEST_S3") != "" {
		s3 = s3URL(t)
		stores = append(stores, "--store", s3)
	}
	data := filepath.Join(tmp, "data")
	g := append([]string{"--data", data}, stores...)
	mustRun(t, append(g, "bestand", "add", "--signatur", "20001", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "ingest", "--bestand", "20001", "--profile", "folder", sampleDir(t))...)
	id := listAIPs(t, g...)[0].ID
	mustRun(t, append(g, "describe", "20001 Nr. 1", "--scope", "Antrag, Lageplan", "--user", "alice")...)

	req := requestDisposal(t, g, "20001 Nr. 1", "alice")
	if r := magazin(t, append(g, "dispose", "request", id, "--reason", "again", "--user", "carol")...); r.code != 1 || !strings.Contains(r.stderr, "requested already") {
		t.Errorf("a second request: exit %d, %s", r.code, r.stderr)
	}
	if r := magazin(t, append(g, "dispose", "approve", req, "--user", "alice")...); r.code != 1 || !strings.Contains(r.stderr, "second archivist") {
		t.Fatalf("self-approval: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := magazin(t, append(g, "dispose", "approve", req)...); r.code != 2 {
		t.Errorf("approval without --user: exit %d", r.code)
	}
	if l := listAIPs(t, g...); len(l) != 1 {
		t.Fatalf("a refused approval changed the AIPs: %+v", l)
	}
	out := mustRun(t, append(g, "dispose", "approve", req, "--user", "bob")...)
	if !strings.Contains(out, "disposed of, its description kept") {
		t.Errorf("dispose approve said:\n%s", out)
	}

	// The content is gone from every store.
	if _, err := os.Stat(filepath.Join(storeDir, filepath.FromSlash(aip.ObjectKey(id)))); !os.IsNotExist(err) {
		t.Errorf("the object root is still in the fs store: %v", err)
	}
	if s3 != "" {
		st, err := location.Open(t.Context(), s3, os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		for info, err := range st.List(t.Context(), aip.ObjectKey(id)+"/") {
			t.Errorf("left in S3: %s %v", info.Key, err)
		}
	}
	if l := listAIPs(t, g...); len(l) != 0 {
		t.Errorf("aip list after disposal: %+v", l)
	}
	// The description stays, marked as disposed.
	var us []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "unit", "list", "--parent", "20001", "--json")...)), &us); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if len(us) != 1 || us[0]["disposed"] != today || us[0]["scope"] != "Antrag, Lageplan" {
		t.Errorf("units after disposal: %+v", us)
	}
	show := mustRun(t, append(g, "aip", "show", id)...)
	for _, want := range []string{"DISPOSED", "approved by bob", "requested by alice", "Kassation", "del  success"} {
		if !strings.Contains(show, want) {
			t.Errorf("aip show lacks %q:\n%s", want, show)
		}
	}
	list := mustRun(t, append(g, "dispose", "list")...)
	if !strings.Contains(list, req) || !strings.Contains(list, "done") {
		t.Errorf("dispose list:\n%s", list)
	}
	if out := mustRun(t, append(g, "dispose", "approve", req, "--user", "bob")...); !strings.Contains(out, "was done") {
		t.Errorf("approving again said: %s", out)
	}
	if r := magazin(t, append(g, "audit")...); r.code != 0 {
		t.Errorf("audit after disposal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustRun(t, append(g, "journal", "verify")...)
	rebuildEqualsLive(t, data, stores)
}

// Object lock: a disposal before the retention ends is refused, naming the
// date, and nothing is removed.
func TestDisposalRefusedUnderObjectLock(t *testing.T) {
	base := os.Getenv("MAGAZIN_TEST_S3")
	if base == "" {
		corpus.Missing(t, "MAGAZIN_TEST_S3 not set: no S3 server (make test starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Host += "-lock"
	u.Path = "/dispose-" + randHex(t)
	q := u.Query()
	q.Set("object-lock", "true")
	q.Set("retain-days", "1")
	u.RawQuery = q.Encode()
	tmp := t.TempDir()
	g := []string{"--data", filepath.Join(tmp, "data"), "--store", u.String()}
	mustRun(t, append(g, "store", "init")...)
	mustRun(t, append(g, "ingest", "--profile", "folder", sampleDir(t))...)
	id := listAIPs(t, g...)[0].ID
	req := requestDisposal(t, g, id, "alice")
	r := magazin(t, append(g, "dispose", "approve", req, "--user", "bob")...)
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02")
	if r.code != 1 || !strings.Contains(r.stderr, "object lock retains it") || !strings.Contains(r.stderr, "until "+tomorrow) {
		t.Fatalf("approval under object lock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if l := listAIPs(t, g...); len(l) != 1 {
		t.Errorf("the AIP is gone after a refused disposal: %+v", l)
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
	if out := mustRun(t, append(g, "dispose", "list")...); !strings.Contains(out, "requested") {
		t.Errorf("dispose list after the refusal:\n%s", out)
	}
}
