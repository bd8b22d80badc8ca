// Package migrate applies preservation actions to stored AIPs: for each
// file of a format an action names (by PRONOM PUID), an external command
// (Ghostscript, ImageMagick, …) makes a new file, which becomes part of a
// new representation (representations/<name>/data/...) in a new version of
// the AIP, with a PREMIS migration ("mig") or normalization ("nor") event
// that links the source and the outcome and names the tool and its
// version as agent. The new files are identified with siegfried and their
// SHA-512 computed before they are stored. See docs/migration.md.
//
// Contract:
//   - The original files are never changed; unchanged content is not
//     copied (package aip writes only the new files and metadata).
//   - A file is migrated once per action: a file that already has a
//     derived file in the action's representation is skipped, so running
//     migrate again is a no-op.
//   - A command that fails, times out, writes nothing, or makes a file of
//     a format the action does not expect fails that file; the other files
//     of the AIP are still migrated, and the failures are reported.
//   - Nothing is written to a store in a dry run.
package migrate

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/ingest/identify"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// Action is one preservation action: what it applies to, the command, and
// where its outcome goes.
type Action struct {
	// Name identifies the action in reports, e.g. "pdfa".
	Name string `json:"name"`
	// PUIDs are the formats of the files the action applies to.
	PUIDs []string `json:"puids"`
	// Event is the PREMIS event type: "mig" (migration, a preservation
	// copy) or "nor" (normalization, e.g. an access copy).
	Event string `json:"event"`
	// Representation names the representation the outcome joins
	// (representations/<name>/data/...), e.g. "preservation" or "access";
	// never "original".
	Representation string `json:"representation"`
	// Extension replaces the extension of the source's name, e.g. ".png".
	Extension string `json:"extension"`
	// Command is the program and its arguments; "{in}" and "{out}" in an
	// argument stand for the paths of the source and of the outcome to
	// write. No shell is involved.
	Command []string `json:"command"`
	// Tool names the program for PREMIS (e.g. "Ghostscript"); VersionCommand
	// prints its version (the first line of its output is recorded).
	Tool           string   `json:"tool"`
	VersionCommand []string `json:"versionCommand,omitempty"`
	// Expect, if set, lists the PUIDs the outcome may have; an outcome of
	// another format fails.
	Expect []string `json:"expect,omitempty"`
	// Timeout bounds one run of the command ("10m"; default 10 minutes).
	Timeout string `json:"timeout,omitempty"`
}

// Config is the set of actions, read from JSON ({"actions": [...]}).
type Config struct {
	Actions []Action `json:"actions"`
}

// Default returns the built-in actions: PDF to PDF/A-2b with Ghostscript
// (a migration into the representation "preservation") and TIFF to PNG
// access copies with ImageMagick (a normalization into "access").
func Default() *Config {
	return &Config{Actions: []Action{
		{
			Name: "pdfa", Event: preservation.EventMigration, Representation: "preservation", Extension: ".pdf",
			PUIDs:   []string{"fmt/14", "fmt/15", "fmt/16", "fmt/17", "fmt/18", "fmt/19", "fmt/20", "fmt/276", "fmt/1129"},
			Command: []string{"gs", "-dPDFA=2", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-sColorConversionStrategy=RGB", "-sDEVICE=pdfwrite", "-dPDFACompatibilityPolicy=1", "-sOutputFile={out}", "{in}"},
			Tool:    "Ghostscript", VersionCommand: []string{"gs", "--version"},
			Expect: []string{"fmt/476", "fmt/477", "fmt/478"},
		},
		{
			Name: "tiff-png", Event: preservation.EventNormalization, Representation: "access", Extension: ".png",
			PUIDs:   []string{"fmt/353", "fmt/154", "fmt/155", "x-fmt/387", "x-fmt/388", "x-fmt/399"},
			Command: []string{"convert", "{in}[0]", "{out}"},
			Tool:    "ImageMagick", VersionCommand: []string{"convert", "-version"},
			Expect: []string{"fmt/11", "fmt/12", "fmt/13"},
		},
	}}
}

// Load reads a configuration file.
func Load(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("migrate: %s: %w", file, err)
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("migrate: %s: %w", file, err)
	}
	return &c, nil
}

