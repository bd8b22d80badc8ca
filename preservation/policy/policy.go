package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Action is what the archive does with a file of a format.
type Action string

// Actions, from the most to the least welcome.
const (
	// Preferred formats are archival formats: stored as they are.
	Preferred Action = "preferred"
	// Accepted formats are stored; they may be normalised (migrated) later.
	Accepted Action = "accepted"
	// Flag: the file is stored, and a POLICY_FLAGGED warning is recorded
	// and reported so that an archivist looks at it.
	Flag Action = "flag"
	// Reject: the submission is refused with a POLICY_REJECTED error.
	Reject Action = "reject"
)

// Valid reports whether a is one of the four actions.
func (a Action) Valid() bool {
	switch a {
	case Preferred, Accepted, Flag, Reject:
		return true
	}
	return false
}

// Problem codes of this package (see docs/problem-codes.md, "## policy").
const (
	CodeRejected = "POLICY_REJECTED"
	CodeFlagged  = "POLICY_FLAGGED"
)

// Unknown is the PUID of a file that format identification could not
// identify (ingest/identify.Unknown). An empty PUID is treated as Unknown.
const Unknown = "UNKNOWN"

// Wildcard is the key in Decision.Rule of a layer's unlisted default.
const Wildcard = "*"

// Layer names as they appear in Decision.Rule.
const (
	// LayerBuiltin is the built-in default table (see Default).
	LayerBuiltin = "builtin"
	// LayerArchive is the archive-wide table of a policy document.
	LayerArchive = "archive"
	// LayerProfilePrefix and LayerAgencyPrefix precede a profile name or
	// agency id: "profile/xdomea", "agency/LRA-Zwickau".
	LayerProfilePrefix = "profile/"
	LayerAgencyPrefix  = "agency/"
)

var puidSyntax = regexp.MustCompile(`^(x-)?fmt/[1-9][0-9]{0,5}$`)

// ValidPUID reports whether s is a syntactically valid PRONOM identifier
// ("fmt/123", "x-fmt/45") or Unknown.
func ValidPUID(s string) bool { return s == Unknown || puidSyntax.MatchString(s) }

// Decision is the policy's answer for one file.
type Decision struct {
	// PUID is the PUID decided on (Unknown for an empty one).
	PUID   string `json:"puid"`
	Action Action `json:"action"`
	// Rule names the rule that decided: "<layer>:<PUID>" for a listed
	// format, "<layer>:*" for a layer's default for unlisted formats,
	// where layer is "builtin", "archive", "profile/<name>" or
	// "agency/<id>"; e.g. "agency/LRA-Zwickau:fmt/18", "builtin:*".
	Rule string `json:"rule"`
	// Reason explains the decision in German, for reports and PREMIS.
	Reason string `json:"reason"`
}

func (d Decision) String() string {
	return fmt.Sprintf("%s: %s (%s): %s", d.PUID, d.Action, d.Rule, d.Reason)
}

// Problem returns the problem a decision records: POLICY_REJECTED (error)
// for Reject, POLICY_FLAGGED (warning) for Flag, and false for Preferred
// and Accepted. path is the file's logical path.
func (d Decision) Problem(path string) (preservation.Problem, bool) {
	var code, sev string
	switch d.Action {
	case Reject:
		code, sev = CodeRejected, preservation.SeverityError
	case Flag:
		code, sev = CodeFlagged, preservation.SeverityWarning
	default:
		return preservation.Problem{}, false
	}
	return preservation.Problem{
		Code:     code,
		Severity: sev,
		Path:     path,
		Message:  fmt.Sprintf("%s: %s (Regel %s)", d.PUID, d.Reason, d.Rule),
	}, true
}

// Rule assigns an action to one or more PUIDs in a policy document.
type Rule struct {
	PUIDs  []string `json:"puids"`
	Action Action   `json:"action"`
	// Reason is German text for reports. Empty means a generic text for
	// the action.
	Reason string `json:"reason,omitempty"`
}

