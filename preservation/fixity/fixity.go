// Package fixity audits the AIPs in every store and repairs damaged copies
// from healthy replicas.
//
// Audit re-reads every byte of every OCFL object in every store. It first
// checks the fixed files of each store's storage root (AIP_STORAGE_ROOT;
// restored from their known content with Options.Repair). For each object
// it
//   - validates each store's copy as an OCFL 1.1 object (aip.ValidateObject,
//     whose findings become OCFL_Exxx problems), hashing every file as the
//     validator reads it, so that each file is read once;
//   - chooses the reference inventory: a root inventory confirmed by its
//     sidecar, agreeing with the catalog's record of the AIP (version and
//     file digests) when there is one, of the highest version among those;
//     copies that hold different inventories of that version make the
//     object AIP_DIVERGENT and leave it unrepaired;
//   - compares every file the reference implies (declaration, inventories
//     and sidecars, every content file of every version) with each copy:
//     a missing file is AIP_FILE_MISSING, other content AIP_FILE_DAMAGED;
//     an object missing from a store is AIP_MISSING, one without a usable
//     root inventory AIP_INCOMPLETE;
//   - with Options.Repair, copies each damaged or missing file from a store
//     whose copy of it has the reference digest (store.Repairer; Put for a
//     missing file when the store cannot repair), in the order an AIP is
//     written (content, version inventories, root inventory, root sidecar
//     last, so that an interrupted repair never shows a head whose content
//     is not there), and checks the copy again.
//
// Every result goes to the journal: a KindAudit entry (a PREMIS fixity
// check) per object and store, a KindRepair entry (a PREMIS replication)
// per repaired copy, the check after the repair, and a KindRun summary.
//
// The audit walks the object roots of all stores and the catalog in key
// order; Options.After and Options.Limit make it resumable in slices, and
// Report.Last says where it stopped.
package fixity

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// Expected says which AIPs should exist in every store, and what they hold:
// the catalog (package catalog) satisfies it.
type Expected interface {
	AIPs(ctx context.Context) iter.Seq2[*preservation.AIP, error]
}

// Applier applies journal segments to a catalog; the catalog satisfies it.
type Applier interface {
	Apply(ctx context.Context, seg *journal.Segment) error
}

// Committer appends entries to a journal and applies the segment as one
// serialised step (catalog.Catalog.Commit). An Applier that is also a
// Committer is used through Commit, so that an audit's segments and other
// writers' segments reach the catalog in journal order.
type Committer interface {
	Commit(ctx context.Context, j *journal.Journal, entries ...journal.Entry) error
}

// Options configure an audit. The zero value audits everything once,
// without repair, journal or catalog.
type Options struct {
	// Repair replaces damaged and missing files from healthy replicas.
	Repair bool
	// After makes the audit start after this object root key (as reported
	// in Report.Last by an earlier, partial audit).
	After string
	// Limit stops the audit after this many objects; 0 means no limit.
	Limit int
	// Rate limits the reading of all stores together to this many bytes
	// per second; 0 means no limit.
	Rate int64
	// Catalog lists the AIPs that should exist. An AIP it lists that a
	// store lacks is AIP_MISSING there; an object in storage it does not
	// list is reported (AIP_UNKNOWN) but not repaired, since it may be an
	// ingest in progress. Nil trusts the stores alone.
	Catalog Expected
	// Journal receives the results; nil records nothing.
	Journal *journal.Journal
	// Apply, if set, applies every journal segment written (the catalog).
	Apply Applier
	// Progress counts objects.
	Progress preservation.Progress
	// Logger receives warnings about damage and repairs; nil discards.
	Logger *slog.Logger
	// BatchSize is the number of journal entries per segment (default 256).
	BatchSize int
}

// Report is the outcome of an audit.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Repair   bool      `json:"repair"`
	// After is where the audit started (exclusive), as given.
	After string `json:"after,omitempty"`
	// Last is the last object root audited; pass it as Options.After to
	// go on from there.
	Last string `json:"last,omitempty"`
	// Complete reports that the audit reached the end of the object roots.
	Complete bool `json:"complete"`
	// Objects is the number of objects audited.
	Objects int            `json:"objects"`
	Stores  []*StoreReport `json:"stores"`
	// Findings lists the objects with problems or repairs, in root order.
	Findings []*ObjectReport `json:"findings"`
}

