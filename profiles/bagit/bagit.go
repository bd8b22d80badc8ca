package bagit

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// Name is the profile's name as used by --profile.
const Name = "bagit"

// Problem codes reported by the BagIt profile (see docs/problem-codes.md).
// All are errors unless marked as warnings.
const (
	CodeNoDeclaration  = "BAGIT_NO_DECLARATION"  // bagit.txt missing
	CodeDeclaration    = "BAGIT_DECLARATION"     // bagit.txt malformed or unsupported version
	CodeEncoding       = "BAGIT_ENCODING"        // tag file encoding not supported, or a tag file invalid in it
	CodeNoPayload      = "BAGIT_NO_PAYLOAD"      // data/ directory missing
	CodeNoManifest     = "BAGIT_NO_MANIFEST"     // no payload manifest of a supported algorithm
	CodeAlgorithm      = "BAGIT_ALGORITHM"       // warning: manifest of an unsupported algorithm, not verified
	CodeManifestSyntax = "BAGIT_MANIFEST_SYNTAX" // malformed manifest line
	CodeDuplicate      = "BAGIT_DUPLICATE"       // path listed twice in one manifest (warning before BagIt 1.0 if the digests agree)
	CodeBadPath        = "BAGIT_BAD_PATH"        // manifest path unsafe or in the wrong part of the bag
	CodeDotPath        = "BAGIT_DOT_PATH"        // warning: manifest path written with a leading "./"
	CodeBinaryMarker   = "BAGIT_BINARY_MARKER"   // warning: md5sum-style "*" before a manifest path
	CodeUnlisted       = "BAGIT_UNLISTED"        // payload file missing from a payload manifest
	CodeMissing        = "BAGIT_MISSING"         // payload manifest entry without a file
	CodeBagInfo        = "BAGIT_BAGINFO_SYNTAX"  // malformed bag-info.txt line
	CodeOxum           = "BAGIT_OXUM"            // Payload-Oxum malformed or not matching the payload
	CodeFetch          = "BAGIT_FETCH"           // fetch.txt lists a file not in the bag; magazin does not fetch (warning: nothing to fetch)
	CodeLink           = "BAGIT_LINK"            // symbolic link in the bag
	CodeSpecial        = "BAGIT_SPECIAL"         // device, FIFO, socket or other non-regular file
	CodeTagMissing     = "BAGIT_TAG_MISSING"     // tag manifest entry without a file
	CodeTagDigest      = "BAGIT_TAG_DIGEST"      // tag file does not match its tag manifest digest
	CodeTooLarge       = "BAGIT_TOO_LARGE"       // tag file too large to be parsed
	CodeFetchSyntax    = "BAGIT_FETCH_SYNTAX"    // fetch.txt line not "URL LENGTH FILEPATH"
	CodeCase           = "BAGIT_CASE"            // warning: names that differ only in letter case
	CodeNormalization  = "BAGIT_NORMALIZATION"   // warning: names that differ only in Unicode normalisation
	CodeSystemFile     = "BAGIT_SYSTEM_FILE"     // warning: operating system metadata file in the payload
)

// algorithms are the supported digest algorithms, in order of preference.
var algorithms = preservation.DigestAlgorithms()

// Algorithms returns the digest algorithms whose payload manifests the
// profile reads into File.Declared and whose tag manifests it verifies, in
// order of preference. Manifests of other algorithms are reported as
// BAGIT_ALGORITHM.
func Algorithms() []string { return slices.Clone(algorithms) }

// maxTagFile bounds the tag files the profile parses (declaration,
// bag-info, manifests, fetch.txt) so that a hostile bag cannot exhaust
// memory. A manifest line takes about 200 bytes: this allows some millions
// of payload files.
const maxTagFile = 1 << 30

// Profile is the BagIt profile. The zero value is ready to use.
type Profile struct{}

var _ profiles.Profile = Profile{}

// New returns the BagIt profile.
func New() Profile { return Profile{} }

// Name returns "bagit".
func (Profile) Name() string { return Name }

