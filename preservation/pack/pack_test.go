package pack_test

import (
	"bufio"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/pack"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/profiles/bagit"
	"github.com/magazin-archiv/magazin/profiles/eark"
)

func sum(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

const id = "urn:uuid:6f1c9a52-9d0e-4c33-8a43-3b1f2f1c0a11"

var contents = map[string][]byte{
	"Akte 1/Brief an Frau Müller.txt": []byte("Sehr geehrte Frau Müller,\n"),
	"Akte 1/Anlage #1 (50%).pdf":      []byte("%PDF-1.4\n%%EOF\n"),
}

// storedAIP writes an AIP with two versions into a memory store: v1 as
// ingested, v2 with an access copy.
func storedAIP(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	st := mem.New()
	a := &preservation.AIP{ID: id, Version: 1, Created: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Title: "Bauakte Müller",
		Profile: "folder", Fingerprint: "fp", Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "test"}}}
	var payload []aip.Source
	for _, name := range []string{"Akte 1/Anlage #1 (50%).pdf", "Akte 1/Brief an Frau Müller.txt"} {
		b := contents[name]
		f := preservation.File{Path: aip.PrefixOriginal + name, Name: name, Size: int64(len(b)), SHA512: sum(b), MIME: "text/plain"}
		a.Files = append(a.Files, f)
		payload = append(payload, aip.BytesSource(f.Path, b))
	}
	a.Events = []preservation.Event{{ID: "3b0c7a4e-0000-4000-8000-000000000001", Type: preservation.EventIngestion,
		DateTime: a.Created, Outcome: preservation.OutcomeSuccess, Agents: []string{"magazin"}}}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload,
		Submission: []aip.Source{aip.BytesSource(aip.PrefixSubmisson+"bag-info.txt", []byte("Source-Organization: LRA\n"))}})
	if err != nil {
		t.Fatal(err)
	}
	if err := aip.InitRoot(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := obj.Write(ctx, st, 2); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	_, err = aip.Update(ctx, []store.Store{st}, id, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		b := *cur
		f := preservation.File{Path: "representations/access/data/Akte 1/Anlage #1 (50%).png", Name: "Akte 1/Anlage #1 (50%).png",
			Size: int64(len(png)), SHA512: sum(png), MIME: "image/png", DerivedFrom: cur.Files[0].Path}
		b.Files = append(append([]preservation.File(nil), cur.Files...), f)
		return &aip.Revision{AIP: &b, Add: []aip.Source{aip.BytesSource(f.Path, png)}, Message: "access copy", Created: a.Created.Add(time.Hour)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// readManifest parses a bag manifest into path -> digest.
func readManifest(t *testing.T, p string) map[string]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		d, path, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("%s: bad line %q", p, sc.Text())
		}
		m[strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(path)] = d
	}
	return m
}

func fileSum(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sum(b)
}