// StoreReport sums up one store.
type StoreReport struct {
	Store string `json:"store"`
	// Objects is the number of copies found; Files and Bytes what was read.
	Objects int   `json:"objects"`
	Files   int   `json:"files"`
	Bytes   int64 `json:"bytes"`
	// Failures counts the copies still missing, incomplete or damaged at
	// the end of the audit.
	Failures int `json:"failures"`
	// Repairs counts the files replaced, Repaired the copies healed.
	Repairs  int `json:"repairs"`
	Repaired int `json:"repaired"`
	// Error says why the store could not be listed, if it could not.
	Error string `json:"error,omitempty"`
	// Problems concern the store's OCFL storage root (AIP_STORAGE_ROOT);
	// a file repaired is noted as a warning.
	Problems preservation.Problems `json:"problems,omitempty"`
}

// ObjectReport is the outcome for one object.
type ObjectReport struct {
	ID   string `json:"id,omitempty"`
	Root string `json:"root"`
	// Problems concern the object as a whole (AIP_DIVERGENT, AIP_CATALOG,
	// AIP_UNKNOWN).
	Problems preservation.Problems `json:"problems,omitempty"`
	Copies   []*CopyReport         `json:"copies"`
}

// CopyReport is the outcome for one object in one store.
type CopyReport struct {
	Store   string `json:"store"`
	Present bool   `json:"present"`
	// OK reports that the copy is intact at the end of the audit (after
	// any repair).
	OK    bool  `json:"ok"`
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Problems are the findings of the audit.
	Problems preservation.Problems `json:"problems,omitempty"`
	// Repairs are the files a repair replaced or tried to.
	Repairs []RepairedFile `json:"repairs,omitempty"`
	// Remaining are the findings of the check after the repair.
	Remaining preservation.Problems `json:"remaining,omitempty"`
}

// OK reports whether the audit left no error: every copy intact and no
// object-level error.
func (r *Report) OK() bool {
	return r.Failed() == 0
}

// Failed counts the objects with an error left.
func (r *Report) Failed() int {
	n := 0
	for _, o := range r.Findings {
		if !o.OK() {
			n++
		}
	}
	for _, s := range r.Stores {
		if s.Error != "" || s.Problems.HasErrors() {
			n++
		}
	}
	return n
}

// OK reports whether the object has no error left.
func (o *ObjectReport) OK() bool {
	if o.Problems.HasErrors() {
		return false
	}
	for _, c := range o.Copies {
		if !c.OK {
			return false
		}
	}
	return true
}

// Summary returns the journal record of the run.
func (r *Report) Summary() RunSummary {
	return RunSummary{Started: r.Started, Finished: r.Finished, Repair: r.Repair, After: r.After, Last: r.Last,
		Complete: r.Complete, Objects: r.Objects, Failed: r.Failed(), Stores: r.Stores}
}

// auditor is the state of one audit.
type auditor struct {
	stores  []store.Store
	opts    Options
	log     *slog.Logger
	meters  []*meter
	down    []error // listing error per store
	rep     *Report
	pending []journal.Entry
}

