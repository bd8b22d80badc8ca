package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/ingest/formatcheck"
	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/ingest/quarantine"
	"github.com/magazin-archiv/magazin/ingest/scan"
	"github.com/magazin-archiv/magazin/ingest/unpack"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/policy"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/profiles"
	"github.com/magazin-archiv/magazin/profiles/bagit"
	"github.com/magazin-archiv/magazin/profiles/digitised"
	"github.com/magazin-archiv/magazin/profiles/eark"
	"github.com/magazin-archiv/magazin/profiles/folder"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// Config configures an Ingester.
type Config struct {
	// DataDir holds staging/ and quarantine/.
	DataDir string
	// Parallel is the number of files read at once (default: CPUs).
	Parallel int
	// Limits bound what an unpacked submission may contain.
	Limits unpack.Limits
	// Version is magazin's version, recorded as PREMIS agent.
	Version string
	// User names who ingests (OCFL version user).
	User string
	// Scanner scans every file for viruses in the one read (nil: off).
	Scanner *scan.Scanner
	// ScanRequired makes a failed scan an error (else a warning).
	ScanRequired bool
	// ScannerVersion names the scanner for PREMIS (e.g. "ClamAV 1.0.7").
	ScannerVersion string
	// Policy is the format policy applied to every file (nil: none).
	Policy *policy.Policy
	// FormatCheck validates files beyond identification (nil: off).
	FormatCheck *formatcheck.Checker
	// XdomeaSchemas is the directory of the KoSIT xdomea schemas
	// (<dir>/<version>/…); empty: structural checks only.
	XdomeaSchemas string
}

// DefaultConfig returns the defaults for a data dir.
func DefaultConfig(dataDir string) Config {
	return Config{DataDir: dataDir, Parallel: runtime.NumCPU(), Limits: unpack.DefaultLimits(), Version: "dev", User: "magazin",
		Policy: policy.Default()}
}

// Catalog is what ingest needs of the catalog.
type Catalog interface {
	ByFingerprint(ctx context.Context, fp string) (string, bool, error)
	AIP(ctx context.Context, id string) (*preservation.AIP, error)
	PutAIP(ctx context.Context, a *preservation.AIP) error
	Unit(ctx context.Context, id string) (*preservation.Unit, error)
	ResolveUnit(ctx context.Context, ref string) (*preservation.Unit, error)
	NextNumber(ctx context.Context, bestand string) (int, error)
	Agency(ctx context.Context, id string) (*catalog.Agency, error)
}

// Indexer receives the units of every newly stored AIP (the finding-aid
// index satisfies it, wired by cmd/magazin).
type Indexer interface {
	IndexUnits(ctx context.Context, units []preservation.Unit) error
}

// Ingester runs ingests. It is safe for concurrent use.
type Ingester struct {
	cfg      Config
	stores   []store.Store
	cat      Catalog
	ident    *identify.Identifier
	profiles []profiles.Profile
	log      *slog.Logger
	indexer  Indexer
	intents  IntentLog
	earlier  func(id string) ([]preservation.Event, error)
	// unitJournal journals units described before that an ingest attached
	// to a new AIP (see WithUnitJournal).
	unitJournal func(ctx context.Context, units []preservation.Unit) error
	now         func() time.Time
}

// Option sets an optional collaborator.
type Option func(*Ingester)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(in *Ingester) { in.log = l } }

// WithUnitJournal sets how the units described before (digitised images
// attached to an EAD-imported unit) are journaled once they point at
// their new AIP: every ingest, from the CLI or the daemon, calls it after
// the catalog has the AIPs.
func WithUnitJournal(f func(ctx context.Context, units []preservation.Unit) error) Option {
	return func(in *Ingester) { in.unitJournal = f }
}

// WithIndexer sets the search indexer.
func WithIndexer(x Indexer) Option { return func(in *Ingester) { in.indexer = x } }

// New returns an Ingester writing to stores (all of them: replicas).
func New(cfg Config, stores []store.Store, cat Catalog, ident *identify.Identifier, opts ...Option) (*Ingester, error) {
	if len(stores) == 0 {
		return nil, errors.New("ingest: no store configured")
	}
	if cfg.DataDir == "" {
		return nil, errors.New("ingest: no data dir")
	}
	if cfg.Parallel < 1 {
		cfg.Parallel = 1
	}
	in := &Ingester{cfg: cfg, stores: stores, cat: cat, ident: ident,
		profiles: []profiles.Profile{xdomea.New(cfg.XdomeaSchemas), eark.New(), digitised.New(), bagit.New(), folder.New()},
		log:      slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(in)
	}
	return in, nil
}

