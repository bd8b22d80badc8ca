package aip

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Inventory type URIs by OCFL version.
const (
	ocflInventoryType10 = "https://ocfl.io/1.0/spec/#inventory"
	ocflInventoryType11 = "https://ocfl.io/1.1/spec/#inventory"
)

// ocflSpecByInventoryType maps an inventory type URI to its OCFL version.
var ocflSpecByInventoryType = map[string]string{
	ocflInventoryType10: "1.0",
	ocflInventoryType11: "1.1",
}

// ocflInventory is what the validator learned from one inventory file. inv is
// filled as far as the JSON allowed; the flags say which parts are usable for
// cross-checks.
type ocflInventory struct {
	where string // path of the file, for messages
	raw   []byte
	inv   Inventory
	spec  string         // OCFL version from type, "" if unusable
	alg   *ocflDigestAlg // digestAlgorithm, nil if unusable
	// created holds the created strings as written, by version name.
	created    map[string]string
	versions   []ocflVersionName // valid version names, sorted by number
	versionsOK bool              // versions was an object
	manifestOK bool              // manifest was an object
}

// Inventory keys allowed by OCFL 1.1 §3.5 (E102).
var (
	ocflInventoryKeys = map[string]bool{"id": true, "type": true, "digestAlgorithm": true, "head": true,
		"contentDirectory": true, "manifest": true, "versions": true, "fixity": true}
	ocflVersionKeys = map[string]bool{"created": true, "state": true, "message": true, "user": true}
	ocflUserKeys    = map[string]bool{"name": true, "address": true}
)

// ocflCreatedPattern is RFC 3339 date-time (§5.6): seconds and a time zone
// are required, fractional seconds are optional.
var ocflCreatedPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

// ocflURIScheme matches the scheme of an absolute URI (RFC 3986 §3.1).
var ocflURIScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

func ocflIsURI(s string) bool {
	if !ocflURIScheme.MatchString(s) {
		return false
	}
	_, err := url.Parse(s)
	return err == nil
}

// Validate checks the inventory against the OCFL rules that need no files:
// required keys, digest algorithm, version sequence and head, path syntax,
// state digests present in the manifest, every manifest digest used, and so
// on. It validates exactly the bytes Marshal writes.
func (inv *Inventory) Validate() *ValidationResult {
	r := &ValidationResult{}
	data, err := inv.Marshal()
	if err != nil {
		r.addError("E033", "inventory.json", "cannot encode inventory: %v", err)
		return r
	}
	ocflCheckInventory(data, "inventory.json", r)
	return r
}

// ocflCheckInventory checks one inventory file on its own and reports to r
// with path where. It returns nil only when raw is not a JSON object.
func ocflCheckInventory(raw []byte, where string, r *ValidationResult) *ocflInventory {
	v, err := ocflDecodeJSON(raw)
	if err != nil {
		r.addError("E033", where, "inventory is not valid JSON: %v", err)
		return nil
	}
	top, ok := v.(map[string]any)
	if !ok {
		r.addError("E033", where, "inventory is not a JSON object")
		return nil
	}
	p := &ocflInventory{where: where, raw: raw, created: map[string]string{}}
	for _, k := range ocflSortedKeys(top) {
		if !ocflInventoryKeys[k] {
			r.addError("E102", where, "inventory has key %q, which OCFL does not define", k)
		}
	}
	p.checkScalars(top, r)
	p.checkVersions(top, r)
	p.checkHead(top, r)
	p.checkManifest(top, r)
	p.checkFixity(top, r)
	p.checkStateDigests(r)
	return p
}