// Audit checks every object in stores (see the package documentation). It
// returns the report also when it fails: a cancelled context stops the
// audit between objects, records the results so far, and returns the
// report with Last set and the context's error. Damage is reported in the
// Report, never as error; errors are a cancelled context, an unusable
// catalog or a journal that cannot be written.
func Audit(ctx context.Context, stores []store.Store, opts Options) (*Report, error) {
	if len(stores) == 0 {
		return nil, errors.New("fixity: no stores")
	}
	if opts.Progress == nil {
		opts.Progress = preservation.NoProgress{}
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	a := &auditor{stores: stores, opts: opts, log: opts.Logger, down: make([]error, len(stores)),
		rep: &Report{Started: time.Now().UTC(), Repair: opts.Repair, After: opts.After, Findings: []*ObjectReport{}}}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	lim := newLimiter(opts.Rate)
	for _, st := range stores {
		a.meters = append(a.meters, &meter{ctx: ctx, lim: lim})
		a.rep.Stores = append(a.rep.Stores, &StoreReport{Store: st.String()})
	}
	err := a.run(ctx)
	a.rep.Finished = time.Now().UTC()
	for i, m := range a.meters {
		a.rep.Stores[i].Bytes = m.total()
	}
	// What was found is recorded even when the audit was interrupted.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	sum, _ := json.Marshal(a.rep.Summary())
	a.pending = append(a.pending, journal.Entry{Kind: KindRun, Time: a.rep.Finished, Data: sum})
	if ferr := a.flush(wctx); ferr != nil && err == nil {
		err = ferr
	}
	return a.rep, err
}

func (a *auditor) run(ctx context.Context) error {
	roots, expected, err := a.roots(ctx)
	if err != nil {
		return err
	}
	if err := a.storageRoots(ctx); err != nil {
		return err
	}
	i := sort.SearchStrings(roots, a.opts.After)
	for i < len(roots) && roots[i] <= a.opts.After && a.opts.After != "" {
		i++
	}
	roots = roots[i:]
	total := len(roots)
	if a.opts.Limit > 0 {
		total = min(total, a.opts.Limit)
	}
	a.opts.Progress.SetTotal(int64(total))
	limited := a.opts.Limit > 0 && len(roots) > a.opts.Limit
	roots = roots[:total]
	seen := a.observeAhead(ctx, roots)
	defer seen.stop()
	for n, root := range roots {
		if err := ctx.Err(); err != nil {
			return err
		}
		copies := seen.copies(n)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.object(ctx, root, expected[root], copies); err != nil {
			return err
		}
		seen.done()
		a.rep.Last = root
		a.rep.Objects++
		a.opts.Progress.Add(1)
		if len(a.pending) >= a.opts.BatchSize {
			if err := a.flush(ctx); err != nil {
				return err
			}
		}
	}
	a.rep.Complete = !limited
	return nil
}

// observeAhead is how many objects are observed (listed, validated and
// hashed in every store) or audited at once: while the audit compares,
// records and repairs one object, the next is read, so that small objects
// keep both cores busy too.
const observeAhead = 2

// observer observes objects ahead of the audit, in root order.
type observer struct {
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	slots   chan struct{}
	results []chan []*copyState
}

// observeAhead starts observing roots in order, at most observeAhead
// objects at a time counting the one the audit is at: copies(n) waits for
// root n, done(n) frees its slot.
func (a *auditor) observeAhead(ctx context.Context, roots []string) *observer {
	ctx, cancel := context.WithCancel(ctx)
	o := &observer{ctx: ctx, cancel: cancel, slots: make(chan struct{}, observeAhead),
		results: make([]chan []*copyState, len(roots))}
	for n := range roots {
		o.results[n] = make(chan []*copyState, 1)
	}
	o.wg.Go(func() {
		for n, root := range roots {
			select {
			case o.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			o.wg.Go(func() { o.results[n] <- a.observeAll(ctx, root) })
		}
	})
	return o
}

// copies returns the observation of root n, or nil when the context was
// cancelled first.
func (o *observer) copies(n int) []*copyState {
	select {
	case c := <-o.results[n]:
		return c
	case <-o.ctx.Done():
		return nil
	}
}

// done reports that the audit of the object whose copies were returned
// last is finished.
func (o *observer) done() { <-o.slots }

// stop ends the observations still running and waits for them.
func (o *observer) stop() {
	o.cancel()
	o.wg.Wait()
}

// observeAll observes root in every store at once.
func (a *auditor) observeAll(ctx context.Context, root string) []*copyState {
	copies := make([]*copyState, len(a.stores))
	var wg sync.WaitGroup
	for i := range a.stores {
		wg.Go(func() { copies[i] = a.observe(ctx, i, root) })
	}
	wg.Wait()
	return copies
}

// roots lists the object roots of every store and of the catalog, sorted.
func (a *auditor) roots(ctx context.Context) ([]string, map[string]*preservation.AIP, error) {
	set := map[string]bool{}
	for i, st := range a.stores {
		for info, err := range st.List(ctx, aip.RootPrefix+"/") {
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				a.down[i] = err
				a.rep.Stores[i].Error = err.Error()
				a.log.Error("store cannot be listed; its copies count as unreadable", "store", st.String(), "err", err)
				break
			}
			if r := objectRoot(info.Key); r != "" {
				set[r] = true
			}
		}
	}
	expected := map[string]*preservation.AIP{}
	if a.opts.Catalog != nil {
		for x, err := range a.opts.Catalog.AIPs(ctx) {
			if err != nil {
				return nil, nil, fmt.Errorf("fixity: catalog: %w", err)
			}
			r := aip.ObjectKey(string(x.ID))
			expected[r] = x
			set[r] = true
		}
	}
	roots := make([]string, 0, len(set))
	for r := range set {
		roots = append(roots, r)
	}
	sort.Strings(roots)
	return roots, expected, nil
}

// storageRoots checks the fixed files of the OCFL storage root in every
// store, and with Repair restores them from their known content.
func (a *auditor) storageRoots(ctx context.Context) error {
	files := aip.RootFiles()
	for i, st := range a.stores {
		if a.down[i] != nil {
			continue
		}
		sr := a.rep.Stores[i]
		for _, key := range slices.Sorted(mapsKeys(files)) {
			want := files[key]
			wantSum := sha512hex(want)
			rel := strings.TrimPrefix(key, aip.RootPrefix+"/")
			got, _, err := readDigest(ctx, st, aip.RootPrefix, rel, a.meters[i])
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			var finding string
			switch {
			case errors.Is(err, fs.ErrNotExist):
				finding = "missing"
			case err != nil:
				finding = fmt.Sprintf("cannot be read: %v", err)
			case got != wantSum:
				finding = "damaged: not the content magazin writes"
			default:
				sr.Files++
				continue
			}
			p := preservation.Problem{Code: "AIP_STORAGE_ROOT", Severity: preservation.SeverityError, Path: key,
				Message: fmt.Sprintf("file of the OCFL storage root in %s %s", st, finding)}
			if a.opts.Repair {
				var rerr error
				if rp, ok := st.(store.Repairer); ok {
					_, rerr = rp.Repair(ctx, key, bytes.NewReader(want), int64(len(want)), wantSum)
				} else {
					_, rerr = st.Put(ctx, key, bytes.NewReader(want), int64(len(want)), wantSum)
				}
				if rerr == nil || errors.Is(rerr, store.ErrIntact) {
					p.Severity = preservation.SeverityWarning
					p.Message += "; restored"
					sr.Repairs++
				} else {
					p.Message += fmt.Sprintf("; not restored: %v", rerr)
				}
			}
			sr.Problems = append(sr.Problems, p)
			a.log.Warn("storage root damaged", "store", st.String(), "key", key, "repair", p.Message)
		}
	}
	return nil
}

// objectRoot returns the object root of a key in the storage root
// (layout 0004, sha256, three tuples of three: ocfl/aaa/bbb/ccc/<64 hex>),
// or "".
func objectRoot(key string) string {
	parts := strings.SplitN(key, "/", 6)
	if len(parts) < 6 || parts[0] != aip.RootPrefix {
		return ""
	}
	h := parts[4]
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return ""
	}
	for i := range 3 {
		if parts[1+i] != h[3*i:3*i+3] {
			return ""
		}
	}
	return strings.Join(parts[:5], "/")
}