// Check reports the first mistake in the configuration.
func (c *Config) Check() error {
	names := map[string]bool{}
	puids := map[string]string{}
	for i, a := range c.Actions {
		switch {
		case a.Name == "" || names[a.Name]:
			return fmt.Errorf("action %d: missing or duplicate name %q", i+1, a.Name)
		case len(a.PUIDs) == 0:
			return fmt.Errorf("action %s: no puids", a.Name)
		case a.Event != preservation.EventMigration && a.Event != preservation.EventNormalization:
			return fmt.Errorf("action %s: event %q: want mig or nor", a.Name, a.Event)
		case a.Representation == "" || a.Representation == "original" || strings.ContainsAny(a.Representation, "/\\") || a.Representation[0] == '.':
			return fmt.Errorf("action %s: representation %q: want a name other than original", a.Name, a.Representation)
		case !strings.HasPrefix(a.Extension, ".") || strings.ContainsAny(a.Extension, "/\\"):
			return fmt.Errorf("action %s: extension %q: want e.g. .pdf", a.Name, a.Extension)
		case len(a.Command) == 0 || !slices.ContainsFunc(a.Command, func(s string) bool { return strings.Contains(s, "{in}") }) ||
			!slices.ContainsFunc(a.Command, func(s string) bool { return strings.Contains(s, "{out}") }):
			return fmt.Errorf("action %s: the command needs {in} and {out}", a.Name)
		case a.Tool == "":
			return fmt.Errorf("action %s: no tool name", a.Name)
		}
		if a.Timeout != "" {
			if d, err := time.ParseDuration(a.Timeout); err != nil || d <= 0 {
				return fmt.Errorf("action %s: timeout %q", a.Name, a.Timeout)
			}
		}
		names[a.Name] = true
		// Two actions for one format in one representation would compete
		// for the same outcome.
		for _, p := range a.PUIDs {
			k := p + "\x00" + a.Representation
			if other, ok := puids[k]; ok {
				return fmt.Errorf("actions %s and %s both make %s files into %s", other, a.Name, p, a.Representation)
			}
			puids[k] = a.Name
		}
	}
	return nil
}

// Options select what Migrate does.
type Options struct {
	// PUID limits the migration to files of this format ("" for all
	// formats an action names).
	PUID string
	// DryRun reports what would be done without running a command or
	// writing anything.
	DryRun bool
	// User names who runs the migration (OCFL version user).
	User string
	// Earlier are events about the AIP recorded outside it (the journal's
	// fixity checks and repairs) that the new version's PREMIS takes in;
	// those it holds already (by id) are skipped.
	Earlier func(id string) ([]preservation.Event, error)
}

// Outcome is what happened to one file.
type Outcome struct {
	Action string `json:"action"`
	// Source and Target are logical paths in the AIP.
	Source string `json:"source"`
	Target string `json:"target"`
	// PUID is the format of the target as identified.
	PUID  string `json:"puid,omitempty"`
	Size  int64  `json:"size,omitempty"`
	Error string `json:"error,omitempty"`
}

// Result is the outcome of migrating one AIP.
type Result struct {
	AIP string `json:"aip"`
	// Version is the AIP's version afterwards (unchanged in a dry run or
	// when nothing was migrated).
	Version  int       `json:"version"`
	DryRun   bool      `json:"dryRun,omitempty"`
	Outcomes []Outcome `json:"outcomes"`
	// AIPRecord is the AIP as its new head holds it, for the catalog.
	AIPRecord *preservation.AIP `json:"-"`
}

// Failed counts the files that could not be migrated.
func (r *Result) Failed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Error != "" {
			n++
		}
	}
	return n
}

// Migrator applies the actions of a Config to AIPs in stores.
type Migrator struct {
	cfg    *Config
	stores []store.Store
	ident  *identify.Identifier
	work   string
	now    func() time.Time

	mu       sync.Mutex
	versions map[string]string // action name -> tool version
}

// New returns a Migrator. Commands run in temporary directories below
// work (e.g. the data dir's staging area).
func New(cfg *Config, stores []store.Store, ident *identify.Identifier, work string) (*Migrator, error) {
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if len(stores) == 0 {
		return nil, errors.New("migrate: no store")
	}
	return &Migrator{cfg: cfg, stores: stores, ident: ident, work: work, now: time.Now, versions: map[string]string{}}, nil
}

// SetClock replaces the clock (tests).
func (m *Migrator) SetClock(now func() time.Time) { m.now = now }

// planned is one file to migrate.
type planned struct {
	action *Action
	src    preservation.File
	target string // logical path
}

// plan lists the files of a that the actions apply to and that have no
// outcome of the action yet.
func (m *Migrator) plan(a *preservation.AIP, puid string) []planned {
	taken := map[string]bool{}
	done := map[string]bool{} // source + "\x00" + representation
	for _, f := range a.Files {
		taken[f.Path] = true
		if f.DerivedFrom != "" {
			done[f.DerivedFrom+"\x00"+representation(f.Path)] = true
		}
	}
	var out []planned
	for _, f := range a.Files {
		// Sources are the submitted files, of whatever representation the
		// submission put them in.
		srcRep, rel := aip.SplitRepresentation(f.Path)
		if f.DerivedFrom != "" || srcRep == "" || (puid != "" && f.PUID != puid) {
			continue
		}
		if srcRep != preservation.RepresentationOriginal {
			rel = srcRep + "/" + rel
		}
		for i := range m.cfg.Actions {
			act := &m.cfg.Actions[i]
			if !slices.Contains(act.PUIDs, f.PUID) || done[f.Path+"\x00"+act.Representation] {
				continue
			}
			name := strings.TrimSuffix(rel, path.Ext(rel)) + act.Extension
			target := "representations/" + act.Representation + "/data/" + name
			if taken[target] {
				target = "representations/" + act.Representation + "/data/" + rel + act.Extension
			}
			taken[target] = true
			out = append(out, planned{action: act, src: f, target: target})
		}
	}
	return out
}