// Result is the outcome of one ingest.
type Result struct {
	// AIPs are the AIPs the submission was stored in: one per top-level
	// unit (Akte or Vorgang), in submission order.
	AIPs []*preservation.AIP `json:"aips"`
	// Existing counts the AIPs that were archived before (an identical
	// resubmission) and were returned instead of made again.
	Existing int `json:"existing"`
	// Problems are warnings (errors reject the submission).
	Problems preservation.Problems `json:"problems,omitempty"`
	Profile  string                `json:"profile"`
	// Attached are the units described before (profiles.Unit.Existing,
	// e.g. imported from a finding aid) that new AIPs of this ingest now
	// hold the records of, with their AIP set. The caller journals them
	// (catalog.UnitEntry): the units' earlier journal entries lack the
	// AIP, and a rebuild replays the journal after the AIPs.
	Attached []preservation.Unit `json:"attached,omitempty"`
	// Rescans are the new versions this ingest made of digitisation AIPs
	// (scans of units digitised before: Neudigitalisierung); those AIPs
	// are among AIPs, as their new head holds them.
	Rescans []Rescan `json:"rescans,omitempty"`
}

// Profiles returns the names of the known profiles.
func (in *Ingester) Profiles() []string {
	var ns []string
	for _, p := range in.profiles {
		ns = append(ns, p.Name())
	}
	return ns
}

// prepared is a submission read and checked, before anything is stored.
type prepared struct {
	job string
	src string
	// name is the submission's name (the base name of src, unless it is
	// a copy: Options.Name).
	name     string
	root     string
	staging  string
	unpacked bool
	transfer *profiles.Transfer
	// attached maps the SourceID of each Existing unit of the transfer to
	// the catalog unit it names.
	attached map[string]preservation.Unit
	files    []scanned
	problems preservation.Problems
	events   []preservation.Event
}

type scanned struct {
	tf profiles.File
	// path is the file's logical path in the AIP (see aipPaths).
	path   string
	sha512 string
	// verified are the digests the submission declared for the file that
	// the one read confirmed, by algorithm, in lower case.
	verified map[string]string
	ident    identify.Result
	// check is the format validation result (Checked false: none ran).
	check formatcheck.Result
	// scanned: the virus scanner gave a verdict; infected: it found one.
	scanned, infected bool
}

// Validate checks a submission without side effects beyond a temporary
// staging directory, which it removes.
func (in *Ingester) Validate(ctx context.Context, path, profile string, progress preservation.Progress) (string, preservation.Problems, error) {
	p, err := in.prepare(ctx, path, "", profile, nil, progress)
	if p != nil {
		defer os.RemoveAll(p.staging)
	}
	if err != nil {
		return "", nil, err
	}
	name := ""
	if p.transfer != nil {
		name = p.transfer.Profile
	}
	return name, p.problems, nil
}

// Options are per-submission choices.
type Options struct {
	// Profile is a profile name or "auto" ("" means auto).
	Profile string
	// Bestand names the Bestand (id or Signatur) the units join; empty: the
	// sending agency's Bestand, if the submission names a known agency.
	Bestand string
	// OneAIP puts the whole transfer into one AIP instead of one AIP per
	// top-level unit.
	OneAIP bool
	// Check, when set, adds findings about the read transfer that need
	// context the profile lacks (e.g. the appraisal of its process).
	Check CheckFunc
	// NoQuarantine: the submission is a quarantined copy being retried
	// (ingest/quarantine); a rejection makes no new quarantine entry.
	NoQuarantine bool
	// Name is the submission's name when path is a copy of it (a
	// quarantine retry); default: the base name of path.
	Name string
}

// CheckFunc checks a transfer after its profile has read it.
type CheckFunc func(ctx context.Context, t *profiles.Transfer) preservation.Problems