func (p *ocflInventory) checkScalars(top map[string]any, r *ValidationResult) {
	where := p.where
	if v, ok := top["id"]; !ok {
		r.addError("E036", where, "inventory has no id")
	} else if s, ok := v.(string); !ok || s == "" {
		r.addError("E036", where, "inventory id must be a non-empty string")
	} else {
		p.inv.ID = s
		if !ocflIsURI(s) {
			r.addWarning("W005", where, "inventory id %q is not a URI", s)
		}
	}

	if v, ok := top["type"]; !ok {
		r.addError("E036", where, "inventory has no type")
	} else if s, ok := v.(string); !ok || ocflSpecByInventoryType[s] == "" {
		r.addError("E038", where, "inventory type %s is not an OCFL inventory type URI", ocflQuote(v))
	} else {
		p.inv.Type = s
		p.spec = ocflSpecByInventoryType[s]
	}

	if v, ok := top["digestAlgorithm"]; !ok {
		r.addError("E036", where, "inventory has no digestAlgorithm")
	} else if s, ok := v.(string); !ok {
		r.addError("E025", where, "digestAlgorithm must be a string")
	} else {
		p.inv.DigestAlgorithm = s
		p.alg = ocflDigestAlgorithms[s]
		switch s {
		case "sha512":
		case "sha256":
			r.addWarning("W004", where, "digestAlgorithm is sha256; OCFL recommends sha512")
		default:
			r.addError("E025", where, "digestAlgorithm %q is not sha512 or sha256", s)
		}
	}

	if v, ok := top["contentDirectory"]; ok {
		s, isStr := v.(string)
		switch {
		case !isStr || s == "":
			r.addError("E108", where, "contentDirectory must be a non-empty string naming a directory")
		case strings.Contains(s, "/"):
			r.addError("E017", where, "contentDirectory %q contains a /", s)
		case s == "." || s == "..":
			r.addError("E018", where, "contentDirectory must not be %q", s)
		default:
			p.inv.ContentDirectory = s
		}
	}
}

func (p *ocflInventory) checkVersions(top map[string]any, r *ValidationResult) {
	where := p.where
	vm, ok := ocflObjectField(top, "versions", where, "E043", "E044", r)
	if !ok {
		return
	}
	p.versionsOK = true
	p.inv.Versions = map[string]*Version{}
	if len(vm) == 0 {
		r.addError("E008", where, "versions block is empty: an object needs at least one version")
	}
	for _, name := range ocflSortedKeys(vm) {
		vn, ok := ocflParseVersionName(name)
		if !ok {
			r.addError("E104", where, "versions key %q is not a version directory name (v1, v2, …)", name)
			continue
		}
		p.versions = append(p.versions, vn)
		block, ok := vm[name].(map[string]any)
		if !ok {
			r.addError("E047", where, "version %s must be a JSON object", name)
			continue
		}
		p.inv.Versions[name] = p.checkVersion(name, block, r)
	}
	slices.SortFunc(p.versions, func(a, b ocflVersionName) int { return a.num - b.num })
	ocflCheckVersionSequence(p.versions, where, "inventory versions", false, r)
}

func (p *ocflInventory) checkVersion(name string, block map[string]any, r *ValidationResult) *Version {
	where := p.where
	ver := &Version{}
	for _, k := range ocflSortedKeys(block) {
		if !ocflVersionKeys[k] {
			r.addError("E102", where, "version %s has key %q, which OCFL does not define", name, k)
		}
	}
	if c, ok := block["created"]; !ok {
		r.addError("E048", where, "version %s has no created", name)
	} else if s, ok := c.(string); !ok {
		r.addError("E049", where, "version %s: created must be an RFC 3339 date-time string", name)
	} else if t, ok := ocflParseCreated(s); !ok {
		r.addError("E049", where, "version %s: created %q is not an RFC 3339 date-time with seconds and time zone", name, s)
	} else {
		ver.Created = t
		p.created[name] = s
	}

	if s, ok := block["state"]; !ok {
		r.addError("E048", where, "version %s has no state", name)
	} else if sm, ok := s.(map[string]any); !ok {
		r.addError("E050", where, "version %s: state must be a JSON object of digests", name)
	} else {
		ver.State = map[string][]string{}
		var all []string
		for _, d := range ocflSortedKeys(sm) {
			paths, ok := ocflStrings(sm[d])
			if !ok {
				r.addError("E050", where, "version %s: state of digest %s must be an array of logical paths", name, ocflShort(d))
				continue
			}
			for _, lp := range paths {
				ocflCheckLogicalPath(lp, name, where, r)
			}
			ver.State[d] = paths
			all = append(all, paths...)
		}
		for _, c := range ocflPathConflicts(all) {
			r.addError("E095", where, "version %s: %s", name, c)
		}
	}

	_, hasMsg := block["message"]
	if hasMsg {
		if s, ok := block["message"].(string); ok {
			ver.Message = s
		} else {
			r.addError("E094", where, "version %s: message must be a string", name)
		}
	}
	u, hasUser := block["user"]
	if hasUser {
		ver.User = p.checkUser(name, u, r)
	}
	if !hasMsg || !hasUser {
		r.addWarning("W007", where, "version %s should have both message and user", name)
	}
	return ver
}