// copyState is one object's copy in one store as the audit saw it.
type copyState struct {
	i       int
	st      store.Store
	listErr error
	listed  map[string]int64 // path relative to the root -> size
	obs     *observation
	valid   *aip.ValidationResult
	head    *head
	headErr error
	damage  []damage
	m       *meter // counts what is read for this copy
	bytes   int64  // read from the store for this copy
}

func (c *copyState) present() bool { return len(c.listed) > 0 }

// head is a root inventory confirmed by its sidecar.
type head struct {
	inv     *aip.Inventory
	raw     []byte
	digest  string
	sidecar []byte
	version int
	store   int
}

// damage is one file of a copy that does not match the reference.
type damage struct {
	rel, want string
	missing   bool
	got       string
	err       error // unreadable
}

// observe lists and reads the copy of root in store i.
func (a *auditor) observe(ctx context.Context, i int, root string) *copyState {
	c := &copyState{i: i, st: a.stores[i], listed: map[string]int64{}, obs: newObservation(), m: a.meters[i].child()}
	if a.down[i] != nil {
		c.listErr = a.down[i]
		return c
	}
	defer func() { c.bytes = c.m.total() }()
	var listing []store.Info
	for info, err := range c.st.List(ctx, root+"/") {
		if err != nil {
			c.listErr = err
			return c
		}
		c.listed[strings.TrimPrefix(info.Key, root+"/")] = info.Size
		listing = append(listing, info)
	}
	if !c.present() {
		return c
	}
	// The validator reads the directories from this listing: one listing
	// of the object, not one per directory.
	fsys := &teeFS{base: aip.NewListedStoreFS(ctx, c.st, root, listing), obs: c.obs, m: c.m}
	// The validator reads the root inventory and its sidecar first; the
	// head is parsed from those bytes while it reads the content.
	parsed := make(chan struct{})
	fsys.rootRead = func(raw, side []byte) {
		go func() {
			defer close(parsed)
			c.head, c.headErr = headFrom(root, raw, side, c.i)
		}()
	}
	c.valid = aip.ValidateObject(ctx, fsys, ".")
	c.obs.mu.Lock()
	called := fsys.called
	c.obs.mu.Unlock()
	if called {
		<-parsed
	} else {
		c.head, c.headErr = a.parseHead(ctx, root, c)
	}
	return c
}

// content returns the bytes of the captured file rel of c, reading it if
// the validator did not.
func (a *auditor) content(ctx context.Context, root string, c *copyState, rel string) ([]byte, error) {
	if b, ok := c.obs.captured[rel]; ok {
		return b, nil
	}
	if _, ok := c.listed[rel]; !ok {
		return nil, fs.ErrNotExist
	}
	if err := c.obs.readErrs[rel]; err != nil {
		return nil, err
	}
	if _, ok := c.obs.digests[rel]; ok {
		return nil, fmt.Errorf("%s is larger than %d bytes", rel, maxCapture)
	}
	d, b, err := readDigest(ctx, c.st, root, rel, c.m)
	if err != nil {
		c.obs.readErrs[rel] = err
		return nil, err
	}
	c.obs.digests[rel] = d
	c.obs.files++
	if b == nil {
		return nil, fmt.Errorf("%s is larger than %d bytes", rel, maxCapture)
	}
	c.obs.captured[rel] = b
	return b, nil
}

