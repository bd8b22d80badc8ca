package identify

import (
	"bufio"
	"context"
	"github.com/magazin-archiv/magazin/internal/corpus"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// skeletonAgreement is the share of the PRONOM skeleton suite that
// siegfried 1.11.2 (embedded PRONOM v120, container signatures 2024-07-15)
// identifies as the PUID in the file's name, measured when this adapter was
// written: 2416 of 2447 files (98.73%). The skeletons are minimal files that
// hold just the signature bytes; the misses are mostly container formats
// whose skeleton is not a valid container (siegfried falls back to the
// generic OLE2 or ODF signature) and extension-only formats.
// skeletonListed is the share for which the expected PUID is the result or
// one of the possibilities siegfried lists in its warning: 2431 of 2447.
const (
	skeletonAgreement = 2416.0 / 2447.0
	skeletonListed    = 2431.0 / 2447.0
	agreementMargin   = 0.005
)

const skeletonTSV = "format-id/siegfried-testdata/EXPECTED-skeleton-suite.tsv"

// TestSkeletonSuite identifies the PRONOM skeleton suite that siegfried's
// own tests use and checks that agreement with the PUIDs in the file names
// does not drop. Disagreements are listed in the test log (go test -v).
func TestSkeletonSuite(t *testing.T) {
	croot := corpus.Dir(t, ".")
	id := identifier(t)
	base := filepath.Dir(filepath.Join(croot, skeletonTSV))
	f, err := os.Open(filepath.Join(croot, skeletonTSV))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header: path, expected_puid, signature_kind, pronom_signature_id, size, observed (sf 1.11.1, PRONOM v118), agrees
	var total, agree, listed, changed int
	start := time.Now()
	ctx := context.Background()
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 6 {
			t.Fatalf("bad line %q", sc.Text())
		}
		path, want, before := col[0], col[1], col[5]
		r, err := identifyPath(ctx, id, filepath.Join(base, filepath.FromSlash(path)))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		total++
		if r.PUID == want {
			agree++
			listed++
		} else {
			if mentions(r.Warning, want) {
				listed++
			}
			t.Logf("disagree: %s: want %s, got %s (%s)", path, want, r.PUID, r.Warning)
		}
		if r.PUID != before {
			changed++
			t.Logf("changed since sf 1.11.1/PRONOM v118: %s: was %s, now %s", path, before, r.PUID)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatal("no files identified")
	}
	rate := float64(agree) / float64(total)
	t.Logf("skeleton suite: %d of %d agree (%.2f%%); the expected PUID is the result or one of the possibilities its warning lists for %d (%.2f%%); %d changed since sf 1.11.1; %v",
		agree, total, 100*rate, listed, 100*float64(listed)/float64(total), changed, time.Since(start).Round(time.Millisecond))
	if rate < skeletonAgreement-agreementMargin {
		t.Errorf("agreement %.2f%% fell below the measured %.2f%% minus %.1f points",
			100*rate, 100*skeletonAgreement, 100*agreementMargin)
	}
	if l := float64(listed) / float64(total); l < skeletonListed-agreementMargin {
		t.Errorf("expected PUID listed for %.2f%%, below the measured %.2f%% minus %.1f points",
			100*l, 100*skeletonListed, 100*agreementMargin)
	}
}

// mentions reports whether warning names puid as a whole word, as in
// "no match; possibilities based on extension are fmt/140, fmt/424".
func mentions(warning, puid string) bool {
	for _, w := range strings.FieldsFunc(warning, func(r rune) bool { return r == ' ' || r == ',' || r == ';' }) {
		if w == puid {
			return true
		}
	}
	return false
}

func identifyPath(ctx context.Context, id *Identifier, path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	return id.IdentifyFile(ctx, f, filepath.Base(path))
}