// Ingest ingests the submission at path (a directory or a ZIP file). A rejected submission returns an
// error matching *preservation.RejectedError.
func (in *Ingester) Ingest(ctx context.Context, path string, opts Options, progress preservation.Progress) (*Result, error) {
	p, err := in.prepare(ctx, path, opts.Name, opts.Profile, opts.Check, progress)
	if p != nil {
		defer os.RemoveAll(p.staging)
	}
	if err != nil {
		return nil, err
	}
	if p.problems.HasErrors() {
		return nil, in.reject(p, opts)
	}
	bestand, err := in.resolveBestand(ctx, p.transfer, opts.Bestand)
	if err != nil {
		return nil, err
	}
	groups, err := in.groupUnits(p, bestand)
	if err != nil {
		return nil, err
	}
	if opts.OneAIP && len(groups) > 1 && len(p.attached) == 0 {
		groups = mergeGroups(groups)
	}
	res := &Result{Problems: p.problems, Profile: p.transfer.Profile}
	var fresh, rescans []group
	for _, g := range groups {
		fp := g.fingerprint()
		id, ok, err := in.cat.ByFingerprint(ctx, fp)
		if err != nil {
			return nil, err
		}
		if !ok && g.existing && g.units[0].AIP != "" {
			// Scans of a unit digitised before (attach checked the AIP).
			rescans = append(rescans, g)
			continue
		}
		if !ok {
			a, err := in.adopt(ctx, fp)
			if err != nil {
				return nil, err
			}
			if a != nil {
				res.AIPs = append(res.AIPs, a)
				res.Existing++
				continue
			}
			fresh = append(fresh, g)
			continue
		}
		a, err := in.cat.AIP(ctx, id)
		if err != nil {
			return nil, err
		}
		in.log.Info("already archived", "aip", id, "submission", path)
		res.AIPs = append(res.AIPs, a)
		res.Existing++
	}
	if err := in.numberGroups(ctx, fresh, bestand); err != nil {
		return nil, err
	}
	type built struct {
		a        *preservation.AIP
		obj      *aip.Object
		existing bool
	}
	var objs []built
	for _, g := range fresh {
		a, obj, err := in.build(p, g)
		if err != nil {
			return nil, err
		}
		objs = append(objs, built{a, obj, g.existing})
	}
	// Every replica gets every object and is read back before anything
	// becomes visible, in storage or in the catalog.
	written := make([]*aip.Object, len(objs))
	for i, b := range objs {
		written[i] = b.obj
	}
	// Just before any store can hold a complete object, the intent log
	// learns which AIP id each fingerprint is stored under (see adopt).
	recordIntents := func() error {
		if in.intents == nil {
			return nil
		}
		for _, b := range objs {
			if err := in.intents.RecordIntent(ctx, b.a.Fingerprint, string(b.a.ID)); err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
		}
		return nil
	}
	if err := in.replicate(ctx, written, recordIntents); err != nil {
		return nil, err
	}
	for _, b := range objs {
		if err := in.cat.PutAIP(ctx, b.a); err != nil {
			return nil, fmt.Errorf("ingest: catalog: %w", err)
		}
		res.AIPs = append(res.AIPs, b.a)
		if b.existing {
			res.Attached = append(res.Attached, b.a.Units[0])
		}
		in.log.Info("ingested", "aip", b.a.ID, "files", len(b.a.Files), "profile", b.a.Profile)
	}
	if len(res.Attached) > 0 && in.unitJournal != nil {
		// The units now point at their AIP; the journal keeps that link
		// through a rebuild (AIPs first, then the journal).
		if err := in.unitJournal(ctx, res.Attached); err != nil {
			return res, fmt.Errorf("ingest: journal the attached units: %w", err)
		}
	}
	var revised []*preservation.AIP
	for _, g := range rescans {
		a, rs, err := in.rescan(ctx, p, g)
		if err != nil {
			return nil, err
		}
		res.AIPs = append(res.AIPs, a)
		if rs == nil {
			res.Existing++
			continue
		}
		res.Rescans = append(res.Rescans, *rs)
		revised = append(revised, a)
	}
	if in.indexer != nil {
		var units []preservation.Unit
		for _, b := range objs {
			units = append(units, b.a.Units...)
		}
		for _, a := range revised {
			units = append(units, a.Units...)
		}
		if len(units) > 0 {
			if err := in.indexer.IndexUnits(ctx, units); err != nil {
				// The AIPs are safe in storage; the index is a cache that
				// `magazin rebuild` restores.
				in.log.Error("indexing failed", "err", err)
			}
		}
	}
	return res, nil
}