func (p *ocflInventory) checkUser(name string, u any, r *ValidationResult) *User {
	where := p.where
	um, ok := u.(map[string]any)
	if !ok {
		r.addError("E054", where, "version %s: user must be a JSON object with a name", name)
		return nil
	}
	for _, k := range ocflSortedKeys(um) {
		if !ocflUserKeys[k] {
			r.addError("E102", where, "version %s: user has key %q, which OCFL does not define", name, k)
		}
	}
	user := &User{}
	if n, ok := um["name"].(string); ok && n != "" {
		user.Name = n
	} else {
		r.addError("E054", where, "version %s: user must have a non-empty string name", name)
	}
	switch a, ok := um["address"]; {
	case !ok:
		r.addWarning("W008", where, "version %s: user should have an address", name)
	default:
		s, isStr := a.(string)
		if !isStr {
			r.addError("E054", where, "version %s: user address must be a string", name)
			break
		}
		user.Address = s
		if !ocflIsURI(s) {
			r.addWarning("W009", where, "version %s: user address %q is not a URI (mailto: or a personal identifier URL)", name, s)
		}
	}
	return user
}

func (p *ocflInventory) checkHead(top map[string]any, r *ValidationResult) {
	where := p.where
	v, ok := top["head"]
	if !ok {
		r.addError("E036", where, "inventory has no head")
		return
	}
	s, ok := v.(string)
	if !ok {
		r.addError("E040", where, "head must be a version directory name string")
		return
	}
	p.inv.Head = s
	if _, ok := ocflParseVersionName(s); !ok {
		r.addError("E040", where, "head %q is not a version directory name", s)
		return
	}
	if !p.versionsOK || len(p.versions) == 0 {
		return
	}
	if last := p.versions[len(p.versions)-1].name; s != last {
		r.addError("E040", where, "head %q is not the most recent version %q", s, last)
	}
}

func (p *ocflInventory) checkManifest(top map[string]any, r *ValidationResult) {
	mm, ok := ocflObjectField(top, "manifest", p.where, "E041", "E106", r)
	if !ok {
		return
	}
	p.manifestOK = true
	// Without a usable digestAlgorithm (E025/E036) the digest form is not checked.
	p.inv.Manifest = p.checkDigestBlock(mm, "manifest", p.alg, "E096", "E039", "E092", r)
	var all []string
	for _, d := range ocflSortedKeys(p.inv.Manifest) {
		all = append(all, p.inv.Manifest[d]...)
	}
	for _, c := range ocflPathConflicts(all) {
		r.addError("E101", p.where, "manifest: %s", c)
	}
}

func (p *ocflInventory) checkFixity(top map[string]any, r *ValidationResult) {
	if _, ok := top["fixity"]; !ok {
		return
	}
	fm, ok := ocflObjectField(top, "fixity", p.where, "", "E111", r)
	if !ok {
		return
	}
	p.inv.Fixity = map[string]map[string][]string{}
	for _, name := range ocflSortedKeys(fm) {
		alg := ocflDigestAlgorithms[name]
		if alg == nil {
			r.addError("E056", p.where, "fixity algorithm %q is neither in OCFL's vocabulary nor in a digest algorithm extension", name)
			continue
		}
		block, ok := fm[name].(map[string]any)
		if !ok {
			r.addError("E057", p.where, "fixity %s must be a JSON object of digests", name)
			continue
		}
		p.inv.Fixity[name] = p.checkDigestBlock(block, "fixity "+name, alg, "E097", alg.formatCode, "E057", r)
	}
}