// Detect reports whether root holds a bag declaration (bagit.txt).
func (Profile) Detect(root string) bool {
	fi, err := os.Lstat(filepath.Join(root, "bagit.txt"))
	return err == nil && fi.Mode().IsRegular()
}

// Read reads the bag at root. See the package documentation for what it
// checks. Problems go into the Transfer; the error is reserved for I/O
// failures, a root that is not a directory, and cancellation.
func (Profile) Read(ctx context.Context, root string) (*profiles.Transfer, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("bagit: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("bagit: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("bagit: %s is not a directory", root)
	}
	r := &reader{
		ctx:       ctx,
		root:      root,
		payload:   map[string]*profiles.File{},
		tags:      map[string]*profiles.File{},
		links:     map[string]bool{},
		manifests: map[string][]ManifestEntry{},
		enc:       EncodingUTF8,
		encOK:     true,
		t: &profiles.Transfer{
			Profile:     Name,
			Description: map[string]any{},
		},
	}
	if err := r.read(); err != nil {
		return nil, fmt.Errorf("bagit: reading %s: %w", root, err)
	}
	return r.t, nil
}

// reader holds the state of one Read.
type reader struct {
	ctx  context.Context
	root string
	t    *profiles.Transfer

	decl    Declaration
	declOK  bool
	enc     Encoding                  // tag file encoding; UTF-8 unless bagit.txt declares another
	encOK   bool                      // enc is supported
	hasData bool                      // data/ is a directory
	payload map[string]*profiles.File // by path relative to the root ("data/...")
	tags    map[string]*profiles.File // tag files by path relative to the root
	links   map[string]bool           // links and special files, relative to the root
	// manifests are the parsed payload manifests by algorithm, in file order.
	manifests map[string][]ManifestEntry
	bagInfo   []Tag
	// names finds payload files by a manifest or fetch.txt path that
	// differs from the name on disk only in Unicode normalisation or case.
	names *nameIndex
	// fetch are the entries of fetch.txt with a usable path, by path.
	fetch map[string]FetchEntry
	// fetchMissing counts the fetch.txt entries not in the bag.
	fetchMissing int
}

func (r *reader) problem(code, severity, path, format string, args ...any) {
	r.t.Problems = append(r.t.Problems, preservation.Problem{
		Code: code, Severity: severity, Path: path, Message: fmt.Sprintf(format, args...),
	})
}

func (r *reader) error(code, path, format string, args ...any) {
	r.problem(code, preservation.SeverityError, path, format, args...)
}

func (r *reader) warn(code, path, format string, args ...any) {
	r.problem(code, preservation.SeverityWarning, path, format, args...)
}

func (r *reader) read() error {
	if err := r.scan(); err != nil {
		return err
	}
	if err := r.readDeclaration(); err != nil {
		return err
	}
	r.names = newNameIndex(r.payload)
	r.checkCollisions()
	r.checkSystemFiles()
	// Tag files in an encoding magazin cannot decode cannot be
	// interpreted: report that once (readDeclaration did) instead of a
	// cascade.
	if r.encOK {
		if err := r.readBagInfo(); err != nil {
			return err
		}
		if err := r.readManifests(); err != nil {
			return err
		}
		if err := r.readFetch(); err != nil {
			return err
		}
		r.checkCompleteness()
		r.checkFetch()
		r.checkOxum()
		if err := r.verifyTagManifests(); err != nil {
			return err
		}
	}
	r.finish()
	return nil
}

// scan lists the bag: payload files below data/, tag files everywhere else.
func (r *reader) scan() error {
	entries, err := os.ReadDir(r.root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			r.link(name)
		case name == "data" && e.IsDir():
			r.hasData = true
			if err := r.walk(name, r.payload); err != nil {
				return err
			}
		case e.IsDir():
			if err := r.walk(name, r.tags); err != nil {
				return err
			}
		case e.Type().IsRegular():
			if err := r.addFile(name, r.tags); err != nil {
				return err
			}
		default:
			r.special(name, e.Type())
		}
	}
	if !r.hasData {
		r.error(CodeNoPayload, "data", "the bag has no payload directory data/")
	}
	return nil
}