func (in *Ingester) prepare(ctx context.Context, src, name, profile string, check CheckFunc, progress preservation.Progress) (*prepared, error) {
	if progress == nil {
		progress = preservation.NoProgress{}
	}
	job, err := newUUID()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = filepath.Base(src)
	}
	p := &prepared{job: job, src: src, name: name, staging: filepath.Join(in.cfg.DataDir, "staging", job)}
	if err := os.MkdirAll(p.staging, 0o750); err != nil {
		return nil, fmt.Errorf("ingest: staging: %w", err)
	}
	fi, err := os.Stat(src)
	switch {
	case err != nil:
		p.problems = append(p.problems, preservation.Problem{Code: "READ_UNREADABLE", Severity: preservation.SeverityError,
			Path: src, Message: fmt.Sprintf("cannot read submission: %v", err)})
		return p, nil
	case fi.IsDir():
		p.root = src
	case fi.Mode().IsRegular() && unpack.IsZip(src):
		dest := filepath.Join(p.staging, "content")
		probs, err := unpack.Zip(ctx, src, dest, in.cfg.Limits)
		if err != nil {
			return p, fmt.Errorf("ingest: unpack: %w", err)
		}
		p.problems = append(p.problems, probs...)
		if probs.HasErrors() {
			return p, nil
		}
		p.unpacked = true
		p.root = singleDir(dest)
		p.events = append(p.events, in.event(preservation.EventUnpacking, "ZIP container unpacked into staging", preservation.OutcomeSuccess, ""))
	default:
		p.problems = append(p.problems, preservation.Problem{Code: "INGEST_NOT_A_PACKAGE", Severity: preservation.SeverityError,
			Path: src, Message: "a submission must be a directory or a ZIP file"})
		return p, nil
	}
	// Links, special and unreadable files, and size limits.
	_, probs, err := unpack.Walk(ctx, p.root, in.cfg.Limits)
	if err != nil {
		return p, fmt.Errorf("ingest: %w", err)
	}
	p.problems = append(p.problems, probs...)
	if probs.HasErrors() {
		return p, nil
	}
	prof, err := in.pickProfile(p.root, profile)
	if err != nil {
		return p, err
	}
	t, err := prof.Read(ctx, p.root)
	if err != nil {
		return p, fmt.Errorf("ingest: read %s package: %w", prof.Name(), err)
	}
	if t.Title == "" {
		t.Title = strings.TrimSuffix(name, filepath.Ext(name))
	}
	p.transfer = t
	p.problems = append(p.problems, t.Problems...)
	if t.Problems.HasErrors() {
		return p, nil
	}
	if probs, err := in.attach(ctx, p); err != nil {
		return p, err
	} else if len(probs) > 0 {
		p.problems = append(p.problems, probs...)
		return p, nil
	}
	if check != nil {
		probs := check(ctx, t)
		p.problems = append(p.problems, probs...)
		if probs.HasErrors() {
			return p, nil
		}
	}
	outcome := preservation.OutcomeSuccess
	p.events = append(p.events, in.event(preservation.EventValidation, "submission checked against the "+prof.Name()+" profile", outcome, problemSummary(t.Problems)))
	progress.SetTotal(int64(len(t.Files)))
	agency := ""
	if t.Message != nil {
		agency = t.Message.Sender
	}
	paths, probs := aipPaths(t)
	if len(probs) > 0 {
		p.problems = append(p.problems, probs...)
		return p, nil
	}
	files, probs, err := in.scan(ctx, t.Files, t.Profile, agency, progress)
	if err != nil {
		return p, err
	}
	for i := range files {
		files[i].path = paths[files[i].tf.Name]
	}
	p.files = files
	p.problems = append(p.problems, probs...)
	return p, nil
}

func (in *Ingester) pickProfile(root, name string) (profiles.Profile, error) {
	if name == "" || name == "auto" {
		for _, p := range in.profiles {
			if p.Detect(root) {
				return p, nil
			}
		}
		return nil, errors.New("ingest: no profile recognises the submission")
	}
	for _, p := range in.profiles {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("ingest: unknown profile %q (known: %s): %w", name, strings.Join(in.Profiles(), ", "), ErrUsage)
}

// ErrUsage marks errors caused by how ingest was called.
var ErrUsage = errors.New("usage")

// scan reads every file once, in parallel: SHA-512 and the declared
// digests in one sequential pass, then format identification on the same
// open file (siegfried reads the few pages it needs with ReadAt, served
// from the page cache).
func (in *Ingester) scan(ctx context.Context, files []profiles.File, profile, agency string, progress preservation.Progress) ([]scanned, preservation.Problems, error) {
	out := make([]scanned, len(files))
	probs := make([]preservation.Problems, len(files))
	var wg sync.WaitGroup
	ch := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ferr error
	var once sync.Once
	for w := 0; w < in.cfg.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				s, ps, err := in.scanFile(ctx, files[i], profile, agency)
				if err != nil {
					once.Do(func() { ferr = err; cancel() })
					continue
				}
				out[i], probs[i] = s, ps
				progress.Add(1)
			}
		}()
	}