func representation(p string) string {
	rest, ok := strings.CutPrefix(p, "representations/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// Migrate applies the actions to the AIP id: it runs the command of each
// action on each file it applies to, and writes the outcomes as a new
// version of the AIP to every store. The AIP's record afterwards is in
// Result.AIPRecord (nil in a dry run, or when nothing was migrated).
func (m *Migrator) Migrate(ctx context.Context, id string, opts Options) (*Result, error) {
	res := &Result{AIP: id, DryRun: opts.DryRun, Outcomes: []Outcome{}}
	if opts.DryRun {
		a, err := aip.Read(ctx, m.stores[0], id)
		if err != nil {
			return nil, err
		}
		res.Version = a.Version
		for _, p := range m.plan(a, opts.PUID) {
			res.Outcomes = append(res.Outcomes, Outcome{Action: p.action.Name, Source: p.src.Path, Target: p.target})
		}
		return res, nil
	}
	dir, err := os.MkdirTemp(m.work, "migrate-")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer os.RemoveAll(dir)
	a, err := aip.Update(ctx, m.stores, id, func(cur *preservation.AIP, h *aip.Head) (*aip.Revision, error) {
		res.Version = cur.Version
		next := *cur
		next.Files = slices.Clone(cur.Files)
		next.Events = slices.Clone(cur.Events)
		next.Agents = slices.Clone(cur.Agents)
		var add []aip.Source
		now := m.now().UTC().Truncate(time.Second)
		for n, p := range m.plan(cur, opts.PUID) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			o := Outcome{Action: p.action.Name, Source: p.src.Path, Target: p.target}
			f, out, version, err := m.run(ctx, h, p, filepath.Join(dir, fmt.Sprint(n)))
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				o.Error = err.Error()
				res.Outcomes = append(res.Outcomes, o)
				continue
			}
			o.PUID, o.Size = f.PUID, f.Size
			res.Outcomes = append(res.Outcomes, o)
			next.Files = append(next.Files, f)
			add = append(add, aip.FileSource(f.Path, out, f.Size, f.SHA512))
			agent := "tool:" + strings.ToLower(strings.ReplaceAll(p.action.Tool, " ", "-"))
			if i := slices.IndexFunc(next.Agents, func(ag preservation.Agent) bool { return ag.ID == agent }); i < 0 {
				next.Agents = append(next.Agents, preservation.Agent{ID: agent, Name: p.action.Tool, Type: "software", Version: version})
			} else if next.Agents[i].Version != version {
				// Another version of the tool made earlier outcomes: a
				// new agent keeps both apart.
				agent += "@" + version
				if !slices.ContainsFunc(next.Agents, func(ag preservation.Agent) bool { return ag.ID == agent }) {
					next.Agents = append(next.Agents, preservation.Agent{ID: agent, Name: p.action.Tool, Type: "software", Version: version})
				}
			}
			what := "migration"
			if p.action.Event == preservation.EventNormalization {
				what = "normalization"
			}
			next.Events = append(next.Events, preservation.Event{ID: newUUID(), Type: p.action.Event, DateTime: now,
				Detail:  fmt.Sprintf("%s %q (%s %s): %s (%s) to %s (%s)", what, p.action.Name, p.action.Tool, version, p.src.Name, p.src.PUID, f.Name, f.PUID),
				Outcome: preservation.OutcomeSuccess, Agents: []string{agent}, Objects: []string{p.src.Path}, Outcomes: []string{f.Path}})
		}
		if len(add) == 0 {
			return &aip.Revision{AIP: cur}, nil
		}
		if opts.Earlier != nil {
			earlier, err := opts.Earlier(id)
			if err != nil {
				return nil, err
			}
			next.Events = MergeEvents(next.Events, earlier)
		}
		if m.ident != nil && !slices.ContainsFunc(next.Agents, func(ag preservation.Agent) bool { return ag.ID == "siegfried" }) {
			next.Agents = append(next.Agents, preservation.Agent{ID: "siegfried", Name: "siegfried", Type: "software", Version: m.ident.Version()})
		}
		return &aip.Revision{AIP: &next, Add: add, Created: now, User: opts.User,
			Message: fmt.Sprintf("Migration: %d new files", len(add))}, nil
	})
	if errors.Is(err, aip.ErrUnchanged) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	res.Version, res.AIPRecord = a.Version, a
	return res, nil
}