func TestExportBagValidates(t *testing.T) {
	ctx := context.Background()
	st := storedAIP(t)
	for _, tc := range []struct {
		name string
		o    pack.Options
		want []string // payload paths that must be there
		not  []string
	}{
		{"head", pack.Options{Organization: "Sächsisches Staatsarchiv"},
			[]string{"data/representations/access/data/Akte 1/Anlage #1 (50%).png", "data/representations/original/data/Akte 1/Brief an Frau Müller.txt", "data/METS.xml"}, nil},
		{"v1", pack.Options{Version: "v1"}, []string{"data/representations/original/data/Akte 1/Anlage #1 (50%).pdf"},
			[]string{"data/representations/access/data/Akte 1/Anlage #1 (50%).png"}},
		{"all", pack.Options{AllVersions: true}, []string{"data/v1/METS.xml", "data/v2/METS.xml",
			"data/v1/representations/original/data/Akte 1/Anlage #1 (50%).pdf", "data/v2/representations/access/data/Akte 1/Anlage #1 (50%).png"},
			[]string{"data/v1/representations/access/data/Akte 1/Anlage #1 (50%).png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bag")
			res, err := pack.ExportBag(ctx, st, id, dir, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := bagit.New().Read(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Problems.HasErrors() || len(tr.Problems) > 0 {
				t.Fatalf("bag not clean: %v", tr.Problems)
			}
			if got := tr.Description["External-Identifier"]; got != id {
				t.Errorf("External-Identifier %v", got)
			}
			m512, m256 := readManifest(t, filepath.Join(dir, "manifest-sha512.txt")), readManifest(t, filepath.Join(dir, "manifest-sha256.txt"))
			if len(m512) != res.PayloadFiles || len(m256) != res.PayloadFiles {
				t.Errorf("manifests list %d/%d files, payload %d", len(m512), len(m256), res.PayloadFiles)
			}
			for p, d := range m512 {
				if got := fileSum(t, filepath.Join(dir, filepath.FromSlash(p))); got != d {
					t.Errorf("%s: sha512 %s, manifest %s", p, got, d)
				}
			}
			for _, p := range tc.want {
				if _, ok := m512[p]; !ok {
					t.Errorf("%s missing from the bag", p)
				}
			}
			for _, p := range tc.not {
				if _, ok := m512[p]; ok {
					t.Errorf("%s is in the bag", p)
				}
			}
			info, _ := os.ReadFile(filepath.Join(dir, "bag-info.txt"))
			for _, l := range []string{"Payload-Oxum: ", "Bagging-Date: ", "External-Identifier: " + id} {
				if !strings.Contains(string(info), l) {
					t.Errorf("bag-info.txt lacks %q:\n%s", l, info)
				}
			}
			if tc.o.Organization != "" && !strings.Contains(string(info), "Source-Organization: "+tc.o.Organization) {
				t.Errorf("no Source-Organization:\n%s", info)
			}
			// The original's content is the stored content.
			if p := "representations/original/data/Akte 1/Brief an Frau Müller.txt"; tc.name == "head" {
				if got := fileSum(t, filepath.Join(dir, "data", filepath.FromSlash(p))); got != sum(contents["Akte 1/Brief an Frau Müller.txt"]) {
					t.Error("content differs from the AIP")
				}
			}
		})
	}
}

func TestExportEARKValidates(t *testing.T) {
	ctx := context.Background()
	st := storedAIP(t)
	for _, o := range []pack.Options{{}, {AllVersions: true}} {
		dir := filepath.Join(t.TempDir(), strings.NewReplacer(":", "+").Replace(id))
		if _, err := pack.ExportEARK(ctx, st, id, dir, o); err != nil {
			t.Fatal(err)
		}
		tr, err := eark.Profile{Xmllint: "-"}.Read(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tr.Problems {
			if p.Severity == preservation.SeverityError {
				t.Errorf("all=%v: %s", o.AllVersions, p)
			} else {
				t.Logf("all=%v: %s", o.AllVersions, p)
			}
		}
		want := "representations/access/data/Akte 1/Anlage #1 (50%).png"
		if o.AllVersions {
			want = "representations/v2-access/data/Akte 1/Anlage #1 (50%).png"
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(want))); err != nil {
			t.Error(err)
		}
		mets, _ := os.ReadFile(filepath.Join(dir, "METS.xml"))
		for _, s := range []string{`csip:OAISPACKAGETYPE="AIP"`, pack.ProfileAIP, `OBJID="` + id + `"`} {
			if !strings.Contains(string(mets), s) {
				t.Errorf("METS.xml lacks %s", s)
			}
		}
	}
}

// rotStore flips a byte of every content file it returns.
type rotStore struct{ store.Store }

func (r rotStore) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	rc, info, err := r.Store.Get(ctx, key)
	if err != nil || !strings.Contains(key, "/content/representations/") {
		return rc, info, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, info, err
	}
	b[0] ^= 1
	return io.NopCloser(strings.NewReader(string(b))), info, nil
}

func TestExportRefusesDamagedContentAndLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st := rotStore{storedAIP(t)}
	parent := t.TempDir()
	for name, fn := range map[string]func(string) (*pack.Result, error){
		"bag":  func(d string) (*pack.Result, error) { return pack.ExportBag(ctx, st, id, d, pack.Options{}) },
		"eark": func(d string) (*pack.Result, error) { return pack.ExportEARK(ctx, st, id, d, pack.Options{}) },
	} {
		_, err := fn(filepath.Join(parent, name))
		if !errors.Is(err, store.ErrDigestMismatch) {
			t.Errorf("%s: err %v, want a digest mismatch", name, err)
		}
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestExportRefusesExistingTargetAndUnknownVersion(t *testing.T) {
	ctx := context.Background()
	st := storedAIP(t)
	dir := t.TempDir()
	if _, err := pack.ExportBag(ctx, st, id, dir, pack.Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("existing target: %v", err)
	}
	if _, err := pack.ExportBag(ctx, st, id, filepath.Join(dir, "x"), pack.Options{Version: "v9"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := pack.ExportEARK(ctx, st, id, filepath.Join(dir, "y"), pack.Options{Version: "v1", AllVersions: true}); err == nil {
		t.Error("version and all versions accepted")
	}
}

func TestWriteBagEncodesAwkwardNames(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "new", "parent", "bag")
	files := []pack.File{{Path: "100% sicher.txt", Size: 2, Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("ja")), nil
	}}}
	if _, err := pack.WriteBag(ctx, dir, files, nil, nil); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, filepath.Join(dir, "manifest-sha512.txt"))
	if _, ok := m["data/100% sicher.txt"]; !ok {
		t.Errorf("manifest %v", m)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "manifest-sha256.txt")); !strings.Contains(string(raw), " data/100%25 sicher.txt\n") {
		t.Errorf("manifest path not percent-encoded: %s", raw)
	}
	tr, err := bagit.New().Read(ctx, dir)
	if err != nil || len(tr.Problems) > 0 {
		t.Fatalf("%v %v", err, tr.Problems)
	}
	bad := []pack.File{{Path: "../x", Size: -1, Open: files[0].Open}}
	if _, err := pack.WriteBag(ctx, filepath.Join(t.TempDir(), "b"), bad, nil, nil); !errors.Is(err, pack.ErrPath) {
		t.Errorf("path leaving the bag: %v", err)
	}
}

// countStore counts the reads of every key.
type countStore struct {
	store.Store
	mu    sync.Mutex
	reads map[string]int
}

func (c *countStore) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	c.mu.Lock()
	c.reads[key]++
	c.mu.Unlock()
	return c.Store.Get(ctx, key)
}

// TestAllVersionsReadEachStoredFileOnce exports every version, in which
// most files are the same content, and counts the reads of each stored
// content file.
func TestAllVersionsReadEachStoredFileOnce(t *testing.T) {
	ctx := context.Background()
	for name, fn := range map[string]func(store.Store, string) (*pack.Result, error){
		"bag": func(st store.Store, d string) (*pack.Result, error) {
			return pack.ExportBag(ctx, st, id, d, pack.Options{AllVersions: true})
		},
		"eark": func(st store.Store, d string) (*pack.Result, error) {
			return pack.ExportEARK(ctx, st, id, d, pack.Options{AllVersions: true})
		},
	} {
		st := &countStore{Store: storedAIP(t), reads: map[string]int{}}
		if _, err := fn(st, filepath.Join(t.TempDir(), name)); err != nil {
			t.Fatal(err)
		}
		content := 0
		for key, n := range st.reads {
			if !strings.Contains(key, "/content/representations/") {
				continue // the description and PREMIS are read once more, for the title
			}
			content++
			if n != 1 {
				t.Errorf("%s: %s read %d times", name, key, n)
			}
		}
		if content < 3 { // two originals, one access copy
			t.Errorf("%s: only %d content files read", name, content)
		}
	}
}