// walk adds the regular files below the directory dir (relative to the
// root) to files, and reports links and special files.
func (r *reader) walk(dir string, files map[string]*profiles.File) error {
	return filepath.WalkDir(filepath.Join(r.root, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := r.ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(r.root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch typ := d.Type(); {
		case typ.IsDir():
			return nil
		case typ&fs.ModeSymlink != 0:
			r.link(rel)
		case typ.IsRegular():
			return r.addFile(rel, files)
		default:
			r.special(rel, typ)
		}
		return nil
	})
}

func (r *reader) addFile(rel string, files map[string]*profiles.File) error {
	p := filepath.Join(r.root, filepath.FromSlash(rel))
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	files[rel] = &profiles.File{Name: rel, Path: p, Size: fi.Size()}
	return nil
}

func (r *reader) link(rel string) {
	r.links[rel] = true
	target, _ := os.Readlink(filepath.Join(r.root, filepath.FromSlash(rel)))
	r.error(CodeLink, rel, "symbolic link (to %q) is not followed", target)
}

func (r *reader) special(rel string, typ fs.FileMode) {
	r.links[rel] = true
	r.error(CodeSpecial, rel, "not a regular file (%s)", typ.Type())
}

// readTagFile reads a tag file found by scan. It returns nil data if the
// file is too large (and reports that).
func (r *reader) readTagFile(rel string) ([]byte, error) {
	f, ok := r.tags[rel]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if f.Size > maxTagFile {
		r.error(CodeTooLarge, rel, "tag file of %d bytes is larger than the %d bytes magazin parses", f.Size, maxTagFile)
		return nil, nil
	}
	h, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return io.ReadAll(io.LimitReader(h, maxTagFile))
}

func (r *reader) readDeclaration() error {
	const name = "bagit.txt"
	if _, ok := r.tags[name]; !ok {
		if !r.links[name] {
			r.error(CodeNoDeclaration, name, "the bag declaration bagit.txt is missing")
		}
		return nil
	}
	data, err := r.readTagFile(name)
	if err != nil || data == nil {
		return err
	}
	d, err := ParseDeclaration(data)
	if err != nil {
		r.error(CodeDeclaration, name, "%v", err)
		return nil
	}
	switch {
	case d.Major > 1:
		r.error(CodeDeclaration, name, "BagIt-Version %s is not supported (at most 1.x)", d.Version)
		return nil
	case !utf8.Valid(data):
		// RFC 8493 §2.1.1: the declaration itself is always UTF-8.
		r.error(CodeEncoding, name, "bagit.txt is not valid UTF-8")
	}
	r.decl, r.declOK = d, true
	r.t.Description["BagIt-Version"] = d.Version
	enc, ok := LookupEncoding(d.Encoding)
	if !ok {
		r.encOK = false
		r.error(CodeEncoding, name, "Tag-File-Character-Encoding %q is not supported (supported: %s); the tag files cannot be read",
			clip(d.Encoding), strings.Join(SupportedEncodings(), ", "))
		return nil
	}
	r.enc = enc
	if enc != EncodingUTF8 {
		r.t.Description["Tag-File-Character-Encoding"] = d.Encoding
	}
	return nil
}

// readText reads a tag file other than bagit.txt and decodes it from the
// declared tag file encoding to UTF-8. Content that is not valid in the
// encoding is reported (BAGIT_ENCODING) and decoded as well as possible.
// It returns nil data if the file is too large (and reports that).
func (r *reader) readText(name string) ([]byte, error) {
	data, err := r.readTagFile(name)
	if err != nil || data == nil {
		return data, err
	}
	out, derr := Decode(r.enc, data)
	if derr != nil {
		r.error(CodeEncoding, name, "%s is not valid %s (Tag-File-Character-Encoding): %v", name, r.enc, derr)
	}
	return out, nil
}

// reservedLabels are the bag-info.txt labels of RFC 8493 §2.2.2 (and
// Bag-Software-Agent, which bagit-python writes), by lower-case label.
var reservedLabels = map[string]string{}

func init() {
	for _, l := range []string{
		"Source-Organization", "Organization-Address", "Contact-Name", "Contact-Phone",
		"Contact-Email", "External-Description", "Bagging-Date", "External-Identifier",
		"Bag-Size", "Payload-Oxum", "Bag-Group-Identifier", "Bag-Count",
		"Internal-Sender-Identifier", "Internal-Sender-Description", "Bag-Software-Agent",
	} {
		reservedLabels[strings.ToLower(l)] = l
	}
}

func (r *reader) readBagInfo() error {
	name := "bag-info.txt"
	if _, ok := r.tags[name]; !ok {
		// Before BagIt 0.96 the file was called package-info.txt.
		if _, ok := r.tags["package-info.txt"]; !ok || r.declOK && r.decl.AtLeast(0, 96) {
			return nil
		}
		name = "package-info.txt"
	}
	data, err := r.readText(name)
	if err != nil || data == nil {
		return err
	}
	tags, errs := ParseBagInfo(data)
	for _, e := range errs {
		r.error(CodeBagInfo, name, "%v", e)
	}
	r.bagInfo = tags
	// Labels are case-insensitive (RFC 8493 §2.2.2): group them under the
	// reserved spelling or the first one seen; repeated labels give a
	// []string.
	keys := map[string]string{}
	for _, t := range tags {
		lower := strings.ToLower(t.Label)
		key, ok := keys[lower]
		if !ok {
			key = t.Label
			if k, ok := reservedLabels[lower]; ok {
				key = k
			}
			keys[lower] = key
		}
		switch v := r.t.Description[key].(type) {
		case nil:
			r.t.Description[key] = t.Value
		case string:
			r.t.Description[key] = []string{v, t.Value}
		case []string:
			r.t.Description[key] = append(v, t.Value)
		}
	}
	return nil
}

// manifestAlgorithm returns the algorithm of a manifest file name with the
// given prefix ("manifest-" or "tagmanifest-"), or "".
func manifestAlgorithm(name, prefix string) string {
	if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".txt") || strings.Contains(name, "/") {
		return ""
	}
	return name[len(prefix) : len(name)-len(".txt")]
}

