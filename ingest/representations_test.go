package ingest

import (
	"reflect"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

func rep(name, prefix string) profiles.Representation {
	return profiles.Representation{Representation: preservation.Representation{Name: name, Source: "representations/" + name}, Prefix: prefix}
}

func TestAIPPaths(t *testing.T) {
	files := func(names ...string) []profiles.File {
		var fs []profiles.File
		for _, n := range names {
			fs = append(fs, profiles.File{Name: n})
		}
		return fs
	}
	for _, c := range []struct {
		name  string
		t     profiles.Transfer
		want  map[string]string
		codes []string
	}{
		{"no representations", profiles.Transfer{Files: files("Akte 1/Brief.pdf", "b.txt")},
			map[string]string{"Akte 1/Brief.pdf": "representations/original/data/Akte 1/Brief.pdf", "b.txt": "representations/original/data/b.txt"}, nil},
		{"e-ark", profiles.Transfer{
			Files: files("representations/rep1/data/Akte/Brief.pdf", "representations/rep2/data/Brief.pdf",
				"representations/rep1/other/x.txt", "extra/y.txt"),
			Representations: []profiles.Representation{rep("rep1", "representations/rep1/data/"), rep("rep2", "representations/rep2/data/")}},
			map[string]string{
				"representations/rep1/data/Akte/Brief.pdf": "representations/rep1/data/Akte/Brief.pdf",
				"representations/rep2/data/Brief.pdf":      "representations/rep2/data/Brief.pdf",
				// Files outside the data folders are kept, in "original".
				"representations/rep1/other/x.txt": "representations/original/data/representations/rep1/other/x.txt",
				"extra/y.txt":                      "representations/original/data/extra/y.txt",
			}, nil},
		{"collision with original", profiles.Transfer{
			Files:           files("extra/y.txt", "representations/original/data/extra/y.txt"),
			Representations: []profiles.Representation{rep("original", "representations/original/data/")}},
			nil, []string{"INGEST_PATH_COLLISION"}},
		{"bad name", profiles.Transfer{Files: files("r/../data/x"), Representations: []profiles.Representation{rep("..", "r/../data/")}},
			nil, []string{"INGEST_REPRESENTATION"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, probs := aipPaths(&c.t)
			var codes []string
			for _, p := range probs {
				codes = append(codes, p.Code)
				if p.Severity != preservation.SeverityError {
					t.Errorf("%s is a %s", p.Code, p.Severity)
				}
			}
			if !reflect.DeepEqual(codes, c.codes) {
				t.Fatalf("problems %v, want codes %v", probs, c.codes)
			}
			if c.want != nil && !reflect.DeepEqual(got, c.want) {
				t.Errorf("paths %v\nwant %v", got, c.want)
			}
		})
	}
}
