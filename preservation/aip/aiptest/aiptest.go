// Package aiptest provides a test helper for OCFL storage roots: an
// independent second opinion on validity from github.com/srerickson/ocfl-go,
// a separate OCFL implementation, so that a misreading of the specification
// shared by magazin's AIP builder and its own validator (package aip) cannot
// hide.
//
// It is imported only by tests. Its one third-party dependency is ocfl-go,
// pinned at v0.11.1.
package aiptest

import (
	"errors"
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
