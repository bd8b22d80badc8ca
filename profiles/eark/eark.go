package eark

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// Name is the profile's name as used by --profile.
const Name = "eark"

// maxMETS bounds the METS documents the profile parses (a METS document
// takes some hundred bytes per file: this allows about a million files).
const maxMETS = 512 << 20

// maxUnreferenced is how many unreferenced files are reported one by one.
const maxUnreferenced = 50

// Profile is the E-ARK CSIP/SIP profile. The zero value is ready to use.
type Profile struct {
	// Xmllint is the xmllint command used for schema validation of METS
	// documents ("" means "xmllint" on PATH; "-" switches schema
	// validation off).
	Xmllint string
	// Now returns the current time, against which LASTMODDATE is judged;
	// nil means time.Now.
	Now func() time.Time
}

var _ profiles.Profile = Profile{}

// New returns the E-ARK profile.
func New() Profile { return Profile{} }

// Name returns "eark".
func (Profile) Name() string { return Name }

// packageRoot returns the package root for a submission directory: root
// itself if it holds METS.xml, else its only entry if that is a directory
// holding METS.xml (CSIPSTR1: a package is one root folder). ok is false
// when neither holds METS.xml.
func packageRoot(root string) (dir string, ok bool) {
	if isRegular(filepath.Join(root, "METS.xml")) {
		return root, true
	}
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 1 || !entries[0].IsDir() {
		return root, false
	}
	sub := filepath.Join(root, entries[0].Name())
	if isRegular(filepath.Join(sub, "METS.xml")) {
		return sub, true
	}
	return root, false
}

func isRegular(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Detect reports whether root (or its single top folder) holds a METS.xml
// whose first 16 KiB name the METS namespace and either an E-ARK marker
// (the CSIP extension namespace, a dilcis.eu, dasboard.eu or E-ARK
// profile) or sit next to a representations folder, the CSIP structure
// of the E-ARK 1.x packages whose METS names no marker.
func (Profile) Detect(root string) bool {
	dir, ok := packageRoot(root)
	if !ok {
		return false
	}
	f, err := os.Open(filepath.Join(dir, "METS.xml"))
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 16<<10)
	n, _ := io.ReadFull(f, head)
	if looksEARK(head[:n]) {
		return true
	}
	fi, err := os.Lstat(filepath.Join(dir, "representations"))
	return err == nil && fi.IsDir() && hasMETSNamespace(head[:n])
}

// hasMETSNamespace reports whether head names the METS namespace.
func hasMETSNamespace(head []byte) bool {
	return strings.Contains(strings.ToLower(string(utf16ASCII(head))), strings.ToLower(NSMETS))
}

// utf16ASCII makes the ASCII characters of UTF-16 text findable: good
// enough for namespace and marker strings.
func utf16ASCII(head []byte) []byte {
	if bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || bytes.HasPrefix(head, []byte{0xFF, 0xFE}) {
		return bytes.ReplaceAll(head, []byte{0}, nil)
	}
	return head
}

func looksEARK(head []byte) bool {
	s := strings.ToLower(string(utf16ASCII(head)))
	return strings.Contains(s, strings.ToLower(NSMETS)) &&
		(strings.Contains(s, "csipextensionmets") || strings.Contains(s, "dilcis.eu") || strings.Contains(s, "eark") ||
			strings.Contains(s, "dasboard.eu"))
}

// Read reads the package at root. See the package documentation for what
// it checks. Problems go into the Transfer; the error is reserved for I/O
// failures, a root that is not a directory, and cancellation.
func (p Profile) Read(ctx context.Context, root string) (*profiles.Transfer, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("eark: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("eark: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("eark: %s is not a directory", root)
	}
	dir, _ := packageRoot(root)
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	r := &reader{
		prof:  p,
		ctx:   ctx,
		root:  dir,
		name:  filepath.Base(dir),
		now:   now(),
		files: map[string]*profiles.File{},
		dirs:  map[string]bool{},
		links: map[string]bool{},
		refs:  map[string][]*resolvedRef{},
		t:     &profiles.Transfer{Profile: Name, Description: map[string]any{}},
	}
	defer r.cleanup()
	if err := r.read(); err != nil {
		return nil, fmt.Errorf("eark: reading %s: %w", dir, err)
	}
	r.t.Problems = r.p.ps
	return r.t, nil
}

