package journal

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// Head identifies the last segment of a journal.
type Head struct {
	Seq    uint64 `json:"seq"`
	Digest string `json:"digest,omitempty"`
}

// Codes of the findings of Verify (see docs/problem-codes.md, "journal").
const (
	// CodeGap: a sequence number has no segment: a segment was removed.
	CodeGap = "JOURNAL_GAP"
	// CodeMisplaced: a segment object holds another sequence number than
	// its key: segments were swapped, moved or renamed.
	CodeMisplaced = "JOURNAL_MISPLACED"
	// CodeChain: a segment does not carry the digest of its predecessor:
	// the predecessor was edited, or the segment was inserted or moved.
	CodeChain = "JOURNAL_CHAIN"
	// CodeCorrupt: a segment is not a journal segment (not JSON).
	CodeCorrupt = "JOURNAL_CORRUPT"
	// CodeUnreadable: the journal or a segment could not be read.
	CodeUnreadable = "JOURNAL_UNREADABLE"
	// CodeStray: an object under journal/ whose name is no segment name; it
	// is never replayed (warning).
	CodeStray = "JOURNAL_STRAY"
	// CodeDivergent: the replicas' journals differ: a segment is missing
	// from some, or has other bytes.
	CodeDivergent = "JOURNAL_DIVERGENT"
	// CodeTruncated: the catalog applied a segment the store no longer
	// holds: the last segments were removed.
	CodeTruncated = "JOURNAL_TRUNCATED"
	// CodeHead: the segment the catalog applied last has other bytes now:
	// it was edited or replaced.
	CodeHead = "JOURNAL_HEAD"
	// CodeUnapplied: the store holds segments after the catalog's head
	// (warning): written by another process, or appended behind its back.
	CodeUnapplied = "JOURNAL_UNAPPLIED"
)

// StoreVerification is the verification of the journal in one store.
type StoreVerification struct {
	Store    string                `json:"store"`
	Segments int                   `json:"segments"`
	Head     Head                  `json:"head"`
	Problems preservation.Problems `json:"problems,omitempty"`
	digests  map[uint64]string     // seq -> SHA-512 of the segment's bytes
	prevs    map[uint64]string     // seq -> the predecessor digest it carries
	listed   bool
}

// Verification is the outcome of Verify.
type Verification struct {
	// OK reports that no error was found.
	OK     bool                 `json:"ok"`
	Stores []*StoreVerification `json:"stores"`
	// Applied is the catalog's head, as given to Verify.
	Applied *Head `json:"applied,omitempty"`
	// Problems concern the replicas together.
	Problems preservation.Problems `json:"problems,omitempty"`
}

// Verify reads every segment of the journal in every store and reports
// whatever breaks the chain: gaps (a removed segment), segments under
// another key (swapped or moved), segments that do not carry their
// predecessor's digest (an edited predecessor, an inserted or reordered
// segment) and undecodable ones. It compares the replicas segment by
// segment, and, when applied is given (the catalog's head), checks that
// every store still holds that segment with the same digest — the only way
// to see that the last segment was edited or removed.
//
// Not detectable: a change made consistently in every replica to the
// segments after the catalog's head, or to everything when the catalog is
// rebuilt from the changed journal or lost; an attacker who rewrites every
// replica and the catalog. Only a digest kept outside magazin's reach (a
// printed or published head, a timestamping service) would show that.
//
// The error is a cancelled context only; what is found is in the
// Verification.
func Verify(ctx context.Context, stores []store.Store, applied *Head) (*Verification, error) {
	v := &Verification{Applied: applied}
	for _, st := range stores {
		sv, err := verifyStore(ctx, st)
		if err != nil {
			return nil, err
		}
		v.Stores = append(v.Stores, sv)
	}
	v.compareReplicas(applied)
	if applied != nil && applied.Seq > 0 {
		for _, sv := range v.Stores {
			sv.compareApplied(applied)
		}
	}
	v.OK = !v.Problems.HasErrors()
	for _, sv := range v.Stores {
		if sv.Problems.HasErrors() {
			v.OK = false
		}
	}
	return v, nil
}

func (sv *StoreVerification) add(code, sev, path, format string, args ...any) {
	sv.Problems = append(sv.Problems, preservation.Problem{Code: code, Severity: sev, Path: path, Message: fmt.Sprintf(format, args...)})
}