loop:
	for i := range files {
		select {
		case ch <- i:
		case <-ctx.Done():
			break loop
		}
	}
	close(ch)
	wg.Wait()
	if ferr != nil {
		return nil, nil, ferr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var all preservation.Problems
	for _, ps := range probs {
		all = append(all, ps...)
	}
	return out, all, nil
}

func (in *Ingester) scanFile(ctx context.Context, tf profiles.File, profile, agency string) (scanned, preservation.Problems, error) {
	s := scanned{tf: tf}
	if err := ctx.Err(); err != nil {
		return s, nil, err
	}
	f, err := os.Open(tf.Path)
	if err != nil {
		return s, preservation.Problems{{Code: "READ_UNREADABLE", Severity: preservation.SeverityError, Path: tf.Name,
			Message: fmt.Sprintf("cannot open: %v", err)}}, nil
	}
	defer f.Close()
	h512 := sha512.New()
	writers := []io.Writer{h512}
	declared := map[string]hash.Hash{}
	for alg := range tf.Declared {
		if alg == "sha512" {
			continue // computed anyway
		}
		if h := preservation.NewHash(alg); h != nil {
			declared[alg] = h
			writers = append(writers, h)
		}
	}
	var virus *scan.Stream
	var virusErr error
	if in.cfg.Scanner != nil {
		virus, virusErr = in.cfg.Scanner.Stream(ctx)
		if virusErr == nil {
			defer virus.Close()
			writers = append(writers, virus)
		}
	}
	// The one read: a small file into memory, where identification and
	// format validation find it too; a larger one streamed.
	data, n, err := readOnce(ctx, f, tf.Size, io.MultiWriter(writers...))
	if err != nil {
		if ctx.Err() != nil {
			return s, nil, ctx.Err()
		}
		return s, preservation.Problems{{Code: "READ_UNREADABLE", Severity: preservation.SeverityError, Path: tf.Name,
			Message: fmt.Sprintf("read failed: %v", err)}}, nil
	}
	s.tf.Size = n
	s.sha512 = hex.EncodeToString(h512.Sum(nil))
	var probs preservation.Problems
	if in.cfg.Scanner != nil {
		var v scan.Verdict
		if virusErr == nil {
			v, virusErr = virus.Verdict()
		}
		if ctx.Err() != nil {
			return s, nil, ctx.Err()
		}
		if p, ok := scan.Problem(tf.Name, v, virusErr, in.cfg.ScanRequired); ok {
			probs = append(probs, p)
		}
		s.scanned = virusErr == nil
		s.infected = v.Infected
	}
	for alg, want := range tf.Declared {
		got := s.sha512
		if h, ok := declared[alg]; ok {
			got = hex.EncodeToString(h.Sum(nil))
		} else if alg != "sha512" {
			probs = append(probs, preservation.Problem{Code: "FIXITY_UNSUPPORTED", Severity: preservation.SeverityWarning, Path: tf.Name,
				Message: fmt.Sprintf("declared %s digest not checked: algorithm not supported", alg)})
			continue
		}
		if !strings.EqualFold(got, want) {
			probs = append(probs, preservation.Problem{Code: "FIXITY_MISMATCH", Severity: preservation.SeverityError, Path: tf.Name,
				Message: fmt.Sprintf("declared %s %s, file has %s", alg, want, got)})
			continue
		}
		if s.verified == nil {
			s.verified = map[string]string{}
		}
		s.verified[alg] = got
	}
	if in.ident != nil {
		var res identify.Result
		var err error
		if data != nil {
			res, err = in.ident.IdentifyBytes(ctx, data, tf.Name)
		} else {
			res, err = in.ident.IdentifyFile(ctx, f, tf.Name)
		}
		if err != nil {
			if ctx.Err() != nil {
				return s, nil, ctx.Err()
			}
			probs = append(probs, preservation.Problem{Code: "FORMAT_ID_FAILED", Severity: preservation.SeverityWarning, Path: tf.Name,
				Message: err.Error()})
			res = identify.Result{PUID: "UNKNOWN"}
		}
		s.ident = res
	}
	if in.cfg.Policy != nil {
		d := in.cfg.Policy.Decide(s.ident.PUID, profile, agency)
		if p, ok := d.Problem(tf.Name); ok {
			probs = append(probs, p)
		}
	}
	if in.cfg.FormatCheck != nil && formatcheck.Supported(s.ident.PUID) {
		var ra io.ReaderAt = f // a large file: read where the check needs it
		if data != nil {
			ra = bytes.NewReader(data)
		}
		res, err := in.cfg.FormatCheck.CheckReaderAt(ctx, ra, n, tf.Name, s.ident.PUID)
		if err != nil {
			if ctx.Err() != nil {
				return s, nil, ctx.Err()
			}
			probs = append(probs, preservation.Problem{Code: formatcheck.CodeToolFailed, Severity: preservation.SeverityWarning, Path: tf.Name, Message: err.Error()})
		}
		for _, p := range res.Problems {
			p.Path = tf.Name
			probs = append(probs, p)
		}
		s.check = res
	}
	return s, probs, nil
}