// reader holds the state of one Read.
type reader struct {
	prof Profile
	ctx  context.Context
	root string // the package root folder
	name string // its name
	now  time.Time
	p    problems
	t    *profiles.Transfer

	files map[string]*profiles.File // regular files by path relative to root
	dirs  map[string]bool           // directories by path relative to root
	links map[string]bool           // links and special files
	// fold finds files by a path that differs in letter case or Unicode
	// normalisation (lower-case NFC -> paths).
	fold map[string][]string
	// inDir lists the files and subdirs lists the directories directly in
	// a directory ("." for the root), in lexical order.
	inDir, subdirsOf map[string][]string

	docs []*metsDoc                // parsed METS documents, the package METS first
	refs map[string][]*resolvedRef // references by target file
	reps []string                  // representation folders (relative to root)
	// dmdTargets are the files the package METS's dmdSecs reference.
	dmdTargets []string
	repsDir    string // the representations folder as spelled in the package

	schema  schemaState
	tempDir string
}

// metsDoc is one parsed and checked METS document.
type metsDoc struct {
	info *metsInfo
	m    *METS
	file string // absolute path
}

// resolvedRef is a reference resolved to a file of the package.
type resolvedRef struct {
	metsRef
	from string // the METS document
}

func (r *reader) read() error {
	if err := r.walk(); err != nil {
		return err
	}
	r.checkStructure()
	if _, ok := r.files["METS.xml"]; ok {
		if err := r.readMETS("METS.xml", true, r.name); err != nil {
			return err
		}
	}
	for _, rep := range r.reps {
		if _, ok := r.files[rep+"/METS.xml"]; ok {
			if err := r.readMETS(rep+"/METS.xml", false, path.Base(rep)); err != nil {
				return err
			}
		}
	}
	for _, d := range r.docs {
		r.resolve(d)
	}
	r.checkRepresentationPointers()
	if err := r.applyReferences(); err != nil {
		return err
	}
	r.checkUnreferenced()
	if err := r.validateSchemas(); err != nil {
		return err
	}
	r.finish()
	return nil
}

// walk lists the package: regular files, directories, links and special
// files (never followed).
func (r *reader) walk() error {
	r.fold = map[string][]string{}
	r.inDir, r.subdirsOf = map[string][]string{}, map[string][]string{}
	// WalkDir visits in lexical order, so the lists come out sorted.
	return filepath.WalkDir(r.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if p == r.root {
			return nil
		}
		rel, err := filepath.Rel(r.root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch typ := d.Type(); {
		case typ.IsDir():
			r.dirs[rel] = true
			r.subdirsOf[path.Dir(rel)] = append(r.subdirsOf[path.Dir(rel)], rel)
		case typ&fs.ModeSymlink != 0:
			r.links[rel] = true
			target, _ := os.Readlink(p)
			r.p.error(CodeLink, rel, "", "symbolic link (to %q) is not followed", target)
		case typ.IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			r.files[rel] = &profiles.File{Name: rel, Path: p, Size: fi.Size()}
			r.inDir[path.Dir(rel)] = append(r.inDir[path.Dir(rel)], rel)
			k := foldKey(rel)
			r.fold[k] = append(r.fold[k], rel)
		default:
			r.links[rel] = true
			r.p.error(CodeSpecial, rel, "", "not a regular file (%s)", typ.Type())
		}
		return nil
	})
}

func foldKey(s string) string { return strings.ToLower(norm.NFC.String(s)) }

// findFold returns the one file whose path equals p but for letter case and
// Unicode normalisation.
func (r *reader) findFold(p string) (string, bool) {
	c := r.fold[foldKey(p)]
	if len(c) == 1 {
		return c[0], true
	}
	return "", false
}

// dirFold returns the directory name in dir (relative, "" for the root)
// that equals want ignoring case, if any.
func (r *reader) dirFold(dir, want string) string {
	for _, d := range r.subdirsOf[cleanDir(dir)] {
		if strings.EqualFold(path.Base(d), want) {
			return path.Base(d)
		}
	}
	return ""
}