// MergeEvents returns events with those of earlier that it does not hold
// (by id) inserted in time order before the events it holds that are
// later.
func MergeEvents(events, earlier []preservation.Event) []preservation.Event {
	have := map[string]bool{}
	for _, e := range events {
		have[e.ID] = true
	}
	out := slices.Clone(events)
	for _, e := range earlier {
		if have[e.ID] || e.ID == "" {
			continue
		}
		have[e.ID] = true
		i := len(out)
		for i > 0 && out[i-1].DateTime.After(e.DateTime) {
			i--
		}
		out = slices.Insert(out, i, e)
	}
	return out
}

// run makes the outcome of p in dir and describes it as a file of the AIP.
// It returns the file, the outcome's path on disk and the tool's version.
func (m *Migrator) run(ctx context.Context, h *aip.Head, p planned, dir string) (preservation.File, string, string, error) {
	var f preservation.File
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return f, "", "", err
	}
	version, err := m.version(ctx, p.action)
	if err != nil {
		return f, "", "", err
	}
	in := filepath.Join(dir, "in"+path.Ext(p.src.Path))
	if err := m.export(ctx, h, p.src.Path, in); err != nil {
		return f, "", "", err
	}
	out := filepath.Join(dir, "out"+p.action.Extension)
	timeout := 10 * time.Minute
	if p.action.Timeout != "" {
		timeout, _ = time.ParseDuration(p.action.Timeout)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := make([]string, len(p.action.Command))
	for i, a := range p.action.Command {
		args[i] = strings.NewReplacer("{in}", in, "{out}", out).Replace(a)
	}
	cmd := exec.CommandContext(cctx, args[0], args[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &limited{w: &stderr, n: 4096}
	if err := cmd.Run(); err != nil {
		if cctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %s", timeout)
		}
		return f, "", "", fmt.Errorf("%s: %v: %s", p.action.Tool, err, strings.TrimSpace(stderr.String()))
	}
	fh, err := os.Open(out)
	if err != nil {
		return f, "", "", fmt.Errorf("%s wrote no outcome: %w", p.action.Tool, err)
	}
	defer fh.Close()
	hash := sha512.New()
	size, err := io.Copy(hash, fh)
	if err != nil {
		return f, "", "", err
	}
	if size == 0 {
		return f, "", "", fmt.Errorf("%s wrote an empty outcome", p.action.Tool)
	}
	name := strings.TrimPrefix(p.target, "representations/"+p.action.Representation+"/data/")
	f = preservation.File{Path: p.target, Name: name, Size: size, SHA512: hex.EncodeToString(hash.Sum(nil)), DerivedFrom: p.src.Path, PUID: "UNKNOWN"}
	if m.ident != nil {
		r, err := m.ident.IdentifyFile(ctx, fh, path.Base(name))
		if err != nil {
			return f, "", "", err
		}
		f.PUID, f.FormatName, f.FormatVersion, f.MIME, f.FormatBasis, f.FormatWarning = r.PUID, r.FormatName, r.FormatVersion, r.MIME, r.Basis, r.Warning
		if len(p.action.Expect) > 0 && !slices.Contains(p.action.Expect, f.PUID) {
			return f, "", "", fmt.Errorf("%s made a file of format %s (%s), not of %s", p.action.Tool, f.PUID, f.FormatName, strings.Join(p.action.Expect, ", "))
		}
	}
	return f, out, version, nil
}

// export copies logical path p of the head h into file, from the first
// store that holds it intact.
func (m *Migrator) export(ctx context.Context, h *aip.Head, p, file string) error {
	var errs []error
	for _, st := range m.stores {
		err := func() error {
			rc, _, err := h.Open(ctx, st, p)
			if err != nil {
				return err
			}
			defer rc.Close()
			w, err := os.OpenFile(file, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, store.ContextReader(ctx, rc)); err != nil {
				w.Close()
				return err
			}
			return w.Close()
		}()
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", st, err))
	}
	return fmt.Errorf("migrate: read %s: %w", p, errors.Join(errs...))
}

// version returns the first line of the tool's version output, asked once.
func (m *Migrator) version(ctx context.Context, a *Action) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.versions[a.Name]; ok {
		return v, nil
	}
	v := "unknown"
	if len(a.VersionCommand) > 0 {
		out, err := exec.CommandContext(ctx, a.VersionCommand[0], a.VersionCommand[1:]...).Output()
		if err != nil {
			return "", fmt.Errorf("%s: version: %w", a.Tool, err)
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		v = strings.TrimSpace(line)
	}
	m.versions[a.Name] = v
	return v, nil
}

// limited keeps the first n bytes written to w.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