// checkDigestBlock checks a manifest or fixity block and returns its usable
// entries: each digest occurs once regardless of case (dupCode), has the form
// of alg's digests (formatCode; alg may be nil) and maps to a non-empty array
// of valid content paths (pathsCode).
func (p *ocflInventory) checkDigestBlock(block map[string]any, what string, alg *ocflDigestAlg, dupCode, formatCode, pathsCode string, r *ValidationResult) map[string][]string {
	out := map[string][]string{}
	seen := map[string]string{}
	for _, d := range ocflSortedKeys(block) {
		if prev, dup := seen[strings.ToLower(d)]; dup {
			r.addError(dupCode, p.where, "%s: digest %s occurs twice (as %s), ignoring case", what, ocflShort(d), ocflShort(prev))
		}
		seen[strings.ToLower(d)] = d
		if alg != nil && !alg.wellFormed(d) {
			r.addError(formatCode, p.where, "%s: key %s is not a %s digest", what, ocflShort(d), alg.name)
		}
		paths, ok := ocflStrings(block[d])
		if !ok || len(paths) == 0 {
			r.addError(pathsCode, p.where, "%s: entry %s must be a non-empty array of content paths", what, ocflShort(d))
			continue
		}
		for _, cp := range paths {
			p.checkContentPath(cp, what, r)
		}
		out[d] = paths
	}
	return out
}

// ocflObjectField returns top[key] as a JSON object, reporting missingCode
// when it is absent and typeCode when it is not an object.
func ocflObjectField(top map[string]any, key, where, missingCode, typeCode string, r *ValidationResult) (map[string]any, bool) {
	v, ok := top[key]
	if !ok {
		r.addError(missingCode, where, "inventory has no %s", key)
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.addError(typeCode, where, "%s must be a JSON object", key)
	}
	return m, ok
}

// checkStateDigests cross-checks state and manifest: every state digest is a
// manifest key exactly (E050), every manifest key is used by a state (E107).
func (p *ocflInventory) checkStateDigests(r *ValidationResult) {
	if !p.manifestOK || !p.versionsOK {
		return
	}
	used := map[string]bool{}
	for _, vn := range p.versions {
		ver := p.inv.Versions[vn.name]
		if ver == nil {
			continue
		}
		for _, d := range ocflSortedKeys(ver.State) {
			used[d] = true
			if _, ok := p.inv.Manifest[d]; !ok {
				r.addError("E050", p.where, "version %s: state digest %s is not a key of the manifest", vn.name, ocflShort(d))
			}
		}
	}
	for _, d := range ocflSortedKeys(p.inv.Manifest) {
		if !used[d] {
			r.addError("E107", p.where, "manifest digest %s is not used by any version state", ocflShort(d))
		}
	}
}

// checkContentPath checks the syntax of a content path (E098–E100) and that
// it lies inside the content directory of one of the inventory's versions
// (E042, E014).
func (p *ocflInventory) checkContentPath(cp, block string, r *ValidationResult) {
	where := p.where
	if cp == "" {
		r.addError("E098", where, "%s: empty content path", block)
		return
	}
	bad := false
	if strings.HasPrefix(cp, "/") || strings.HasSuffix(cp, "/") {
		r.addError("E100", where, "%s: content path %q begins or ends with /", block, cp)
		bad = true
	}
	for _, el := range strings.Split(strings.Trim(cp, "/"), "/") {
		if el == "" || el == "." || el == ".." {
			r.addError("E099", where, "%s: content path %q has an empty, . or .. element", block, cp)
			bad = true
			break
		}
	}
	if bad {
		return
	}
	parts := strings.SplitN(cp, "/", 3)
	if len(parts) < 3 {
		r.addError("E042", where, "%s: content path %q is not inside a version's content directory", block, cp)
		return
	}
	if p.versionsOK {
		if _, ok := p.inv.Versions[parts[0]]; !ok {
			vn, isVersion := ocflParseVersionName(parts[0])
			if isVersion && slices.ContainsFunc(p.versions, func(v ocflVersionName) bool { return v.num == vn.num }) {
				r.addError("E014", where, "%s: content path %q does not use the version directory's actual name", block, cp)
			} else {
				r.addError("E042", where, "%s: content path %q is not inside a version directory of this inventory", block, cp)
			}
			return
		}
	}
	if parts[1] != p.inv.ContentDir() {
		r.addError("E042", where, "%s: content path %q is not inside the content directory %q", block, cp, p.inv.ContentDir())
	}
}