func cleanDir(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// subdirs returns the directories directly in dir, sorted.
func (r *reader) subdirs(dir string) []string { return r.subdirsOf[cleanDir(dir)] }

// filesIn returns the regular files directly in dir, sorted.
func (r *reader) filesIn(dir string) []string { return r.inDir[cleanDir(dir)] }

var metsLike = regexp.MustCompile(`(?i)mets.*\.xml$`)

// checkStructure checks the folder layout (CSIPSTR1-16).
func (r *reader) checkStructure() {
	if _, ok := r.files["METS.xml"]; !ok {
		var near []string
		for _, f := range r.filesIn("") {
			if metsLike.MatchString(f) {
				near = append(near, f)
			}
		}
		msg := "the package root has no METS.xml"
		if len(near) > 0 {
			msg += fmt.Sprintf(" (found %s; the name is METS.xml exactly)", strings.Join(near, ", "))
		}
		if top := r.subdirs(""); len(r.filesIn("")) == 0 && len(top) > 1 {
			msg += fmt.Sprintf("; the submission holds %d folders, a package is one root folder (CSIPSTR1)", len(top))
		}
		r.p.error(CodeNoMETS, "METS.xml", "CSIPSTR4", "%s", msg)
	}
	want := func(dir, name, req, what string, sev string) bool {
		if r.dirs[join(dir, name)] {
			return true
		}
		msg := fmt.Sprintf("no %s folder %s", what, join(dir, name))
		if v := r.dirFold(dir, name); v != "" {
			msg += fmt.Sprintf(" (there is %s; folder names are case-sensitive)", join(dir, v))
		}
		r.p.add(sev, CodeStructure, join(dir, name), req, "%s", msg)
		return false
	}
	warn := preservation.SeverityWarning
	if want("", "metadata", "CSIPSTR5", "metadata", warn) {
		want("metadata", "preservation", "CSIPSTR6", "preservation metadata", warn)
		want("metadata", "descriptive", "CSIPSTR7", "descriptive metadata", warn)
	}
	want("", "schemas", "CSIPSTR15", "schemas", warn)
	want("", "documentation", "CSIPSTR16", "documentation", warn)
	r.repsDir = "representations"
	if !r.dirs["representations"] {
		v := r.dirFold("", "representations")
		want("", "representations", "CSIPSTR9", "representations", warn)
		if v == "" {
			return
		}
		r.repsDir = v
	}
	r.reps = r.subdirs(r.repsDir)
	if len(r.reps) == 0 {
		r.p.warn(CodeStructure, r.repsDir, "CSIPSTR10", "the representations folder holds no representation folder")
	}
	for _, f := range r.filesIn(r.repsDir) {
		if path.Base(f) != ".gitkeep" {
			r.p.warn(CodeStructure, f, "CSIPSTR10", "a file directly in the representations folder; each representation is a folder")
		}
	}
	for _, rep := range r.reps {
		want(rep, "data", "CSIPSTR11", "data", warn)
		if _, ok := r.files[rep+"/METS.xml"]; !ok {
			r.p.warn(CodeStructure, rep+"/METS.xml", "CSIPSTR12", "the representation has no METS.xml")
		}
		want(rep, "metadata", "CSIPSTR13", "representation metadata", warn)
	}
}

// readMETS reads, parses and checks one METS document.
func (r *reader) readMETS(rel string, root bool, folder string) error {
	f := r.files[rel]
	if f.Size > maxMETS {
		r.p.error(CodeTooLarge, rel, "", "the METS document has %d bytes, more than the %d magazin parses", f.Size, maxMETS)
		return nil
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	m, err := ParseMETS(data)
	if err != nil {
		req := "CSIPSTR4"
		if !root {
			req = "CSIPSTR12"
		}
		r.p.error(CodeMETSSyntax, rel, req, "not a well-formed METS document: %v", err)
		return nil
	}
	info := checkMETS(&r.p, m, rel, root, folder, r.now)
	r.docs = append(r.docs, &metsDoc{info: info, m: m, file: f.Path})
	return nil
}

// resolveHref turns an xlink:href of the METS document in dir into a path
// relative to the package root. It accepts relative paths, percent-encoded
// or not (commons-IP writes "metadata%2Fdescriptive%2FDC.xml" and "+" for
// spaces), and "file:" URLs without authority; it returns the candidates
// to look up, most literal first, or an error for hrefs that leave the
// package.
func resolveHref(dir, href string) ([]string, error) {
	h := strings.TrimSpace(href)
	if strings.HasPrefix(strings.ToLower(h), "file:") {
		h = h[len("file:"):]
		if strings.HasPrefix(h, "//") {
			return nil, fmt.Errorf("a file URL with an authority or an absolute path")
		}
	} else if u, err := url.Parse(h); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		return nil, fmt.Errorf("a %s URL outside the package", u.Scheme)
	}
	if strings.ContainsRune(h, 0) {
		return nil, fmt.Errorf("a NUL byte")
	}
	forms := []string{h}
	if u, err := url.PathUnescape(h); err == nil && u != h {
		forms = append(forms, u)
	}
	if u, err := url.QueryUnescape(h); err == nil && !slices.Contains(forms, u) {
		forms = append(forms, u)
	}
	var out []string
	for _, f := range forms {
		if strings.ContainsRune(f, 0) {
			return nil, fmt.Errorf("a NUL byte")
		}
		if strings.HasPrefix(f, "/") || len(f) > 1 && f[1] == ':' {
			return nil, fmt.Errorf("an absolute path")
		}
		p := path.Clean(join(dir, f))
		if p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("a path that leaves the package")
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// resolve resolves the references of one METS document.
func (r *reader) resolve(d *metsDoc) {
	for _, ref := range d.info.refs {
		cands, err := resolveHref(d.info.dir, ref.href)
		if err != nil {
			r.p.error(CodeHref, d.info.path, ref.reqHref, "%s: xlink:href %q is %v", ref.elem, clip(ref.href), err)
			continue
		}
		target := ""
		for _, c := range cands {
			if _, ok := r.files[c]; ok {
				target = c
				break
			}
		}
		if target == "" {
			for _, c := range cands {
				if t, ok := r.findFold(c); ok {
					r.p.warn(CodeCase, t, ref.reqHref, "%s references %q (in %s); the file is named %q: the names differ in letter case "+
						"or Unicode normalisation", ref.elem, clip(ref.href), d.info.path, t)
					target = t
					break
				}
			}
		}
		if target == "" {
			// Report the percent-decoded path, "+" kept.
			p := cands[min(1, len(cands)-1)]
			what := "file"
			if r.dirs[p] {
				what = "file (it is a folder)"
			}
			if !r.links[p] {
				r.p.error(CodeMissing, p, ref.reqHref, "%s in %s references this %s, which is not in the package", ref.elem, d.info.path, what)
			}
			continue
		}
		r.refs[target] = append(r.refs[target], &resolvedRef{metsRef: ref, from: d.info.path})
		if d.info.root && ref.kind == "mdRef" && ref.section == "dmdSec" && !slices.Contains(r.dmdTargets, target) {
			r.dmdTargets = append(r.dmdTargets, target)
		}
	}
}

// checkRepresentationPointers checks that the structMap mptrs point to
// representation METS documents and that every representation METS is
// referenced from the package METS.
func (r *reader) checkRepresentationPointers() {
	if len(r.docs) == 0 || !r.docs[0].info.root {
		return
	}
	root := r.docs[0].info.path
	for _, target := range sortedKeys(r.refs) {
		for _, ref := range r.refs[target] {
			if ref.kind != "mptr" {
				continue
			}
			if !(path.Base(target) == "METS.xml" && path.Dir(path.Dir(target)) == r.repsDir) {
				r.p.warn(CodeStructMap, root, "CSIP109", "%s points to %s, not to a representation METS (%s/<name>/METS.xml)",
					ref.elem, target, r.repsDir)
			}
		}
	}
	for _, d := range r.docs[1:] {
		if len(r.refs[d.info.path]) == 0 {
			r.p.warn(CodeStructMap, root, "CSIP105", "the representation METS %s is referenced neither by a structMap mptr nor by a fileSec file", d.info.path)
		}
	}
}

// isMetadata tells the package's own metadata from its content: the METS
// documents and the metadata, schemas and documentation folders of the
// package and of each representation. Everything else (representation
// data, additional folders) is content.
func isMetadata(rel string) bool {
	segs := strings.Split(rel, "/")
	if rel == "METS.xml" {
		return true
	}
	switch segs[0] {
	case "metadata", "schemas", "documentation":
		return len(segs) > 1
	case "representations":
		if len(segs) == 3 && segs[2] == "METS.xml" {
			return true
		}
		if len(segs) > 3 {
			switch segs[2] {
			case "metadata", "schemas", "documentation":
				return true
			}
		}
	}
	return false
}

// applyReferences merges what the references declare about each file:
// checksums go into File.Declared (the pipeline verifies payload files in
// its single read; metadata files are verified here), SIZE is compared
// with the file.
func (r *reader) applyReferences() error {
	for _, target := range sortedKeys(r.refs) {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		f := r.files[target]
		declared := map[string]string{}
		by := map[string]*resolvedRef{}
		for _, ref := range r.refs[target] {
			if ref.size >= 0 && ref.size != f.Size {
				r.p.error(CodeSize, target, ref.reqSize, "%s in %s declares SIZE %d, the file has %d bytes", ref.elem, ref.from, ref.size, f.Size)
			}
			if ref.alg == "" || ref.checksum == "" {
				continue
			}
			if prev, ok := declared[ref.alg]; ok && prev != ref.checksum {
				r.p.error(CodeChecksum, target, ref.reqCheck, "%s in %s declares %s %s, %s in %s declares %s", ref.elem, ref.from,
					ref.alg, ref.checksum, by[ref.alg].elem, by[ref.alg].from, prev)
				continue
			}
			declared[ref.alg] = ref.checksum
			by[ref.alg] = ref
		}
		if len(declared) == 0 {
			continue
		}
		if !isMetadata(target) {
			f.Declared = declared
			continue
		}
		f.Declared = declared
		got, err := hashFile(f.Path, sortedKeys(declared))
		if err != nil {
			return err
		}
		for _, alg := range sortedKeys(declared) {
			if got[alg] != declared[alg] {
				ref := by[alg]
				r.p.error(CodeChecksum, target, ref.reqCheck, "%s in %s declares %s %s, the file has %s", ref.elem, ref.from, alg,
					declared[alg], got[alg])
			}
		}
	}
	return nil
}

// hashFile computes the digests of a file in one read.
func hashFile(p string, algs []string) (map[string]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for _, alg := range algs {
		h := preservation.NewHash(alg)
		if h == nil {
			continue
		}
		hs[alg] = h
		ws = append(ws, h)
	}
	if _, err := io.Copy(io.MultiWriter(ws...), f); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for alg, h := range hs {
		out[alg] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// checkUnreferenced warns about files no METS document references (their
// fixity cannot be checked against the submission). The package METS and
// representation METS documents checked by checkRepresentationPointers
// are left out.
func (r *reader) checkUnreferenced() {
	if len(r.docs) == 0 || !r.docs[0].info.root {
		return // without the package METS almost everything is unreferenced
	}
	parsed := map[string]bool{}
	for _, d := range r.docs {
		parsed[d.info.path] = true
	}
	var un []string
	for _, f := range sortedKeys(r.files) {
		if f == "METS.xml" || parsed[f] || len(r.refs[f]) > 0 {
			continue
		}
		un = append(un, f)
	}
	for i, f := range un {
		if i == maxUnreferenced {
			r.p.warn(CodeUnreferenced, "", "CSIP79", "%d more files are not referenced by any METS document", len(un)-i)
			break
		}
		r.p.warn(CodeUnreferenced, f, "CSIP79", "no METS document references the file; it is archived, but its fixity cannot be "+
			"checked against the submission")
	}
}

// finish fills Files, Metadata, Title, Description and Units.
func (r *reader) finish() {
	t := r.t
	for _, p := range sortedKeys(r.files) {
		f := *r.files[p]
		if isMetadata(p) {
			t.Metadata = append(t.Metadata, f)
		} else {
			t.Files = append(t.Files, f)
		}
	}
	r.describe()
}

func (r *reader) cleanup() {
	if r.tempDir != "" {
		os.RemoveAll(r.tempDir)
	}
}

// sortedKeys returns the keys of m in lexical order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