// wholeFile is the size up to which a file is read into memory once and
// handed to hashing, identification and format validation from there;
// larger files are streamed through the hashes, and identification and
// validation read the parts they need from the open file (the page cache).
const wholeFile = 1 << 20

// copyBufs are the buffers of the streamed reads.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// readOnce reads f to its end into w and returns the number of bytes read.
// A file of at most wholeFile bytes (by its size on disk, size) is read
// into memory and also returned; a file that grew beyond that while being
// read is streamed from there on and data is nil.
func readOnce(ctx context.Context, f *os.File, size int64, w io.Writer) (data []byte, n int64, err error) {
	r := store.ContextReader(ctx, f)
	if size >= 0 && size <= wholeFile {
		buf := make([]byte, 0, size+1) // +1: see EOF without growing
		for {
			if len(buf) == cap(buf) {
				if len(buf) > wholeFile {
					break // grew: stream the rest
				}
				buf = append(buf, 0)[:len(buf)]
			}
			k, rerr := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+k]
			if rerr == io.EOF {
				if _, err := w.Write(buf); err != nil {
					return nil, 0, err
				}
				return buf, int64(len(buf)), nil
			}
			if rerr != nil {
				return nil, 0, rerr
			}
		}
		if _, err := w.Write(buf); err != nil {
			return nil, 0, err
		}
		n = int64(len(buf))
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	m, err := io.CopyBuffer(w, r, *bp)
	return nil, n + m, err
}

// build turns one group of a prepared submission into an AIP record and
// its OCFL object.
func (in *Ingester) build(p *prepared, g group) (*preservation.AIP, *aip.Object, error) {
	id, err := newUUID()
	if err != nil {
		return nil, nil, err
	}
	t := p.transfer
	top := g.units[0]
	a := &preservation.AIP{ID: preservation.AIPID("urn:uuid:" + id), Version: 1, Created: in.now().UTC().Truncate(time.Second),
		Title: top.Title, Profile: t.Profile, Fingerprint: g.fingerprint(), Submission: p.name, Description: t.Description}
	if a.Title == "" {
		a.Title = t.Title
	}
	for i := range g.units {
		g.units[i].AIP = a.ID
	}
	a.Units = g.units
	a.Agents = []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: in.cfg.Version}}
	var payload []aip.Source
	for _, s := range g.files {
		f := preservation.File{Path: s.path, Name: s.tf.Name, Size: s.tf.Size, SHA512: s.sha512,
			PUID: s.ident.PUID, FormatName: s.ident.FormatName, FormatVersion: s.ident.FormatVersion, MIME: s.ident.MIME,
			FormatBasis: s.ident.Basis, FormatWarning: s.ident.Warning, Declared: s.verified}
		a.Files = append(a.Files, f)
		a.Size += f.Size
		payload = append(payload, aip.FileSource(f.Path, s.tf.Path, f.Size, f.SHA512))
	}
	a.Representations = representations(t, a.Files)
	// The submission's own metadata: the unit's (e.g. the message pruned to
	// it) where the profile gives one, else the whole submission's.
	meta := g.metadata
	if len(meta) == 0 {
		meta = t.Metadata
	}
	var sub []aip.Source
	for _, m := range meta {
		b := m.Data
		if b == nil {
			var err error
			if b, err = os.ReadFile(m.Path); err != nil {
				return nil, nil, fmt.Errorf("ingest: read submission metadata %s: %w", m.Name, err)
			}
		}
		sub = append(sub, aip.BytesSource(aip.PrefixSubmisson+m.Name, b))
	}
	events := in.fileEvents(p, a, g.files)
	for _, ev := range []preservation.Event{
		in.event(preservation.EventPackageCreation, "OCFL 1.1 object with METS and PREMIS created", preservation.OutcomeSuccess, ""),
		in.event(preservation.EventIngestion, fmt.Sprintf("ingested from %s (%s profile)", p.name, t.Profile),
			preservation.OutcomeSuccess, problemSummary(p.problems)),
	} {
		ev.Agents = []string{"magazin"}
		events = append(events, ev)
	}
	a.Events = events
	obj, err := aip.New(aip.Package{AIP: a, Payload: payload, Submission: sub, User: in.cfg.User,
		Message: fmt.Sprintf("Ingest of %s", p.name)})
	if err != nil {
		return nil, nil, err
	}
	return a, obj, nil
}