// verifyStore checks the chain of one store.
func verifyStore(ctx context.Context, st store.Store) (*StoreVerification, error) {
	sv := &StoreVerification{Store: st.String(), digests: map[uint64]string{}, prevs: map[uint64]string{}}
	var keys []string
	for info, err := range st.List(ctx, Prefix) {
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			sv.add(CodeUnreadable, preservation.SeverityError, Prefix, "the journal cannot be listed: %v", err)
			return sv, nil
		}
		if _, ok := parseKey(info.Key); ok {
			keys = append(keys, info.Key)
		} else {
			sv.add(CodeStray, preservation.SeverityWarning, info.Key, "not a segment name; never replayed")
		}
	}
	sv.listed = true
	var want, prevSeq uint64 = 1, 0
	prevDigest := ""
	for _, k := range keys {
		n, _ := parseKey(k)
		switch {
		case n == want+1:
			sv.add(CodeGap, preservation.SeverityError, Key(want), "segment %d is missing: it was removed", want)
		case n > want:
			sv.add(CodeGap, preservation.SeverityError, Key(want), "segments %d to %d are missing: they were removed", want, n-1)
		}
		want = n + 1
		b, err := readRaw(ctx, st, k)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			sv.add(CodeUnreadable, preservation.SeverityError, k, "cannot be read: %v", err)
			prevSeq, prevDigest = 0, ""
			continue
		}
		sum := sha512.Sum512(b)
		d := hex.EncodeToString(sum[:])
		sv.digests[n] = d
		sv.Segments++
		sv.Head = Head{Seq: n, Digest: d}
		var seg Segment
		if err := json.Unmarshal(b, &seg); err != nil {
			sv.add(CodeCorrupt, preservation.SeverityError, k, "not a journal segment: %v", err)
			prevSeq, prevDigest = n, d
			continue
		}
		sv.prevs[n] = seg.Prev
		if seg.Seq != n {
			sv.add(CodeMisplaced, preservation.SeverityError, k, "holds segment %d: segments were swapped, moved or renamed", seg.Seq)
		}
		switch {
		case n == 1 && seg.Prev != "":
			sv.add(CodeChain, preservation.SeverityError, k, "the first segment names a predecessor (%.16s…): segments were inserted before it or moved", seg.Prev)
		case n > 1 && prevSeq == n-1 && seg.Prev != prevDigest:
			sv.add(CodeChain, preservation.SeverityError, k, "does not carry the digest of segment %d (has %.16s…, segment %d is %.16s…): segment %d was edited, or this one was inserted or moved",
				n-1, seg.Prev, n-1, prevDigest, n-1)
		}
		prevSeq, prevDigest = n, d
	}
	return sv, nil
}

// readRaw reads a segment's bytes.
func readRaw(ctx context.Context, st store.Store, key string) ([]byte, error) {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(store.ContextReader(ctx, rc), 64<<20))
}

// compareReplicas reports segments missing from some replicas or with
// other bytes in some. For each segment, the bytes most replicas hold are
// taken as right, a replica's vote counting double when its own next
// segment (or the catalog's head) confirms the digest.
func (v *Verification) compareReplicas(applied *Head) {
	var listed []*StoreVerification
	for _, sv := range v.Stores {
		if sv.listed {
			listed = append(listed, sv)
		}
	}
	if len(listed) < 2 {
		return
	}
	seqs := map[uint64]bool{}
	for _, sv := range listed {
		for n := range sv.digests {
			seqs[n] = true
		}
	}
	type finding struct{ missing, differs []uint64 }
	found := make([]finding, len(listed))
	refStore := map[uint64]string{}
	for _, n := range slices.Sorted(func(yield func(uint64) bool) {
		for n := range seqs {
			if !yield(n) {
				return
			}
		}
	}) {
		votes := map[string]int{}
		var order []string
		for _, sv := range listed {
			d, ok := sv.digests[n]
			if !ok {
				continue
			}
			if votes[d] == 0 {
				order = append(order, d)
			}
			votes[d]++
			if sv.prevs[n+1] == d || (applied != nil && applied.Seq == n && applied.Digest == d) {
				votes[d]++
			}
		}
		ref := order[0]
		for _, d := range order {
			if votes[d] > votes[ref] {
				ref = d
			}
		}
		for _, sv := range listed {
			if sv.digests[n] == ref {
				refStore[n] = sv.Store
				break
			}
		}
		for i, sv := range listed {
			d, ok := sv.digests[n]
			switch {
			case !ok:
				found[i].missing = append(found[i].missing, n)
			case d != ref:
				found[i].differs = append(found[i].differs, n)
			}
		}
	}
	for i, sv := range listed {
		if f := found[i].missing; len(f) > 0 {
			v.Problems = append(v.Problems, preservation.Problem{Code: CodeDivergent, Severity: preservation.SeverityError, Path: sv.Store,
				Message: fmt.Sprintf("%s lacks segments %s that %s holds", sv.Store, ranges(f), refStore[f[0]])})
		}
		if f := found[i].differs; len(f) > 0 {
			v.Problems = append(v.Problems, preservation.Problem{Code: CodeDivergent, Severity: preservation.SeverityError, Path: sv.Store,
				Message: fmt.Sprintf("segments %s in %s differ from those in %s", ranges(f), sv.Store, refStore[f[0]])})
		}
	}
}

// compareApplied checks the store's journal against the catalog's head.
func (sv *StoreVerification) compareApplied(applied *Head) {
	if !sv.listed {
		return
	}
	d, ok := sv.digests[applied.Seq]
	switch {
	case !ok && sv.Head.Seq < applied.Seq:
		sv.add(CodeTruncated, preservation.SeverityError, Key(applied.Seq),
			"the catalog applied segment %d, the journal in this store ends at %d: the last segments were removed", applied.Seq, sv.Head.Seq)
	case !ok:
		// A gap, reported as such.
	case applied.Digest != "" && d != applied.Digest:
		sv.add(CodeHead, preservation.SeverityError, Key(applied.Seq),
			"segment %d is %.16s…, the catalog applied %.16s…: it was edited or replaced", applied.Seq, d, applied.Digest)
	}
	if sv.Head.Seq > applied.Seq {
		sv.add(CodeUnapplied, preservation.SeverityWarning, Key(applied.Seq+1),
			"segments %d to %d are not applied to the catalog: written by another process (run magazin rebuild), or appended behind magazin's back", applied.Seq+1, sv.Head.Seq)
	}
}

// ranges renders sorted numbers as "3, 5-9".
func ranges(ns []uint64) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(ns[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
