// Command testsum reads `go test -json` output on stdin and prints what a
// person needs: each package's result, the full output of every failed or
// skipped-in-CI test, and a closing "N passed, N failed, N skipped" line.
// It exits 1 when any test or package failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	outputs := map[string]*strings.Builder{}
	var passed, failed, skipped int
	var failedNames, skippedNames []string
	pkgFailed := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // build errors and the like
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				fmt.Printf("ok   %s (%.1fs)\n", e.Package, e.Elapsed)
			}
			delete(outputs, key)
		case "skip":
			if e.Test != "" {
				skipped++
				msg := ""
				if b := outputs[key]; b != nil {
					msg = lastLine(b.String())
				}
				skippedNames = append(skippedNames, fmt.Sprintf("%s %s: %s", e.Package, e.Test, msg))
			} else {
				fmt.Printf("---  %s (no tests)\n", e.Package)
			}
			delete(outputs, key)
		case "fail":
			if e.Test != "" {
				failed++
				failedNames = append(failedNames, key)
				if b := outputs[key]; b != nil {
					fmt.Printf("\n=== FAIL %s\n%s\n", key, b.String())
				}
			} else {
				pkgFailed = true
				fmt.Printf("FAIL %s (%.1fs)\n", e.Package, e.Elapsed)
				if b := outputs[key]; b != nil && failed == 0 {
					fmt.Print(b.String())
				}
			}
			delete(outputs, key)
		}
	}
	if len(skippedNames) > 0 {
		sort.Strings(skippedNames)
		fmt.Println("\nskipped:")
		for _, s := range skippedNames {
			fmt.Println("  " + s)
		}
	}
	if len(failedNames) > 0 {
		fmt.Println("\nfailed:")
		for _, s := range failedNames {
			fmt.Println("  " + s)
		}
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || pkgFailed {
		os.Exit(1)
	}
}

// lastLine returns the last line of a test's output that is not one of
// go test's own "=== RUN" or "--- SKIP" lines: the skip reason.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- ") {
			return l
		}
	}
	return ""
}
