// Command sfbaseline is the identification part of the ingest baseline of
// `make bench` (docs/benchmarks.md): it identifies every regular file below
// the directories given, with siegfried's embedded signatures as loaded by
// ingest/identify, in a fixed number of goroutines (-parallel, default 2),
// and prints the number of files and how many were identified per PUID.
//
//	sfbaseline [-parallel 2] DIR...
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/magazin-archiv/magazin/ingest/identify"
)

func main() {
	parallel := flag.Int("parallel", 2, "identify this many files at once")
	flag.Parse()
	if err := run(context.Background(), flag.Args(), *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "sfbaseline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dirs []string, parallel int) error {
	if len(dirs) == 0 {
		return fmt.Errorf("usage: sfbaseline [-parallel N] DIR...")
	}
	id, err := identify.New()
	if err != nil {
		return err
	}
	paths := make(chan string)
	var (
		mu     sync.Mutex
		counts = map[string]int{}
		ferr   error
		wg     sync.WaitGroup
	)
	for range max(1, parallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				puid, err := identifyFile(ctx, id, p)
				mu.Lock()
				if err != nil && ferr == nil {
					ferr = err
				}
				counts[puid]++
				mu.Unlock()
			}
		}()
	}
	var werr error
	for _, dir := range dirs {
		werr = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				paths <- p
			}
			return nil
		})
		if werr != nil {
			break
		}
	}
	close(paths)
	wg.Wait()
	if werr != nil {
		return werr
	}
	if ferr != nil {
		return ferr
	}
	keys := make([]string, 0, len(counts))
	n := 0
	for k, c := range counts {
		keys = append(keys, k)
		n += c
	}
	sort.Strings(keys)
	fmt.Printf("%d files\n", n)
	for _, k := range keys {
		fmt.Printf("%s\t%d\n", k, counts[k])
	}
	return nil
}

func identifyFile(ctx context.Context, id *identify.Identifier, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r, err := id.IdentifyFile(ctx, f, filepath.Base(path))
	if err != nil {
		return "", err
	}
	return r.PUID, nil
}
