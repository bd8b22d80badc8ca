package ingest

import (
	"fmt"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/profiles"
)

// aipPaths maps each file of t to its logical path in the AIP: a file of
// one of the submission's representations (profiles.Representation) to
// representations/<name>/data/<rest>, every other file to the original
// representation under its full name. Two files that would land on one
// path, or a representation that cannot be an AIP folder, reject the
// submission (INGEST_PATH_COLLISION, INGEST_REPRESENTATION).
func aipPaths(t *profiles.Transfer) (map[string]string, preservation.Problems) {
	var probs preservation.Problems
	var reps []profiles.Representation
	for _, r := range t.Representations {
		if r.Name == "" || r.Name == "." || r.Name == ".." || strings.ContainsAny(r.Name, "/\\\x00") || !strings.HasSuffix(r.Prefix, "/") {
			probs = append(probs, preservation.Problem{Code: "INGEST_REPRESENTATION", Severity: preservation.SeverityError, Path: r.Source,
				Message: fmt.Sprintf("representation %q cannot be an AIP representation folder", r.Name)})
			continue
		}
		reps = append(reps, r)
	}
	paths := make(map[string]string, len(t.Files))
	by := make(map[string]string, len(t.Files))
	for _, f := range t.Files {
		p := aip.PrefixOriginal + f.Name
		for _, r := range reps {
			if rest, ok := strings.CutPrefix(f.Name, r.Prefix); ok && rest != "" {
				p = aip.RepresentationPath(r.Name, rest)
				break
			}
		}
		if other, dup := by[p]; dup {
			probs = append(probs, preservation.Problem{Code: "INGEST_PATH_COLLISION", Severity: preservation.SeverityError, Path: f.Name,
				Message: fmt.Sprintf("would be archived as %s, as %s is", p, other)})
			continue
		}
		by[p] = f.Name
		paths[f.Name] = p
	}
	return paths, probs
}

// representations returns the records of the submission's representations
// that files of the AIP lie in.
func representations(t *profiles.Transfer, files []preservation.File) []preservation.Representation {
	used := map[string]bool{}
	for _, f := range files {
		if name, _ := aip.SplitRepresentation(f.Path); name != "" {
			used[name] = true
		}
	}
	var out []preservation.Representation
	for _, r := range t.Representations {
		if used[r.Name] {
			out = append(out, r.Representation)
			used[r.Name] = false
		}
	}
	return out
}