// ocflCheckLogicalPath checks the syntax of a logical path (E051–E053).
func ocflCheckLogicalPath(lp, version, where string, r *ValidationResult) {
	if lp == "" {
		r.addError("E051", where, "version %s: empty logical path", version)
		return
	}
	if strings.HasPrefix(lp, "/") || strings.HasSuffix(lp, "/") {
		r.addError("E053", where, "version %s: logical path %q begins or ends with /", version, lp)
	}
	for _, el := range strings.Split(strings.Trim(lp, "/"), "/") {
		if el == "" || el == "." || el == ".." {
			r.addError("E052", where, "version %s: logical path %q has an empty, . or .. element", version, lp)
			return
		}
	}
}

// ocflPathConflicts describes duplicate paths and paths that are also used as
// a directory of another path (E095 for logical, E101 for content paths).
func ocflPathConflicts(paths []string) []string {
	set := make(map[string]bool, len(paths))
	var out []string
	for _, p := range paths {
		if set[p] {
			out = append(out, fmt.Sprintf("path %q occurs more than once", p))
		}
		set[p] = true
	}
	for _, p := range slices.Sorted(maps.Keys(set)) {
		for d := path.Dir(p); d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if set[d] {
				out = append(out, fmt.Sprintf("path %q is a file and also a directory of %q", d, p))
				break
			}
		}
	}
	return out
}

// ocflVersionName is a parsed version directory name.
type ocflVersionName struct {
	name  string
	num   int
	width int // digits of a zero-padded name; 0 when not padded
}

// ocflParseVersionName parses "v1", "v2", … or zero-padded "v001", ….
func ocflParseVersionName(s string) (ocflVersionName, bool) {
	if len(s) < 2 || len(s) > 20 || s[0] != 'v' {
		return ocflVersionName{}, false
	}
	for _, c := range []byte(s[1:]) {
		if c < '0' || c > '9' {
			return ocflVersionName{}, false
		}
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 1 {
		return ocflVersionName{}, false
	}
	vn := ocflVersionName{name: s, num: n}
	if s[1] == '0' {
		vn.width = len(s) - 1
	}
	return vn, true
}

// ocflCheckVersionSequence checks version names sorted by number: a sequence
// 1…n without gaps (E009, E010) in one naming convention (E011–E013). W001 is
// reported when warnPadding is set and the names are zero-padded.
func ocflCheckVersionSequence(vs []ocflVersionName, where, what string, warnPadding bool, r *ValidationResult) {
	if len(vs) == 0 {
		return
	}
	if vs[0].num != 1 {
		r.addError("E009", where, "%s start at %s, not at version 1", what, vs[0].name)
	}
	first := vs[0]
	if first.width > 0 && warnPadding {
		r.addWarning("W001", where, "%s use zero-padded names (%s); OCFL recommends v1, v2, …", what, first.name)
	}
	for i, v := range vs {
		if i > 0 {
			prev := vs[i-1]
			switch {
			case v.num == prev.num:
				r.addError("E012", where, "%s %s and %s have the same number", what, prev.name, v.name)
			case v.num != prev.num+1:
				r.addError("E010", where, "%s skip from %s to %s", what, prev.name, v.name)
			}
		}
		switch {
		case first.width > 0 && v.width == 0:
			r.addError("E011", where, "%s: %s does not start with v0 although the names are zero-padded", what, v.name)
			r.addError("E013", where, "%s: %s does not follow the naming convention of %s", what, v.name, first.name)
		case first.width != v.width:
			r.addError("E012", where, "%s: %s and %s use different naming conventions", what, first.name, v.name)
		}
	}
}

// ocflParseCreated parses an inventory's created value strictly as RFC 3339.
func ocflParseCreated(s string) (time.Time, bool) {
	if !ocflCreatedPattern.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	return t, err == nil
}

// ocflStrings converts a decoded JSON array of strings.
func ocflStrings(v any) ([]string, bool) {
	a, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(a))
	for _, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// ocflQuote renders a decoded JSON value for a message.
func ocflQuote(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return fmt.Sprintf("of JSON type %T", v)
	}
	return string(b)
}

// ocflShort shortens a digest for messages.
func ocflShort(d string) string {
	if len(d) > 16 {
		return d[:16] + "…"
	}
	return d
}

func ocflSortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
