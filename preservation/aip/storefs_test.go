package aip_test

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
)

// manyFilesObject writes an AIP with n original files into a mem store.
func manyFilesObject(t *testing.T, n int) (*mem.Store, *aip.Object) {
	t.Helper()
	a := &preservation.AIP{ID: "urn:uuid:0b9f6d1e-2c3a-4e5f-8a7b-9c0d1e2f3a4b", Version: 1,
		Created: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Title: "Viele Dateien", Profile: "folder", Fingerprint: "fp",
		Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "test"}}}
	var payload []aip.Source
	for i := range n {
		name := fmt.Sprintf("Akte %d/Datei-%03d.txt", i%7, i)
		b := []byte(fmt.Sprintf("Inhalt der Datei %d\n", i))
		a.Files = append(a.Files, preservation.File{Path: aip.PrefixOriginal + name, Name: name, Size: int64(len(b)), SHA512: sum(b)})
		a.Size += int64(len(b))
		payload = append(payload, aip.BytesSource(aip.PrefixOriginal+name, b))
	}
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	st := mem.New()
	if err := obj.Write(t.Context(), st, 4); err != nil {
		t.Fatal(err)
	}
	return st, obj
}

func listing(t *testing.T, st store.Store, root string) []store.Info {
	t.Helper()
	var out []store.Info
	for info, err := range st.List(t.Context(), root+"/") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info)
	}
	return out
}

// A StoreFS over a listing made once shows the same tree as one that
// lists the store for every directory, and the validator finds the same
// on both.
func TestListedStoreFSMatchesStoreFS(t *testing.T) {
	ctx := t.Context()
	st, obj := manyFilesObject(t, 40)
	damaged := obj.Root + "/v1/content/" + aip.PrefixOriginal + "Akte 3/Datei-010.txt"
	if err := st.Tamper(damaged, []byte("anders\n")); err != nil {
		t.Fatal(err)
	}
	live := aip.NewStoreFS(ctx, st, obj.Root)
	listed := aip.NewListedStoreFS(ctx, st, obj.Root, listing(t, st, obj.Root))
	n := 0
	err := fs.WalkDir(live, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		n++
		want, err := fs.ReadDir(live, p)
		if err != nil {
			return err
		}
		got, err := fs.ReadDir(listed, p)
		if err != nil {
			return fmt.Errorf("listed ReadDir(%q): %w", p, err)
		}
		if !slices.EqualFunc(got, want, func(a, b fs.DirEntry) bool {
			ai, _ := a.Info()
			bi, _ := b.Info()
			return a.Name() == b.Name() && a.IsDir() == b.IsDir() && ai.Size() == bi.Size() && ai.ModTime().Equal(bi.ModTime())
		}) {
			t.Errorf("ReadDir(%q): listed %v, live %v", p, got, want)
		}
		return nil
	})
	if err != nil || n < 5 {
		t.Fatalf("walked %d directories: %v", n, err)
	}
	if _, err := fs.ReadDir(listed, "v1/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadDir of a missing directory: %v, want fs.ErrNotExist", err)
	}
	want := aip.ValidateObject(ctx, live, ".")
	got := aip.ValidateObject(ctx, listed, ".")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed: %v %v\nlive: %v %v", got.Errors, got.Warnings, want.Errors, want.Warnings)
	}
	if len(got.Errors) != 1 || got.Errors[0].Code != "E092" || !strings.HasSuffix(damaged, got.Errors[0].Path) {
		t.Errorf("errors %v, want one E092 for %s", got.Errors, damaged)
	}
}

// Content files are read concurrently, but the findings come in the order
// of their paths, the same in every run.
func TestValidateObjectFindingsInPathOrder(t *testing.T) {
	ctx := t.Context()
	st, obj := manyFilesObject(t, 60)
	var want []string
	for _, i := range []int{57, 3, 30, 14, 41} {
		rel := fmt.Sprintf("v1/content/%sAkte %d/Datei-%03d.txt", aip.PrefixOriginal, i%7, i)
		if err := st.Tamper(obj.Root+"/"+rel, []byte("beschädigt\n")); err != nil {
			t.Fatal(err)
		}
		want = append(want, rel)
	}
	slices.Sort(want)
	var first *aip.ValidationResult
	for run := range 10 {
		res := aip.ValidateObject(ctx, aip.NewStoreFS(ctx, st, obj.Root), ".")
		var got []string
		for _, e := range res.Errors {
			if e.Code != "E092" {
				t.Fatalf("run %d: unexpected %v", run, e)
			}
			got = append(got, e.Path)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: E092 for %q, want %q", run, got, want)
		}
		if first == nil {
			first = res
		} else if !reflect.DeepEqual(res, first) {
			t.Fatalf("run %d differs from run 0:\n%v\n%v", run, res.Errors, first.Errors)
		}
	}
}
