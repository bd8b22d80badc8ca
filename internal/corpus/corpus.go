// Package corpus locates the shared third-party test corpus
// (../shared/corpus beside the repository) for tests.
//
// Contract: Dir returns the absolute path of a corpus subdirectory. When the
// corpus is missing the test is skipped with a clear message, except when
// the environment variable CI is "true": then a missing corpus fails the
// test, so CI never passes by skipping.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the corpus root, or "" if it cannot be found. It looks for
// shared/corpus beside each parent of the working directory, and honours
// MAGAZIN_CORPUS.
func Root() string {
	if d := os.Getenv("MAGAZIN_CORPUS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		c := filepath.Join(dir, "shared", "corpus")
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the corpus subdirectory sub (slash separated), skipping or
// failing t when it is missing.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	root := Root()
	d := filepath.Join(root, filepath.FromSlash(sub))
	if root != "" {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	Missing(t, "corpus directory "+sub+" not found (looked for ../shared/corpus beside the repository, or $MAGAZIN_CORPUS)")
	return ""
}

// Missing skips t with msg, or fails it when CI=true.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true, so this is a failure, not a skip", msg)
	}
	t.Skip(msg)
}