// parseHead reads the root inventory of c and checks it against its sidecar
// and the object root, as aip.ReadHead does.
func (a *auditor) parseHead(ctx context.Context, root string, c *copyState) (*head, error) {
	raw, err := a.content(ctx, root, c, "inventory.json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("no root inventory")
	}
	if err != nil {
		return nil, fmt.Errorf("root inventory: %w", err)
	}
	side, err := a.content(ctx, root, c, "inventory.json.sha512")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("no inventory sidecar inventory.json.sha512")
	}
	if err != nil {
		return nil, fmt.Errorf("inventory sidecar: %w", err)
	}
	return headFrom(root, raw, side, c.i)
}

// headFrom checks the root inventory raw against the sidecar side and the
// object root.
func headFrom(root string, raw, side []byte, store int) (*head, error) {
	digest := sha512hex(raw)
	if f := strings.Fields(string(side)); len(f) != 2 || f[1] != "inventory.json" || !strings.EqualFold(f[0], digest) {
		return nil, errors.New("the sidecar does not match the root inventory")
	}
	inv, err := aip.ParseInventory(raw)
	if err != nil {
		return nil, err
	}
	if aip.ObjectKey(inv.ID) != root {
		return nil, fmt.Errorf("the inventory's id %q does not map to this object root", inv.ID)
	}
	if inv.DigestAlgorithm != "sha512" {
		return nil, fmt.Errorf("digest algorithm %q, not sha512", inv.DigestAlgorithm)
	}
	n := versionNumber(inv.Head)
	if n == 0 || inv.Versions[inv.Head] == nil {
		return nil, fmt.Errorf("head %q is not a version of the inventory", inv.Head)
	}
	return &head{inv: inv, raw: raw, digest: digest, sidecar: side, version: n, store: store}, nil
}

// borrowHeads gives a copy whose root inventory its own sidecar does not
// confirm the head that another copy's sidecar confirms: with two
// replicas, one may have lost the root inventory and the other its
// sidecar, and each intact file still confirms the other. The copy keeps
// its error (AIP_INCOMPLETE) until it is repaired.
func borrowHeads(root string, copies []*copyState) {
	for _, c := range copies {
		raw, ok := c.obs.captured["inventory.json"]
		if c.head != nil || !ok {
			continue
		}
		for _, s := range copies {
			side, ok := s.obs.captured["inventory.json.sha512"]
			if s == c || !ok {
				continue
			}
			if h, err := headFrom(root, raw, side, c.i); err == nil {
				c.head = h
				break
			}
		}
	}
}