func supported(alg string) bool { return slices.Contains(algorithms, alg) }

func newHash(alg string) hash.Hash { return preservation.NewHash(alg) }

// sortedKeys returns the keys of m in lexical order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// parseManifestFile reads and parses one (tag) manifest and checks its
// paths. It returns the entries with cleaned paths, first occurrence of
// each path only.
func (r *reader) parseManifestFile(name, alg string, tag bool) ([]ManifestEntry, error) {
	data, err := r.readText(name)
	if err != nil || data == nil {
		return nil, err
	}
	entries, errs := ParseManifest(data, alg)
	for _, e := range errs {
		r.error(CodeManifestSyntax, name, "%v", e)
	}
	var out []ManifestEntry
	seen := map[string]string{}
	dotSlash, marker := 0, 0
	for _, e := range entries {
		clean, dot, err := cleanPath(e.Path)
		if err != nil {
			r.error(CodeBadPath, name, "line %d: %q: %v", e.Line, clip(e.Path), err)
			continue
		}
		if dot {
			dotSlash++
		}
		if e.BinaryMarker {
			marker++
		}
		inData := strings.HasPrefix(clean, "data/")
		switch {
		case !tag && !inData:
			r.error(CodeBadPath, name, "line %d: %q lies outside the payload directory data/", e.Line, clip(e.Path))
			continue
		case tag && inData:
			r.error(CodeBadPath, name, "line %d: %q is a payload file; tag manifests list tag files only", e.Line, clip(e.Path))
			continue
		}
		e.Path = clean
		if prev, ok := seen[clean]; ok {
			switch {
			case prev != e.Digest:
				r.error(CodeDuplicate, name, "line %d: %q is listed again with a different checksum", e.Line, clip(clean))
			case !r.declOK || r.decl.AtLeast(1, 0):
				r.error(CodeDuplicate, name, "line %d: %q is listed twice (not allowed since BagIt 1.0)", e.Line, clip(clean))
			default:
				r.warn(CodeDuplicate, name, "line %d: %q is listed twice", e.Line, clip(clean))
			}
			continue
		}
		seen[clean] = e.Digest
		out = append(out, e)
	}
	if dotSlash > 0 {
		r.warn(CodeDotPath, name, "%d path(s) start with \"./\"; BagIt paths are written relative to the bag without it", dotSlash)
	}
	if marker > 0 {
		r.warn(CodeBinaryMarker, name, "%d line(s) use the md5sum binary marker \"*\" before the path", marker)
	}
	return out, nil
}

