package search_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/internal/searchbench"
)

// Benchmarks over the synthetic finding aids of internal/searchbench (the
// corpus `make bench` measures): 100,000 units always, 2.5 million (the
// Saxon State Archive's online records) with MAGAZIN_BENCH_LARGE=1. The
// indexes are on disk (scorch), as in production.
//
//	go test -run '^$' -bench . -benchtime 1x ./access/search
//	MAGAZIN_BENCH_LARGE=1 go test -run '^$' -bench . -benchtime 1x -timeout 3h ./access/search

func benchSizes() []int {
	if os.Getenv("MAGAZIN_BENCH_LARGE") == "1" {
		return []int{100_000, 2_500_000}
	}
	return []int{100_000}
}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%gM", float64(n)/1e6)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// Shared indexes for the query benchmarks, built once per corpus.
var (
	benchMu      sync.Mutex
	benchIndexes = map[searchbench.Corpus]*search.Index{}
	benchDirs    []string
)

func sharedBench(b *testing.B, c searchbench.Corpus) *search.Index {
	benchMu.Lock()
	defer benchMu.Unlock()
	if x := benchIndexes[c]; x != nil {
		return x
	}
	dir, err := os.MkdirTemp("", "magazin-search-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	idx := filepath.Join(dir, "index")
	start := time.Now()
	x, err := searchbench.Build(context.Background(), idx, c)
	if err != nil {
		b.Fatal(err)
	}
	if err := x.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s index in %v", sizeName(c.Units), time.Since(start).Round(time.Millisecond))
	if x, err = search.Open(idx); err != nil {
		b.Fatal(err)
	}
	searchbench.Settle(idx)
	benchIndexes[c] = x
	return x
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, x := range benchIndexes {
		x.Close()
	}
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// BenchmarkIndex measures indexing throughput into an on-disk index.
func BenchmarkIndex(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			var size int64
			for b.Loop() {
				dir := filepath.Join(b.TempDir(), "index")
				x, err := searchbench.Build(context.Background(), dir, searchbench.Standard(n))
				if err != nil {
					b.Fatal(err)
				}
				if err := x.Close(); err != nil { // persists what is still in memory
					b.Fatal(err)
				}
				b.StopTimer()
				size = searchbench.DirSize(dir)
				os.RemoveAll(dir)
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(size)/1e6, "MB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkQuery measures public query latency on a shared index, for
// each of the typical queries.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			c := searchbench.Standard(n)
			x := sharedBench(b, c)
			r, err := x.Children(ctx, searchbench.BestandID(0), 1, 1, searchbench.Today)
			if err != nil {
				b.Fatal(err)
			}
			if r.Total != c.Big {
				b.Fatalf("Bestand %s has %d children, want %d", searchbench.BestandID(0), r.Total, c.Big)
			}
			b.Logf("%s: Bestand %s has %d children", sizeName(n), searchbench.BestandID(0), r.Total)
			for _, q := range searchbench.Queries(c) {
				b.Run(q.Name, func(b *testing.B) {
					var total int
					for b.Loop() {
						r, err := q.Run(ctx, x)
						if err != nil {
							b.Fatal(err)
						}
						total = r.Total
					}
					b.ReportMetric(float64(total), "hits")
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
				})
			}
		})
	}
}

// BenchmarkChildren browses a Bestand of 100,000 children (and, with
// MAGAZIN_BENCH_LARGE=1, one of 2.5 million).
func BenchmarkChildren(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			x := sharedBench(b, searchbench.OneBestand(n))
			pages := (n + 49) / 50
			for _, c := range []struct {
				name string
				page int
			}{{"first-page", 1}, {"page-10", 10}, {"middle-page", pages / 2}, {"last-page", pages}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						r, err := x.Children(ctx, searchbench.BestandID(0), c.page, 50, searchbench.Today)
						if err != nil {
							b.Fatal(err)
						}
						if r.Total != n || len(r.Hits) != 50 {
							b.Fatalf("total %d, %d hits", r.Total, len(r.Hits))
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
				})
			}
		})
	}
}