func versionNumber(v string) int {
	s, ok := strings.CutPrefix(v, "v")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func sha512hex(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// reference chooses the reference inventory of an object (see the package
// documentation), reporting object-level problems.
func (a *auditor) reference(copies []*copyState, exp *preservation.AIP) (*head, preservation.Problems) {
	var order []string
	groups := map[string][]*head{}
	for _, c := range copies {
		if c.head == nil {
			continue
		}
		if groups[c.head.digest] == nil {
			order = append(order, c.head.digest)
		}
		groups[c.head.digest] = append(groups[c.head.digest], c.head)
	}
	if len(order) == 0 {
		return nil, nil
	}
	cands := order
	if exp != nil {
		var match []string
		var why string
		for _, d := range order {
			w := catalogMismatch(groups[d][0], exp)
			if w == "" {
				match = append(match, d)
			} else if why == "" {
				why = fmt.Sprintf("%s (copy in %s)", w, a.stores[groups[d][0].store])
			}
		}
		if len(match) == 0 {
			return nil, preservation.Problems{{Code: "AIP_CATALOG", Severity: preservation.SeverityError,
				Message: "no copy matches the catalog's record: " + why + "; not repaired (if storage is right, run magazin rebuild)"}}
		}
		cands = match
	}
	top := 0
	for _, d := range cands {
		top = max(top, groups[d][0].version)
	}
	var best []string
	for _, d := range cands {
		if groups[d][0].version == top {
			best = append(best, d)
		}
	}
	if len(best) > 1 {
		var where []string
		for _, d := range best {
			var names []string
			for _, h := range groups[d] {
				names = append(names, a.stores[h.store].String())
			}
			where = append(where, strings.Join(names, ", "))
		}
		return nil, preservation.Problems{{Code: "AIP_DIVERGENT", Severity: preservation.SeverityError,
			Message: fmt.Sprintf("the copies hold different inventories of version v%d (%s); not repaired", top, strings.Join(where, " / "))}}
	}
	// Copies of the same inventory whose sidecars differ only in the
	// letter case of the digest: the canonical sidecar is the reference.
	for _, h := range groups[best[0]] {
		if bytes.Equal(h.sidecar, canonicalSidecar(h.digest)) {
			return h, nil
		}
	}
	return groups[best[0]][0], nil
}

// catalogMismatch says how the inventory h disagrees with the catalog's
// record of the AIP, or "".
func catalogMismatch(h *head, exp *preservation.AIP) string {
	if exp.Version > 0 && h.version != exp.Version {
		return fmt.Sprintf("the catalog records version v%d, the inventory's head is %s", exp.Version, h.inv.Head)
	}
	byPath := map[string]string{}
	for d, paths := range h.inv.Versions[h.inv.Head].State {
		for _, p := range paths {
			byPath[p] = strings.ToLower(d)
		}
	}
	for _, f := range exp.Files {
		d, ok := byPath[f.Path]
		switch {
		case !ok:
			return fmt.Sprintf("%s is not in the inventory's head version", f.Path)
		case f.SHA512 != "" && d != strings.ToLower(f.SHA512):
			return fmt.Sprintf("%s has digest %.16s… in the inventory, %.16s… in the catalog", f.Path, d, f.SHA512)
		}
	}
	return ""
}

// expectations returns the SHA-512 of every file the reference implies,
// by path relative to the object root.
func expectations(ref *head, copies []*copyState) map[string]string {
	want := map[string]string{
		"inventory.json":        ref.digest,
		"inventory.json.sha512": sha512hex(ref.sidecar),
	}
	for rel := range copies[ref.store].listed {
		if v, ok := strings.CutPrefix(rel, "0=ocfl_object_"); ok && !strings.Contains(rel, "/") {
			want[rel] = sha512hex([]byte("ocfl_object_" + v + "\n"))
		}
	}
	for name := range ref.inv.Versions {
		invRel, sideRel := name+"/inventory.json", name+"/inventory.json.sha512"
		if name == ref.inv.Head {
			want[invRel] = ref.digest
			if _, side, ok := consensus(copies, invRel, sideRel, ref.digest); ok {
				want[sideRel] = side
			}
			continue
		}
		if inv, side, ok := consensus(copies, invRel, sideRel, ""); ok {
			want[invRel], want[sideRel] = inv, side
		}
	}
	for d, paths := range ref.inv.Manifest {
		for _, p := range paths {
			want[p] = strings.ToLower(d)
		}
	}
	return want
}

// consensus returns the digests of a version inventory and its sidecar
// that every matching pair agrees on (and, if inv is given, whose inventory
// has that digest). A pair may be made of the inventory of one copy and the
// sidecar of another: with two replicas, one may have lost the inventory
// and the other the sidecar, and each intact file still confirms the other.
func consensus(copies []*copyState, invRel, sideRel, inv string) (string, string, bool) {
	type pair struct{ inv, side string }
	seen := map[pair]bool{}
	for _, c := range copies {
		d, ok := c.obs.digests[invRel]
		if !ok || (inv != "" && d != inv) {
			continue
		}
		for _, s := range copies {
			sb, ok := s.obs.captured[sideRel]
			if !ok {
				continue
			}
			if f := strings.Fields(string(sb)); len(f) != 2 || f[1] != "inventory.json" || !strings.EqualFold(f[0], d) {
				continue
			}
			seen[pair{d, sha512hex(sb)}] = true
		}
	}
	if len(seen) > 1 {
		// Sidecars that differ only in the letter case of the digest
		// both confirm the inventory; the one magazin writes is the
		// reference.
		for p := range seen {
			if p.side != sha512hex(canonicalSidecar(p.inv)) {
				delete(seen, p)
			}
		}
	}
	if len(seen) != 1 {
		return "", "", false
	}
	for p := range seen {
		return p.inv, p.side, true
	}
	return "", "", false
}

// canonicalSidecar is the sidecar as aip writes it for an inventory with
// the given SHA-512.
func canonicalSidecar(digest string) []byte {
	return []byte(strings.ToLower(digest) + " inventory.json\n")
}

// compare finds the files of c that do not match want, reading those the
// validator did not read.
func (a *auditor) compare(ctx context.Context, root string, c *copyState, want map[string]string) error {
	c.damage = nil
	if c.listErr != nil {
		return nil
	}
	before := c.m.total()
	defer func() { c.bytes += c.m.total() - before }()
	for _, rel := range slices.Sorted(mapsKeys(want)) {
		w := want[rel]
		if _, ok := c.listed[rel]; !ok {
			c.damage = append(c.damage, damage{rel: rel, want: w, missing: true})
			continue
		}
		d, ok := c.obs.digests[rel]
		if !ok && c.obs.readErrs[rel] == nil {
			var b []byte
			var err error
			d, b, err = readDigest(ctx, c.st, root, rel, c.m)
			if err := ctx.Err(); err != nil {
				return err
			}
			if err != nil {
				c.obs.readErrs[rel] = err
			} else {
				c.obs.digests[rel] = d
				c.obs.files++
				if b != nil {
					c.obs.captured[rel] = b
				}
				ok = true
			}
		}
		switch {
		case !ok:
			c.damage = append(c.damage, damage{rel: rel, want: w, err: c.obs.readErrs[rel]})
		case d != w:
			c.damage = append(c.damage, damage{rel: rel, want: w, got: d})
		}
	}
	return nil
}

func mapsKeys[V any](m map[string]V) iter.Seq[string] {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// problems renders what the audit found in c.
func (a *auditor) problems(root string, c *copyState, missingSeverity string) preservation.Problems {
	var ps preservation.Problems
	add := func(code, sev, p, format string, args ...any) {
		ps = append(ps, preservation.Problem{Code: code, Severity: sev, Path: p, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case c.listErr != nil:
		add("AIP_UNREADABLE", preservation.SeverityError, root, "the store could not be read, the copy was not checked: %v", c.listErr)
		return ps
	case !c.present():
		if missingSeverity != "" {
			add("AIP_MISSING", missingSeverity, root, "object not found in %s", c.st)
		}
		return ps
	}
	if c.valid != nil {
		for _, e := range c.valid.Errors {
			add("OCFL_"+e.Code, preservation.SeverityError, e.Path, "%s", e.Message)
		}
		for _, w := range c.valid.Warnings {
			add("OCFL_"+w.Code, preservation.SeverityWarning, w.Path, "%s", w.Message)
		}
	}
	if c.headErr != nil {
		add("AIP_INCOMPLETE", preservation.SeverityError, root, "%v", c.headErr)
	}
	for _, d := range c.damage {
		switch {
		case d.missing:
			add("AIP_FILE_MISSING", preservation.SeverityError, d.rel, "missing in %s", c.st)
		case d.err != nil:
			add("AIP_UNREADABLE", preservation.SeverityError, d.rel, "cannot be read from %s: %v", c.st, d.err)
		default:
			add("AIP_FILE_DAMAGED", preservation.SeverityError, d.rel, "sha512 %.16s… in %s, the inventory says %.16s…", d.got, c.st, d.want)
		}
	}
	return ps
}

// objectID names the object: from the reference, the catalog, or any
// readable inventory.
func objectID(root string, ref *head, exp *preservation.AIP, copies []*copyState) string {
	switch {
	case ref != nil:
		return ref.inv.ID
	case exp != nil:
		return string(exp.ID)
	}
	for _, c := range copies {
		if c.head != nil {
			return c.head.inv.ID
		}
		if raw, ok := c.obs.captured["inventory.json"]; ok {
			if inv, err := aip.ParseInventory(raw); err == nil && aip.ObjectKey(inv.ID) == root {
				return inv.ID
			}
		}
	}
	return ""
}

// object audits (and repairs) one object in every store, as observeAll
// saw it there, and records the results.
func (a *auditor) object(ctx context.Context, root string, exp *preservation.AIP, copies []*copyState) error {
	if !slices.ContainsFunc(copies, func(c *copyState) bool { return c.head != nil }) {
		borrowHeads(root, copies)
	}
	ref, objProblems := a.reference(copies, exp)
	var want map[string]string
	if ref != nil {
		want = expectations(ref, copies)
	}
	for _, c := range copies {
		if err := a.compare(ctx, root, c, want); err != nil {
			return err
		}
	}
	anyPresent := slices.ContainsFunc(copies, (*copyState).present)
	known := exp != nil || a.opts.Catalog == nil
	missingSeverity := ""
	switch {
	case known:
		missingSeverity = preservation.SeverityError
	case anyPresent:
		missingSeverity = preservation.SeverityWarning
	}
	if !known && anyPresent {
		objProblems = append(objProblems, preservation.Problem{Code: "AIP_UNKNOWN", Severity: preservation.SeverityWarning, Path: root,
			Message: "the object is not in the catalog: an ingest that has not finished, or a catalog to rebuild (magazin rebuild); not repaired"})
	}
	if exp != nil && !anyPresent {
		objProblems = append(objProblems, preservation.Problem{Code: "AIP_MISSING", Severity: preservation.SeverityError, Path: root,
			Message: "the catalog lists the AIP but no store holds it"})
	}
	id := objectID(root, ref, exp, copies)
	or := &ObjectReport{ID: id, Root: root, Problems: objProblems}
	subject := id
	if subject == "" {
		subject = root
	}
	var cerr error
	for _, c := range copies {
		found := a.problems(root, c, missingSeverity)
		cr := &CopyReport{Store: c.st.String(), Present: c.present(), OK: !found.HasErrors(), Files: c.obs.files, Bytes: c.bytes, Problems: found}
		or.Copies = append(or.Copies, cr)
		sr := a.rep.Stores[c.i]
		if c.present() {
			sr.Objects++
		}
		sr.Files += c.obs.files
		a.event(subject, &AuditEvent{ID: id, Root: root, Store: c.st.String(), Present: c.present(), OK: cr.OK,
			Files: cr.Files, Bytes: cr.Bytes, Problems: found})
		if !cr.OK {
			a.log.Info("damaged copy", "aip", id, "root", root, "store", c.st.String(), "problems", len(found))
		}
		if cr.OK || cerr != nil || !a.opts.Repair || ref == nil || !known || c.listErr != nil || len(c.damage) == 0 {
			if !cr.OK {
				sr.Failures++
			}
			continue
		}
		ev, err := a.repair(ctx, root, id, c, copies)
		cr.Repairs = ev.Files
		a.repairEvent(subject, ev)
		for _, f := range ev.Files {
			if f.OK && f.Source != "" {
				sr.Repairs++
			}
		}
		if err != nil {
			cerr = err
			sr.Failures++
			continue
		}
		// Check the copy again, in full.
		again := a.observe(ctx, c.i, root)
		if err := ctx.Err(); err != nil {
			cerr = err
			sr.Failures++
			continue
		}
		if err := a.compare(ctx, root, again, want); err != nil {
			cerr = err
			sr.Failures++
			continue
		}
		cr.Remaining = a.problems(root, again, missingSeverity)
		cr.OK = !cr.Remaining.HasErrors()
		cr.Bytes += again.bytes
		sr.Files += again.obs.files
		a.event(subject, &AuditEvent{ID: id, Root: root, Store: c.st.String(), Present: again.present(), OK: cr.OK, Recheck: true,
			Files: again.obs.files, Bytes: again.bytes, Problems: cr.Remaining})
		if cr.OK {
			sr.Repaired++
			a.log.Info("copy repaired", "aip", id, "root", root, "store", c.st.String(), "files", len(ev.Files))
		} else {
			sr.Failures++
			a.log.Warn("copy still damaged after repair", "aip", id, "root", root, "store", c.st.String(), "problems", len(cr.Remaining))
		}
	}
	if len(or.Problems) > 0 || slices.ContainsFunc(or.Copies, func(c *CopyReport) bool { return len(c.Problems) > 0 || len(c.Repairs) > 0 }) {
		a.rep.Findings = append(a.rep.Findings, or)
	}
	return cerr
}

func (a *auditor) event(subject string, ev *AuditEvent) {
	ev.EventID = newUUID()
	b, _ := json.Marshal(ev)
	a.pending = append(a.pending, journal.Entry{Kind: KindAudit, Subject: subject, Time: time.Now().UTC(), Data: b})
}

func (a *auditor) repairEvent(subject string, ev *RepairEvent) {
	ev.EventID = newUUID()
	b, _ := json.Marshal(ev)
	a.pending = append(a.pending, journal.Entry{Kind: KindRepair, Subject: subject, Time: time.Now().UTC(), Data: b})
}

// flush writes the pending entries to the journal and applies them.
func (a *auditor) flush(ctx context.Context) error {
	if a.opts.Journal == nil || len(a.pending) == 0 {
		a.pending = nil
		return nil
	}
	if c, ok := a.opts.Apply.(Committer); ok {
		err := c.Commit(ctx, a.opts.Journal, a.pending...)
		a.pending = nil
		if err != nil {
			return fmt.Errorf("fixity: recording results in the journal: %w", err)
		}
		return nil
	}
	seg, err := a.opts.Journal.Append(ctx, a.pending...)
	if err != nil {
		return fmt.Errorf("fixity: recording results in the journal: %w", err)
	}
	a.pending = nil
	if a.opts.Apply != nil {
		if err := a.opts.Apply.Apply(ctx, seg); err != nil {
			return fmt.Errorf("fixity: applying journal segment %d: %w", seg.Seq, err)
		}
	}
	return nil
}