// Fallback is a layer's action for formats no layer lists.
type Fallback struct {
	Action Action `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// Layer is one level of overrides: the rules of the archive, of a
// submission profile or of an agency.
type Layer struct {
	// Unlisted applies to PUIDs that no layer lists; nil defers to the
	// next, less specific layer.
	Unlisted *Fallback `json:"unlisted,omitempty"`
	Rules    []Rule    `json:"rules,omitempty"`
}

// Document is the JSON form of a policy (see docs/format-policy.md).
type Document struct {
	// Base is "builtin" (the default when empty): the archive layer
	// below overrides the built-in table entry by entry. "empty": the
	// archive layer is the whole table and must have Unlisted.
	Base string `json:"base,omitempty"`
	Layer
	Profiles map[string]Layer `json:"profiles,omitempty"`
	Agencies map[string]Layer `json:"agencies,omitempty"`
}

// Base values of a Document.
const (
	BaseBuiltin = "builtin"
	BaseEmpty   = "empty"
)

type entry struct {
	action Action
	reason string
	layer  string // where the entry came from (builtin, archive, profile/..., agency/...)
}

type compiled struct {
	entries  map[string]entry
	unlisted *entry
}

// Policy decides what happens to files by PUID. It is immutable after
// construction and safe for concurrent use.
type Policy struct {
	archive  compiled
	profiles map[string]compiled
	agencies map[string]compiled
}

// Default returns the built-in policy: the default table documented in
// docs/format-policy.md, without profile or agency overrides.
func Default() *Policy {
	p, err := Compile(Document{Base: BaseBuiltin})
	if err != nil {
		panic("policy: built-in table invalid: " + err.Error())
	}
	return p
}

// Load reads a policy document from a JSON file.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	p, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return p, nil
}

// maxDocument bounds the size of a policy document.
const maxDocument = 4 << 20

// Read parses and validates a policy document. Unknown fields, trailing
// data and documents over 4 MiB are errors.
func Read(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("policy: read: %w", err)
	}
	if len(data) > maxDocument {
		return nil, errors.New("policy: document larger than 4 MiB")
	}
	return Parse(data)
}

// Parse parses and validates a policy document.
func Parse(data []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if dec.More() {
		return nil, errors.New("policy: trailing data after the document")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("policy: trailing data after the document")
	}
	return Compile(doc)
}

// Compile validates doc and builds the policy. All errors are reported
// together (errors.Join).
func Compile(doc Document) (*Policy, error) {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("policy: "+format, args...)) }

	p := &Policy{
		archive:  compiled{entries: make(map[string]entry)},
		profiles: make(map[string]compiled),
		agencies: make(map[string]compiled),
	}
	switch doc.Base {
	case "", BaseBuiltin:
		b, err := compileLayer(LayerBuiltin, builtinLayer())
		if err != nil {
			return nil, err // a bug, caught by the tests
		}
		p.archive = b
	case BaseEmpty:
		if doc.Unlisted == nil {
			fail(`base "empty" needs "unlisted", the action for formats no rule lists`)
		}
	default:
		fail(`base %q: want "builtin" or "empty"`, doc.Base)
	}
	a, err := compileLayer(LayerArchive, doc.Layer)
	if err != nil {
		errs = append(errs, err)
	}
	for puid, e := range a.entries {
		p.archive.entries[puid] = e
	}
	if a.unlisted != nil {
		p.archive.unlisted = a.unlisted
	}
	for _, set := range []struct {
		prefix string
		in     map[string]Layer
		out    map[string]compiled
	}{{LayerProfilePrefix, doc.Profiles, p.profiles}, {LayerAgencyPrefix, doc.Agencies, p.agencies}} {
		for name, l := range set.in {
			what := strings.TrimSuffix(set.prefix, "/")
			if name == "" || strings.TrimSpace(name) != name || strings.ContainsAny(name, ":\x00") {
				fail("%s name %q: must be non-empty, without surrounding space and without ':'", what, name)
				continue
			}
			c, err := compileLayer(set.prefix+name, l)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			set.out[name] = c
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

func compileLayer(name string, l Layer) (compiled, error) {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("policy: %s: "+format, append([]any{name}, args...)...))
	}
	c := compiled{entries: make(map[string]entry)}
	if l.Unlisted != nil {
		if !l.Unlisted.Action.Valid() {
			fail("unlisted: action %q: want preferred, accepted, flag or reject", l.Unlisted.Action)
		}
		c.unlisted = &entry{action: l.Unlisted.Action, reason: reasonOr(l.Unlisted.Reason, l.Unlisted.Action), layer: name}
	}
	for i, r := range l.Rules {
		if !r.Action.Valid() {
			fail("rule %d: action %q: want preferred, accepted, flag or reject", i+1, r.Action)
		}
		if len(r.PUIDs) == 0 {
			fail("rule %d: no puids", i+1)
		}
		for _, puid := range r.PUIDs {
			if !ValidPUID(puid) {
				fail("rule %d: %q is not a PUID (fmt/N, x-fmt/N or UNKNOWN)", i+1, puid)
				continue
			}
			if _, dup := c.entries[puid]; dup {
				fail("rule %d: %s is listed twice", i+1, puid)
				continue
			}
			c.entries[puid] = entry{action: r.Action, reason: reasonOr(r.Reason, r.Action), layer: name}
		}
	}
	return c, errors.Join(errs...)
}

func reasonOr(reason string, a Action) string {
	if r := strings.TrimSpace(reason); r != "" {
		return r
	}
	switch a {
	case Preferred:
		return "Archivformat: wird unverändert übernommen"
	case Accepted:
		return "Format wird übernommen"
	case Flag:
		return "Format wird übernommen, ist aber von einer Archivarin oder einem Archivar zu prüfen"
	default:
		return "Format wird nicht angenommen"
	}
}

// Decide returns the action for a file of format puid submitted under
// profile by agency (either may be empty). The most specific layer that
// lists the PUID decides: agency, then profile, then the archive table.
// When no layer lists it, the most specific layer with an unlisted
// default decides; the archive table always has one.
func (p *Policy) Decide(puid, profile, agency string) Decision {
	puid = strings.TrimSpace(puid)
	if puid == "" {
		puid = Unknown
	}
	layers := make([]*compiled, 0, 3)
	if c, ok := p.agencies[agency]; ok && agency != "" {
		layers = append(layers, &c)
	}
	if c, ok := p.profiles[profile]; ok && profile != "" {
		layers = append(layers, &c)
	}
	layers = append(layers, &p.archive)
	for _, l := range layers {
		if e, ok := l.entries[puid]; ok {
			return Decision{PUID: puid, Action: e.action, Rule: e.layer + ":" + puid, Reason: e.reason}
		}
	}
	for _, l := range layers {
		if e := l.unlisted; e != nil {
			return Decision{PUID: puid, Action: e.action, Rule: e.layer + ":" + Wildcard, Reason: e.reason}
		}
	}
	// Unreachable: Compile guarantees an archive default.
	return Decision{PUID: puid, Action: Flag, Rule: LayerBuiltin + ":" + Wildcard, Reason: reasonOr("", Flag)}
}

// Entry is one line of a policy table.
type Entry struct {
	// Layer is "builtin", "archive", "profile/<name>" or "agency/<id>".
	Layer string `json:"layer"`
	// PUID is the format, or Wildcard for the layer's unlisted default.
	PUID   string `json:"puid"`
	Action Action `json:"action"`
	Reason string `json:"reason"`
}

// Entries lists the policy: the effective archive table (built-in entries
// not overridden, then the archive's own), then each profile's and each
// agency's overrides; within each, the unlisted default first, then the
// PUIDs in PRONOM order (fmt before x-fmt, numerically).
func (p *Policy) Entries() []Entry {
	var out []Entry
	add := func(c compiled) {
		if c.unlisted != nil {
			out = append(out, Entry{c.unlisted.layer, Wildcard, c.unlisted.action, c.unlisted.reason})
		}
		puids := make([]string, 0, len(c.entries))
		for puid := range c.entries {
			puids = append(puids, puid)
		}
		slices.SortFunc(puids, ComparePUID)
		for _, puid := range puids {
			e := c.entries[puid]
			out = append(out, Entry{e.layer, puid, e.action, e.reason})
		}
	}
	add(p.archive)
	for _, m := range []map[string]compiled{p.profiles, p.agencies} {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			add(m[n])
		}
	}
	return out
}

// ComparePUID orders PUIDs: Unknown first, then fmt/N, then x-fmt/N,
// numerically; other strings last, lexically.
func ComparePUID(a, b string) int {
	ka, na, ra := puidKey(a)
	kb, nb, rb := puidKey(b)
	if ka != kb {
		return ka - kb
	}
	if na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(ra, rb)
}

func puidKey(s string) (kind int, n int, rest string) {
	switch {
	case s == Unknown:
		return 0, 0, ""
	case strings.HasPrefix(s, "fmt/") && puidSyntax.MatchString(s):
		fmt.Sscanf(s[4:], "%d", &n)
		return 1, n, ""
	case strings.HasPrefix(s, "x-fmt/") && puidSyntax.MatchString(s):
		fmt.Sscanf(s[6:], "%d", &n)
		return 2, n, ""
	}
	return 3, 0, s
}
