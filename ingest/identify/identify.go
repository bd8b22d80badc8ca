package identify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/richardlehane/siegfried"
	"github.com/richardlehane/siegfried/pkg/config"
	"github.com/richardlehane/siegfried/pkg/core"
	"github.com/richardlehane/siegfried/pkg/static"
)

// Unknown is the PUID of a file that no signature matches.
const Unknown = "UNKNOWN"

// WarningEmpty is the Warning of the Result for an empty file.
const WarningEmpty = "empty file"

// Result is the identification of one file.
type Result struct {
	// PUID is the PRONOM unique identifier, e.g. "fmt/276", or Unknown.
	PUID string `json:"puid"`
	// FormatName and FormatVersion are PRONOM's name and version of the format.
	FormatName    string `json:"formatName,omitempty"`
	FormatVersion string `json:"formatVersion,omitempty"`
	// MIME is PRONOM's MIME type for the format, if it has one.
	MIME string `json:"mime,omitempty"`
	// Basis is siegfried's explanation of the match, e.g.
	// "extension match pdf; byte match at [[0 8] [1034 5]]".
	Basis string `json:"basis,omitempty"`
	// Warning is siegfried's warning, e.g. "extension mismatch" or, for an
	// ambiguous match, the list of possible PUIDs. Empty when siegfried is
	// sure.
	Warning string `json:"warning,omitempty"`
}

// Identifier identifies file formats with siegfried's embedded signatures.
// It is safe for concurrent use.
type Identifier struct {
	sf      *siegfried.Siegfried
	version string
}

// New loads siegfried's embedded signature file. It takes about a second;
// create one Identifier and share it.
func New() (*Identifier, error) {
	sf := static.New() // returns nil when the embedded signatures do not load
	if sf == nil {
		return nil, errors.New("identify: load siegfried's embedded signature file: failed")
	}
	ids := sf.Identifiers()
	if len(ids) == 0 {
		return nil, errors.New("identify: siegfried's embedded signature file has no identifiers")
	}
	v := config.Version()
	var b strings.Builder
	fmt.Fprintf(&b, "siegfried %d.%d.%d", v[0], v[1], v[2])
	for _, id := range ids {
		fmt.Fprintf(&b, "; %s: %s", id[0], id[1])
	}
	if !sf.C.IsZero() {
		fmt.Fprintf(&b, "; signature file created %s", sf.C.UTC().Format("2006-01-02"))
	}
	return &Identifier{sf: sf, version: b.String()}, nil
}

// Version describes siegfried and the signatures it loaded, as read from
// them: "siegfried 1.11.2; pronom: DROID_SignatureFile_V120.xml;
// container-signature-20240715.xml; signature file created 2025-03-01".
// Record it as the version of the PREMIS agent of format identification.
func (id *Identifier) Version() string { return id.version }

// IdentifyFile identifies the content of f. name is the file's original
// name (its extension counts as evidence); it may be empty. f is read with
// ReadAt only, so its offset is neither used nor changed.
func (id *Identifier) IdentifyFile(ctx context.Context, f *os.File, name string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		return Result{}, fmt.Errorf("identify %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return Result{}, fmt.Errorf("identify %s: not a regular file (%s)", name, fi.Mode().Type())
	}
	src := newFileSource(ctx, f, fi.Size())
	if err := src.init(); err != nil {
		return Result{}, fmt.Errorf("identify %s: %w", name, err)
	}
	return id.run(ctx, src, name, src.failure)
}

// IdentifyBytes identifies b, the whole content of a file whose original
// name is name (its extension counts as evidence; it may be empty). It
// gives the same result as IdentifyFile on a file holding b, without
// reading anything: the ingest pipeline reads a small file once and hands
// the bytes to hashing, identification and format validation. b must not be
// changed while IdentifyBytes runs (nor, on cancellation, until siegfried's
// goroutine has finished with it).
func (id *Identifier) IdentifyBytes(ctx context.Context, b []byte, name string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	src := newFileSource(ctx, bytes.NewReader(b), int64(len(b)))
	if len(b) <= wholeSize {
		src.head = b
	} else if err := src.init(); err != nil {
		return Result{}, fmt.Errorf("identify %s: %w", name, err)
	}
	return id.run(ctx, src, name, src.failure)
}

// Identify identifies the content read from r. name is the original name
// (its extension counts as evidence); it may be empty. r is read to its end
// at most; siegfried may buffer the stream in memory, so prefer
// IdentifyFile for files.
func (id *Identifier) Identify(ctx context.Context, r io.Reader, name string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	cr := &ctxReader{ctx: ctx, r: r}
	return id.run(ctx, cr, name, cr.failure)
}

// run identifies src in a goroutine so that a done ctx returns at once.
// src fails every read once ctx is done, which ends siegfried's work soon
// after. failure reports the first read error src met, which siegfried
// itself would swallow.
func (id *Identifier) run(ctx context.Context, src io.Reader, name string, failure func() error) (Result, error) {
	type outcome struct {
		ids []core.Identification
		err error
	}
	done := make(chan outcome, 1) // buffered: the goroutine never blocks
	go func() {
		ids, err := id.sf.Identify(src, name, "")
		done <- outcome{ids, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	if err := failure(); err != nil {
		return Result{}, fmt.Errorf("identify %s: %w", name, err)
	}
	if o.ids == nil { // siegfried could not read the input at all
		if o.err == nil {
			o.err = errors.New("no result")
		}
		return Result{}, fmt.Errorf("identify %s: siegfried: %w", name, o.err)
	}
	r := toResult(o.ids)
	switch {
	case o.err == nil:
	case o.err.Error() == "empty source": // siegreader.ErrEmpty is internal
		return Result{PUID: Unknown, Warning: WarningEmpty}, nil
	default:
		// A matcher met content it could not parse (e.g. a truncated OLE2
		// or ZIP structure). siegfried still identified the file; like
		// its command sf, report the complaint alongside the result.
		r.Warning = joinWarning(r.Warning, "siegfried: "+o.err.Error())
	}
	return r, nil
}

func joinWarning(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// toResult converts siegfried's identifications (one per identifier; the
// embedded signature file has one, PRONOM) into a Result.
func toResult(ids []core.Identification) Result {
	if len(ids) == 0 {
		return Result{PUID: Unknown, Warning: "no identification"}
	}
	r := Result{PUID: ids[0].String(), Warning: ids[0].Warn()}
	// Values of a PRONOM identification: namespace, id, format name,
	// version, mime, class, basis, warning.
	if v := ids[0].Values(); len(v) >= 8 {
		r.FormatName, r.FormatVersion, r.MIME, r.Basis = v[2], v[3], v[4], v[6]
	}
	if r.PUID == "" {
		r.PUID = Unknown
	}
	return r
}