func (r *reader) readManifests() error {
	var unsupported []string
	for _, name := range sortedKeys(r.tags) {
		alg := manifestAlgorithm(name, "manifest-")
		if alg == "" {
			continue
		}
		if !supported(alg) {
			unsupported = append(unsupported, name)
			r.warn(CodeAlgorithm, name, "algorithm %q is not supported (supported: %s); its checksums are not verified",
				alg, strings.Join(algorithms, ", "))
		}
		entries, err := r.parseManifestFile(name, alg, false)
		if err != nil {
			return err
		}
		r.manifests[alg] = entries
	}
	if len(r.manifests) == len(unsupported) {
		if len(unsupported) == 0 {
			r.error(CodeNoManifest, "", "the bag has no payload manifest manifest-<algorithm>.txt")
		} else {
			r.error(CodeNoManifest, "", "the bag has no payload manifest of a supported algorithm (%s), only %s",
				strings.Join(algorithms, ", "), strings.Join(unsupported, ", "))
		}
	}
	return nil
}

// checkCompleteness checks that every payload file is in every payload
// manifest and every manifest entry has its file, and fills
// File.Declared. A manifest path that matches no file exactly is matched
// to the one file whose name differs only in Unicode normalisation or
// letter case, with a warning; two entries of one manifest that name the
// same file that way are a warning if their checksums agree.
func (r *reader) checkCompleteness() {
	algs := sortedKeys(r.manifests)
	listed := map[string][]string{}  // name on disk -> algorithms listing it
	missing := map[string][]string{} // path -> manifests listing it without a file
	for _, alg := range algs {
		manifest := "manifest-" + alg + ".txt"
		seen := map[string]ManifestEntry{} // name on disk -> entry naming it
		for _, e := range r.manifests[alg] {
			name, kind, ok := r.names.resolve(e.Path)
			if !ok {
				if !r.links[e.Path] {
					missing[e.Path] = append(missing[e.Path], manifest)
				}
				continue
			}
			if prev, dup := seen[name]; dup {
				code, what := variant(prev.Path, e.Path)
				if prev.Digest != e.Digest {
					r.error(CodeDuplicate, manifest, "line %d: %q names the same file as %q (line %d), differing only in %s, "+
						"with another checksum", e.Line, clip(e.Path), clip(prev.Path), prev.Line, what)
				} else {
					r.warn(code, manifest, "line %d: %q names the same file as %q (line %d): the names differ only in %s",
						e.Line, clip(e.Path), clip(prev.Path), prev.Line, what)
				}
				continue
			}
			seen[name] = e
			if kind != "" {
				_, what := variant(e.Path, name)
				r.warn(kind, name, "%s lists %q, the file in the bag is %q: the names differ only in %s",
					manifest, clip(e.Path), clip(name), what)
			}
			listed[name] = append(listed[name], alg)
			if supported(alg) {
				f := r.payload[name]
				if f.Declared == nil {
					f.Declared = map[string]string{}
				}
				f.Declared[alg] = e.Digest
			}
		}
	}
	for _, p := range sortedKeys(missing) {
		if !r.hasData {
			break // reported as BAGIT_NO_PAYLOAD
		}
		if _, fetch := r.fetch[p]; fetch {
			continue // reported by checkFetch
		}
		r.error(CodeMissing, p, "listed in %s but not in the bag", strings.Join(missing[p], ", "))
	}
	if len(algs) == 0 {
		return
	}
	for _, p := range sortedKeys(r.payload) {
		if len(listed[p]) == len(algs) {
			continue
		}
		var not []string
		for _, alg := range algs {
			if !slices.Contains(listed[p], alg) {
				not = append(not, "manifest-"+alg+".txt")
			}
		}
		r.error(CodeUnlisted, p, "payload file is not listed in %s", strings.Join(not, ", "))
	}
}

