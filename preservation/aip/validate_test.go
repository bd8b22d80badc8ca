package aip

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/aip/aiptest"
)

// ocflFixture is one row of EXPECTED-1.1.tsv.
type ocflFixture struct {
	category string // good-objects, warn-objects or bad-objects
	object   string
	codes    []string
}

func readOCFLFixtures(t *testing.T) (string, []ocflFixture) {
	t.Helper()
	dir := aiptest.OCFLFixtures(t)
	f, err := os.Open(filepath.Join(dir, "EXPECTED-1.1.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []ocflFixture
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cols) < 3 {
			continue
		}
		row := ocflFixture{category: cols[0], object: cols[1]}
		if len(cols) > 3 && cols[3] != "" {
			row.codes = strings.Split(cols[3], ",")
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "1.1"), rows
}

func codesOf(cs []ValidationCode) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}

func TestValidateObjectFixtures(t *testing.T) {
	root, rows := readOCFLFixtures(t)
	if len(rows) != 80 {
		t.Errorf("EXPECTED-1.1.tsv has %d rows, want 80", len(rows))
	}
	for _, row := range rows {
		t.Run(row.category+"/"+row.object, func(t *testing.T) {
			t.Parallel()
			res := ValidateObject(t.Context(), os.DirFS(filepath.Join(root, row.category, row.object)), ".")
			for _, e := range res.Errors {
				t.Logf("error   %v", e)
			}
			for _, w := range res.Warnings {
				t.Logf("warning %v", w)
			}
			errs, warns := codesOf(res.Errors), codesOf(res.Warnings)
			switch row.category {
			case "good-objects":
				if len(errs)+len(warns) > 0 {
					t.Errorf("good object: got errors %v and warnings %v, want none", errs, warns)
				}
			case "warn-objects":
				if len(errs) > 0 {
					t.Errorf("warn object: got errors %v, want none", errs)
				}
				for _, c := range row.codes {
					if !slices.Contains(warns, c) {
						t.Errorf("warn object: warning %s not reported (got %v)", c, warns)
					}
				}
			case "bad-objects":
				if res.Valid() {
					t.Fatalf("bad object reported valid")
				}
				for _, c := range row.codes {
					if !slices.Contains(errs, c) {
						t.Errorf("bad object: error %s not reported (got %v)", c, errs)
					}
				}
			default:
				t.Fatalf("unknown category %q", row.category)
			}
		})
	}
}

// Every fixture directory is listed in EXPECTED-1.1.tsv, so none is skipped.
func TestOCFLFixturesListed(t *testing.T) {
	root, rows := readOCFLFixtures(t)
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.category+"/"+r.object] = true
	}
	for _, cat := range []string{"good-objects", "warn-objects", "bad-objects"} {
		entries, err := os.ReadDir(filepath.Join(root, cat))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !listed[cat+"/"+e.Name()] {
				t.Errorf("fixture %s/%s is not in EXPECTED-1.1.tsv", cat, e.Name())
			}
		}
	}
}
