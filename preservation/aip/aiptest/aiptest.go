// Package aiptest provides test helpers for OCFL objects and storage roots:
// an independent second opinion on validity from github.com/srerickson/ocfl-go
// (a separate OCFL implementation, so that a bug shared by magazin's builder
// and its own validator in package aip cannot hide), and the location of the
// OCFL conformance fixtures in the shared corpus.
//
// It is imported only by tests. Its one third-party dependency is ocfl-go,
// pinned at v0.11.1.
package aiptest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocfl "github.com/srerickson/ocfl-go"
	ocflfs "github.com/srerickson/ocfl-go/fs"
)

// ValidateIndependently validates the OCFL storage root at storageRoot (a
// directory on local disk) with ocfl-go: it opens the root (declaration and
// ocfl_layout.json), finds every object declaration below it, runs ocfl-go's
// full object validation — including content digests — on each object, and
// checks that the root's storage layout, when it has one, maps each object's
// id to the directory the object is in. Every error and every warning is
// reported with t.Errorf, so the test fails on any finding; the number of
// objects validated is logged. It never calls t.Fatal, so the caller's test
// goes on.
func ValidateIndependently(t testing.TB, storageRoot string) {
	t.Helper()
	ctx := t.Context()
	fsys := ocflfs.DirFS(storageRoot)
	root, err := ocfl.NewRoot(ctx, fsys, ".")
	if err != nil {
		t.Errorf("ocfl-go: storage root %s: %v", storageRoot, err)
		return
	}
	var objects []string
	for decl, err := range root.ObjectDeclarations(ctx) {
		if err != nil {
			t.Errorf("ocfl-go: storage root %s: walking the storage hierarchy: %v", storageRoot, err)
			return
		}
		dir := decl.FullPathDir()
		// A file named like a declaration inside an object's content is
		// content, not another object.
		if insideAny(dir, objects) {
			continue
		}
		objects = append(objects, dir)
		result := ocfl.ValidateObject(ctx, fsys, dir)
		for _, e := range result.Errors() {
			t.Errorf("ocfl-go: object %s: error %s", dir, describe(e))
		}
		for _, w := range result.WarnErrors() {
			t.Errorf("ocfl-go: object %s: warning %s", dir, describe(w))
		}
		if root.Layout() == nil {
			continue
		}
		inv, err := ocfl.ReadInventory(ctx, fsys, dir)
		if err != nil {
			t.Errorf("ocfl-go: object %s: reading inventory: %v", dir, err)
			continue
		}
		want, err := root.ResolveID(inv.ID)
		if err != nil {
			t.Errorf("ocfl-go: object %s: layout %s cannot map id %q: %v", dir, root.LayoutName(), inv.ID, err)
		} else if want != dir {
			t.Errorf("ocfl-go: object %s: layout %s maps id %q to %s", dir, root.LayoutName(), inv.ID, want)
		}
	}
	t.Logf("ocfl-go validated %d object(s) in storage root %s", len(objects), storageRoot)
}

// describe renders a finding of ocfl-go with its OCFL validation code.
func describe(err error) string {
	var verr *ocfl.ValidationError
	if errors.As(err, &verr) && verr.Code != "" {
		return verr.Code + ": " + err.Error()
	}
	return err.Error()
}

func insideAny(dir string, roots []string) bool {
	for _, r := range roots {
		if r == "." || strings.HasPrefix(dir, r+"/") {
			return true
		}
	}
	return false
}

// OCFLFixtures returns the directory of the OCFL conformance fixtures in the
// shared corpus (holding 1.1/{good,warn,bad}-objects and EXPECTED-1.1.tsv),
// as found by FindCorpus. When it is missing the test is skipped, or fails if
// the environment variable CI is "true".
func OCFLFixtures(t testing.TB) string {
	t.Helper()
	const name = "ocfl-fixtures"
	dir := FindCorpus(name)
	if dir != "" {
		return dir
	}
	msg := "aiptest: shared/corpus/" + name + " not found in the working directory or above (expected ../shared next to the repository)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// FindCorpus returns the directory shared/corpus/<name> in the working
// directory or the nearest parent that has one — for a test, ../shared next
// to the repository — or "" if there is none.
func FindCorpus(name string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		candidate := filepath.Join(dir, "shared", "corpus", name)
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