func (in *Ingester) event(typ, detail, outcome, outcomeDetail string) preservation.Event {
	id, _ := newUUID()
	return preservation.Event{ID: id, Type: typ, DateTime: in.now().UTC().Truncate(time.Second), Detail: detail, Outcome: outcome, OutcomeDetail: outcomeDetail}
}

// reject keeps the submission in quarantine with a report (unless the
// submission is a quarantined copy being retried: Options.NoQuarantine).
func (in *Ingester) reject(p *prepared, opts Options) error {
	if opts.NoQuarantine {
		in.log.Info("quarantined submission rejected again", "submission", p.src, "problems", len(p.problems))
		return &preservation.RejectedError{Problems: p.problems}
	}
	r := quarantine.Report{Job: p.job, Submission: p.src, Time: in.now().UTC(), Problems: p.problems, Bestand: opts.Bestand}
	if t := p.transfer; t != nil {
		r.Profile = t.Profile
		if t.Message != nil {
			r.Agency = t.Message.Sender
		}
	}
	qdir, err := quarantine.Keep(in.cfg.DataDir, r, p.src)
	switch {
	case errors.Is(err, quarantine.ErrIncompleteCopy):
		in.log.Warn("quarantine copy incomplete", "job", p.job, "err", err)
	case err != nil:
		return fmt.Errorf("ingest: %w", err)
	}
	in.log.Info("submission rejected", "submission", p.src, "quarantine", qdir, "problems", len(p.problems))
	return &preservation.RejectedError{Problems: p.problems, Quarantine: qdir}
}

// singleDir descends into dir when it holds exactly one directory and
// nothing else (a ZIP of a folder).
func singleDir(dir string) string {
	es, err := os.ReadDir(dir)
	if err == nil && len(es) == 1 && es[0].IsDir() {
		return filepath.Join(dir, es[0].Name())
	}
	return dir
}

// fingerprint identifies the group's content: that of its files, and for
// images attached to an existing unit also the unit, so that the same
// scans sent for another Signatur are not taken for a resubmission.
func (g group) fingerprint() string {
	fp := fingerprint(g.files)
	if !g.existing {
		return fp
	}
	h := sha512.Sum512([]byte(fp + "\x00" + g.units[0].ID))
	return hex.EncodeToString(h[:])
}

// fingerprint is the SHA-512 over the sorted (name, SHA-512) pairs.
func fingerprint(files []scanned) string {
	lines := make([]string, len(files))
	for i, s := range files {
		lines[i] = s.tf.Name + "\x00" + s.sha512 + "\n"
	}
	sort.Strings(lines)
	h := sha512.New()
	for _, l := range lines {
		io.WriteString(h, l)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func formatSummary(files []preservation.File) string {
	counts := map[string]int{}
	for _, f := range files {
		counts[f.PUID]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

func problemSummary(ps preservation.Problems) string {
	if len(ps) == 0 {
		return ""
	}
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "; ")
}

func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("ingest: uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