// checkOxum compares every Payload-Oxum with the payload found.
func (r *reader) checkOxum() {
	var octets, count int64
	for _, f := range r.payload {
		octets += f.Size
		count++
	}
	for _, t := range r.bagInfo {
		if !strings.EqualFold(t.Label, "Payload-Oxum") {
			continue
		}
		o, c, ok := strings.Cut(t.Value, ".")
		no, err1 := strconv.ParseInt(o, 10, 64)
		nc, err2 := strconv.ParseInt(c, 10, 64)
		if !ok || err1 != nil || err2 != nil || no < 0 || nc < 0 || strings.TrimLeft(o+c, "0123456789") != "" {
			r.error(CodeOxum, "bag-info.txt", "line %d: Payload-Oxum %q is not <octets>.<file count>", t.Line, clip(t.Value))
			continue
		}
		if r.fetchMissing > 0 {
			continue // describes the bag with the files still to fetch
		}
		if no != octets || nc != count {
			r.error(CodeOxum, "bag-info.txt", "Payload-Oxum is %s, but the payload has %d octets in %d files", t.Value, octets, count)
		}
	}
}

// verifyTagManifests checks every tag manifest entry against its file.
// Tag files are small, so they are hashed here rather than in the
// pipeline's pass over the payload.
func (r *reader) verifyTagManifests() error {
	for _, name := range sortedKeys(r.tags) {
		alg := manifestAlgorithm(name, "tagmanifest-")
		if alg == "" {
			continue
		}
		if !supported(alg) {
			r.warn(CodeAlgorithm, name, "algorithm %q is not supported (supported: %s); tag files are not verified against it",
				alg, strings.Join(algorithms, ", "))
		}
		entries, err := r.parseManifestFile(name, alg, true)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := r.ctx.Err(); err != nil {
				return err
			}
			f, ok := r.tags[e.Path]
			if !ok {
				if !r.links[e.Path] {
					r.error(CodeTagMissing, e.Path, "listed in %s but not in the bag", name)
				}
				continue
			}
			if !supported(alg) {
				continue
			}
			if f.Declared == nil {
				f.Declared = map[string]string{}
			}
			f.Declared[alg] = e.Digest
			got, err := hashFile(f.Path, alg)
			if err != nil {
				return err
			}
			if got != e.Digest {
				r.error(CodeTagDigest, e.Path, "%s checksum is %s, %s declares %s", alg, got, name, e.Digest)
			}
		}
	}
	return nil
}

func hashFile(path, alg string) (string, error) {
	h := newHash(alg)
	if h == nil {
		return "", fmt.Errorf("unsupported algorithm %q", alg)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// finish fills Files, Metadata and Title.
func (r *reader) finish() {
	t := r.t
	for _, p := range sortedKeys(r.payload) {
		f := *r.payload[p]
		f.Name = strings.TrimPrefix(p, "data/")
		t.Files = append(t.Files, f)
	}
	for _, p := range sortedKeys(r.tags) {
		t.Metadata = append(t.Metadata, *r.tags[p])
	}
	t.Title = filepath.Base(r.root)
	for _, label := range []string{"External-Description", "External-Identifier"} {
		switch v := t.Description[label].(type) {
		case string:
			if v != "" {
				t.Title = v
				return
			}
		case []string:
			if v[0] != "" {
				t.Title = v[0]
				return
			}
		}
	}
}
