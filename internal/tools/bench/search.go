package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/internal/searchbench"
)

// The finding-aid corpus is searchbench.Standard: 500 Bestände; Bestand
// b000 holds 100,000 units (60 % of a smaller corpus), the others share
// the rest.

const queryRepeats = 200

// reported are the queries of the report, in its order (searchbench.Queries
// has more; the Go benchmarks of access/search run them all).
var reported = []string{"text-common", "text-all-words", "signatur-prefix", "text-filters-facets", "children-offset-50000"}

// searchResult is what the child process reports to the parent.
type searchResult struct {
	Units      int                     `json:"units"`
	BuildSec   float64                 `json:"buildSec"`
	IndexBytes int64                   `json:"indexBytes"`
	Children   int                     `json:"children"` // of the big Bestand
	Queries    []searchbench.Latencies `json:"queries"`
}

// buildIndex is the child process of a build: it writes the corpus of n
// units into dir and prints a searchResult.
func buildIndex(ctx context.Context, dir string, n int) error {
	start := time.Now()
	x, err := searchbench.Build(ctx, dir, searchbench.Standard(n))
	if err != nil {
		return err
	}
	if err := x.Close(); err != nil {
		return err
	}
	res := searchResult{Units: n, BuildSec: time.Since(start).Seconds(), IndexBytes: searchbench.DirSize(dir)}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// queryIndex is the child process of the query run: it opens the index in
// dir (as `magazin serve` would) and measures the typical queries.
func queryIndex(ctx context.Context, dir string, n int) error {
	x, err := search.Open(dir)
	if err != nil {
		return err
	}
	defer x.Close()
	searchbench.Settle(dir)
	kids, err := x.Children(ctx, searchbench.BestandID(0), 1, 1, searchbench.Today)
	if err != nil {
		return err
	}
	res := searchResult{Units: n, Children: kids.Total}
	queries := map[string]searchbench.Query{}
	for _, q := range searchbench.Queries(searchbench.Standard(n)) {
		queries[q.Name] = q
	}
	for _, name := range reported {
		q, ok := queries[name]
		if !ok {
			return fmt.Errorf("no query %q in searchbench", name)
		}
		l, err := searchbench.Time(ctx, x, q, queryRepeats)
		if err != nil {
			return err
		}
		res.Queries = append(res.Queries, l)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
