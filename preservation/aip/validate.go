package aip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// ValidationCode is one finding of an OCFL validation. Code is an OCFL 1.1
// validation code ("E040", "W004"; see
// https://ocfl.io/1.1/spec/validation-codes.html) or one of CodeCanceled,
// CodeReadError and CodeLimit. Path is the file or directory concerned,
// relative to the object root (ValidateObject) or to the storage root
// (ValidateStorageRoot's root result); it is empty when the finding concerns
// the whole object.
type ValidationCode struct {
	Code    string
	Message string
	Path    string
}

// Codes for findings that are not OCFL validation codes. Each is reported as
// an error, because the validation could not be completed.
const (
	// CodeCanceled: the context was cancelled; the result is incomplete.
	CodeCanceled = "CANCELED"
	// CodeReadError: a file or directory could not be read (not: does not
	// exist); the result is incomplete. Retrying may help.
	CodeReadError = "READ"
	// CodeLimit: a safety limit was exceeded (an inventory over 64 MiB, a
	// directory tree over 256 levels deep).
	CodeLimit = "LIMIT"
)

func (c ValidationCode) String() string {
	if c.Path == "" {
		return c.Code + ": " + c.Message
	}
	return c.Code + " " + c.Path + ": " + c.Message
}

// ValidationResult collects the errors (MUST violations: the object is not
// valid OCFL) and warnings (SHOULD violations) of a validation, in the order
// found. The order is deterministic for a given object.
type ValidationResult struct {
	Errors, Warnings []ValidationCode
}

// Valid reports whether the validation found no errors. A nil result is not
// valid: nothing was validated.
func (r *ValidationResult) Valid() bool {
	return r != nil && len(r.Errors) == 0
}

func (r *ValidationResult) addError(code, p, format string, args ...any) {
	r.Errors = append(r.Errors, ValidationCode{Code: code, Path: p, Message: fmt.Sprintf(format, args...)})
}

func (r *ValidationResult) addWarning(code, p, format string, args ...any) {
	r.Warnings = append(r.Warnings, ValidationCode{Code: code, Path: p, Message: fmt.Sprintf(format, args...)})
}

// ocflRegisteredExtensions are the extension names of the OCFL community
// extensions repository (https://ocfl.github.io/extensions/).
var ocflRegisteredExtensions = map[string]bool{
	"0001-digest-algorithms":                               true,
	"0002-flat-direct-storage-layout":                      true,
	"0003-hash-and-id-n-tuple-storage-layout":              true,
	"0004-hashed-n-tuple-storage-layout":                   true,
	"0005-mutable-head":                                    true,
	"0006-flat-omit-prefix-storage-layout":                 true,
	"0007-n-tuple-omit-prefix-storage-layout":              true,
	"0008-schema-registry":                                 true,
	"0009-digest-algorithms":                               true,
	"0010-differential-n-tuple-omit-prefix-storage-layout": true,
}

// ocflSpecs are the OCFL versions this validator knows.
var ocflSpecs = map[string]bool{"1.0": true, "1.1": true}

// ValidateObject validates the OCFL object whose root is dir in fsys ("."
// for the root of fsys) against OCFL 1.1 (objects declaring OCFL 1.0 are
// checked by the same rules). It checks the object's structure, every
// inventory (root and version inventories) and its sidecar, the consistency
// of the version inventories with the root inventory, and the content: every
// content file is read once and its digest compared with every manifest and
// fixity entry naming it (E092, E093), using the inventories' algorithms.
//
// fsys may be os.DirFS or any fs.FS whose directories can be listed with
// fs.ReadDir (an object store adapter). Content files are read by several
// goroutines at once, so fsys must allow concurrent Open and reads of
// different files, as os.DirFS, StoreFS and fstest.MapFS do. Symbolic links are reported (E090),
// never followed. Cancelling ctx stops the validation between directories
// and during file reads; the result then holds a CodeCanceled error.
func ValidateObject(ctx context.Context, fsys fs.FS, dir string) *ValidationResult {
	r := &ValidationResult{}
	ocflValidateObject(ctx, fsys, dir, r)
	return r
}

// ocflObjectValidator holds the state of one object validation.
type ocflObjectValidator struct {
	ocflTree

	spec       string            // OCFL version of the declaration, "" if unusable
	root       *ocflInventory    // root inventory, nil if missing or not JSON
	contentDir string            // content directory name, from the root inventory
	versions   []ocflVersionName // version directories on disk, sorted
	// versionInv holds the parsed version inventories by directory name.
	versionInv map[string]*ocflInventory
	// files holds every file found in a content directory, as a path
	// relative to the object root, with the number of its version.
	files map[string]int
}

// ocflObjectInfo is what the storage root validation needs from an object.
type ocflObjectInfo struct {
	id   string
	spec string
}

func ocflValidateObject(ctx context.Context, fsys fs.FS, dir string, r *ValidationResult) ocflObjectInfo {
	v := &ocflObjectValidator{ocflTree: ocflTree{ctx: ctx, fsys: fsys, dir: dir, r: r},
		versionInv: map[string]*ocflInventory{}, files: map[string]int{}}
	v.run()
	info := ocflObjectInfo{spec: v.spec}
	if v.root != nil {
		info.id = v.root.inv.ID
	}
	return info
}

// ocflTree is what object and storage root validation share: the tree
// validated and where findings go.
type ocflTree struct {
	ctx  context.Context
	fsys fs.FS
	dir  string
	r    *ValidationResult
}

func (v *ocflTree) fsPath(rel string) string {
	if rel == "" {
		return v.dir
	}
	return path.Join(v.dir, rel)
}

// canceled reports a cancelled context once and tells the caller to stop.
func (v *ocflTree) canceled() bool {
	err := v.ctx.Err()
	if err == nil {
		return false
	}
	if !slices.ContainsFunc(v.r.Errors, func(c ValidationCode) bool { return c.Code == CodeCanceled }) {
		v.r.addError(CodeCanceled, "", "validation stopped: %v", err)
	}
	return true
}

// readErr reports a failure to read rel; a missing file is reported with
// missingCode instead, if given.
func (v *ocflTree) readErr(rel string, err error, missingCode string) {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		v.canceled()
	case errors.Is(err, fs.ErrNotExist) && missingCode != "":
		v.r.addError(missingCode, rel, "missing: %v", err)
	case errors.Is(err, errOCFLTooLarge):
		v.r.addError(CodeLimit, rel, "larger than the validator reads")
	default:
		v.r.addError(CodeReadError, rel, "cannot read: %v", err)
	}
}

// readRoot lists the directory validated, reporting an invalid path, a
// cancelled context, or a missing directory (missingCode).
func (v *ocflTree) readRoot(missingCode string) ([]fs.DirEntry, bool) {
	if !fs.ValidPath(v.dir) {
		v.r.addError(CodeReadError, v.dir, "invalid path %q", v.dir)
		return nil, false
	}
	if v.canceled() {
		return nil, false
	}
	entries, err := fs.ReadDir(v.fsys, v.dir)
	if err != nil {
		v.readErr("", err, missingCode)
		return nil, false
	}
	return entries, true
}

func (v *ocflObjectValidator) run() {
	entries, ok := v.readRoot("E003")
	if !ok {
		return
	}
	v.checkRoot(entries)
	if v.canceled() {
		return
	}
	if v.root != nil {
		v.compareRootWithDisk()
	}
	// Version directories are checked even without a usable root inventory.
	for _, vn := range v.versions {
		if v.canceled() {
			return
		}
		v.checkVersionDir(vn)
	}
	if v.root == nil {
		return
	}
	v.compareVersionInventories()
	v.checkContent()
}

// checkRoot checks the entries of the object root, the declaration, the root
// inventory and its sidecar.
func (v *ocflObjectValidator) checkRoot(entries []fs.DirEntry) {
	v.contentDir = "content" // until the root inventory says otherwise
	var decls, sidecars []string
	var inventory bool
	for _, e := range entries {
		name := e.Name()
		isDir := e.IsDir()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			v.r.addError("E090", name, "symbolic link in object root")
		case ocflNamastePattern.MatchString(name) && !isDir:
			decls = append(decls, name)
		case name == "inventory.json" && !isDir:
			inventory = true
		case strings.HasPrefix(name, "inventory.json.") && !isDir:
			sidecars = append(sidecars, strings.TrimPrefix(name, "inventory.json."))
		case name == "extensions" && isDir:
			v.checkExtensions("E067", "W013")
		case name == "logs" && isDir:
		default:
			vn, ok := ocflParseVersionName(name)
			if ok && isDir {
				v.versions = append(v.versions, vn)
				continue
			}
			v.r.addError("E001", name, "object root may only hold the declaration, inventory, sidecar, version directories, extensions and logs")
		}
	}
	v.spec = ocflCheckDeclaration(v.fsys, v.dir, decls, ocflObjectDeclaration, v.r)
	slices.SortFunc(v.versions, func(a, b ocflVersionName) int { return a.num - b.num })
	if len(v.versions) == 0 {
		v.r.addError("E008", "", "object has no version directories")
	}
	ocflCheckVersionSequence(v.versions, "", "version directories", true, v.r)

	if !inventory {
		v.r.addError("E063", "inventory.json", "object has no root inventory")
		return
	}
	raw, err := ocflReadFile(v.fsys, v.fsPath("inventory.json"), ocflMaxInventorySize)
	if err != nil {
		v.readErr("inventory.json", err, "E063")
		return
	}
	v.root = ocflCheckInventory(raw, "inventory.json", v.r)
	v.checkSidecar("", raw, v.root, sidecars)
	if v.root == nil {
		return
	}
	v.contentDir = v.root.inv.ContentDir()
	if v.spec != "" && v.root.spec != "" && v.root.spec != v.spec {
		v.r.addError("E038", "inventory.json", "root inventory type is OCFL %s but the object declares OCFL %s", v.root.spec, v.spec)
	}
}

// checkExtensions checks an extensions directory: it may only hold
// directories (fileCode: E067 in objects, E112 in storage roots), which
// should be named after registered extensions (warnCode: W013, W016).
func (v *ocflTree) checkExtensions(fileCode, warnCode string) {
	entries, err := fs.ReadDir(v.fsys, v.fsPath("extensions"))
	if err != nil {
		v.readErr("extensions", err, "")
		return
	}
	for _, e := range entries {
		rel := "extensions/" + e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			v.r.addError("E090", rel, "symbolic link in extensions directory")
		case !e.IsDir():
			v.r.addError(fileCode, rel, "extensions directory may only hold extension directories")
		case !ocflRegisteredExtensions[e.Name()]:
			v.r.addWarning(warnCode, rel, "extension %q is not a registered OCFL extension", e.Name())
		}
	}
}

// checkSidecar checks the digest sidecar of the inventory in directory rel
// (E058–E061). sidecars are the algorithm suffixes of the inventory.json.*
// files found there.
func (v *ocflObjectValidator) checkSidecar(rel string, raw []byte, p *ocflInventory, sidecars []string) {
	invPath := path.Join(rel, "inventory.json")
	algName := ""
	if p != nil {
		algName = p.inv.DigestAlgorithm
	}
	if algName == "" && len(sidecars) == 1 {
		algName = sidecars[0]
	}
	found := false
	for _, s := range sidecars {
		if s == algName {
			found = true
			continue
		}
		v.r.addError("E059", invPath+"."+s, "sidecar algorithm %q does not match the inventory's digestAlgorithm %q", s, algName)
	}
	if !found {
		if algName == "" {
			v.r.addError("E058", invPath, "inventory has no digest sidecar")
		} else {
			v.r.addError("E058", invPath, "inventory has no sidecar inventory.json.%s", algName)
		}
		return
	}
	scPath := invPath + "." + algName
	data, err := ocflReadFile(v.fsys, v.fsPath(scPath), ocflMaxSmallFile)
	if err != nil {
		v.readErr(scPath, err, "E058")
		return
	}
	m := ocflSidecarPattern.FindSubmatch(data)
	if m == nil {
		v.r.addError("E061", scPath, "sidecar must hold \"DIGEST inventory.json\"")
		return
	}
	alg := ocflDigestAlgorithms[algName]
	if alg == nil {
		return // E025 was reported for the inventory
	}
	if got := alg.digestBytes(raw); !strings.EqualFold(got, string(m[1])) {
		v.r.addError("E060", scPath, "sidecar digest %s does not match the inventory's %s digest %s", ocflShort(string(m[1])), algName, ocflShort(got))
	}
}

// ocflSidecarPattern is "DIGEST inventory.json" (OCFL 1.1 §3.6), with an
// optional final newline.
var ocflSidecarPattern = regexp.MustCompile(`^([0-9A-Za-z]+)[ \t]+inventory\.json\n?$`)

// compareRootWithDisk compares the root inventory's versions with the version
// directories (E046).
func (v *ocflObjectValidator) compareRootWithDisk() {
	if !v.root.versionsOK {
		return
	}
	onDisk := map[string]bool{}
	for _, vn := range v.versions {
		onDisk[vn.name] = true
		if _, ok := v.root.inv.Versions[vn.name]; !ok {
			v.r.addError("E046", vn.name, "version directory %s is not in the root inventory's versions", vn.name)
		}
	}
	for _, vn := range v.root.versions {
		if !onDisk[vn.name] {
			v.r.addError("E046", "inventory.json", "version %s of the root inventory has no version directory", vn.name)
		}
	}
}

// checkVersionDir checks one version directory: its entries (E015, W002), its
// inventory and sidecar, and its content directory.
func (v *ocflObjectValidator) checkVersionDir(vn ocflVersionName) {
	entries, err := fs.ReadDir(v.fsys, v.fsPath(vn.name))
	if err != nil {
		v.readErr(vn.name, err, "")
		return
	}
	var sidecars []string
	inventory := false
	for _, e := range entries {
		name := e.Name()
		rel := vn.name + "/" + name
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			v.r.addError("E090", rel, "symbolic link in version directory")
		case name == v.contentDir && e.IsDir():
			v.walkContent(rel, vn.num, 0)
		case e.IsDir():
			v.r.addWarning("W002", rel, "version directory should hold no directory other than the content directory %q", v.contentDir)
		case name == "inventory.json":
			inventory = true
		case strings.HasPrefix(name, "inventory.json."):
			sidecars = append(sidecars, strings.TrimPrefix(name, "inventory.json."))
		default:
			v.r.addError("E015", rel, "version directory may only hold inventory.json, its sidecar and the content directory")
		}
	}
	if !inventory {
		v.r.addWarning("W010", vn.name, "version directory has no inventory.json")
		return
	}
	where := vn.name + "/inventory.json"
	raw, err := ocflReadFile(v.fsys, v.fsPath(where), ocflMaxInventorySize)
	if err != nil {
		v.readErr(where, err, "")
		return
	}
	var p *ocflInventory
	if v.root != nil && string(raw) == string(v.root.raw) {
		p = v.root // already checked; do not report its findings twice
	} else {
		p = ocflCheckInventory(raw, where, v.r)
	}
	v.checkSidecar(vn.name, raw, p, sidecars)
	if p == nil {
		return
	}
	v.versionInv[vn.name] = p
	if p.inv.Head != "" && p.inv.Head != vn.name {
		v.r.addError("E040", where, "head is %q but the inventory is in version directory %s", p.inv.Head, vn.name)
	}
	if v.root == nil {
		return
	}
	if p.inv.ID != "" && v.root.inv.ID != "" && p.inv.ID != v.root.inv.ID {
		v.r.addError("E037", where, "id %q differs from the root inventory's id %q", p.inv.ID, v.root.inv.ID)
	}
	if p.inv.ContentDir() != v.contentDir {
		code := "E020"
		if vn.num == 1 {
			code = "E019"
		}
		v.r.addError(code, where, "contentDirectory %q differs from the root inventory's %q", p.inv.ContentDir(), v.contentDir)
	}
}

// walkContent records the files of a content directory, reporting empty
// directories (E024) and anything that is not a regular file (E090).
func (v *ocflObjectValidator) walkContent(rel string, version, depth int) {
	if depth > ocflMaxDirDepth {
		v.r.addError(CodeLimit, rel, "directories nested deeper than %d levels", ocflMaxDirDepth)
		return
	}
	if v.canceled() {
		return
	}
	entries, err := fs.ReadDir(v.fsys, v.fsPath(rel))
	if err != nil {
		v.readErr(rel, err, "")
		return
	}
	if len(entries) == 0 {
		v.r.addError("E024", rel, "empty directory in a content directory")
	}
	for _, e := range entries {
		p := rel + "/" + e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			v.r.addError("E090", p, "symbolic link in content")
		case e.IsDir():
			v.walkContent(p, version, depth+1)
		case !e.Type().IsRegular():
			v.r.addError("E090", p, "not a regular file")
		default:
			v.files[p] = version
		}
	}
}

// compareVersionInventories checks the version inventories against each
// other and against the root inventory: OCFL versions never decrease (E103),
// the latest version inventory equals the root inventory (E064), and every
// version block describes the same state (E066) and metadata (W011) as the
// root inventory's.
func (v *ocflObjectValidator) compareVersionInventories() {
	prevSpec, prevName := "", ""
	for _, vn := range v.versions {
		p := v.versionInv[vn.name]
		if p == nil || p.spec == "" {
			continue
		}
		if prevSpec != "" && p.spec < prevSpec {
			v.r.addError("E103", vn.name+"/inventory.json", "version %s conforms to OCFL %s, older than version %s (OCFL %s)", vn.name, p.spec, prevName, prevSpec)
		}
		prevSpec, prevName = p.spec, vn.name
	}
	if len(v.versions) > 0 {
		last := v.versions[len(v.versions)-1].name
		if p := v.versionInv[last]; p != nil && string(p.raw) != string(v.root.raw) {
			v.r.addError("E064", "inventory.json", "root inventory is not identical to %s/inventory.json, the inventory of the most recent version", last)
		}
	}
	if !v.root.versionsOK {
		return
	}
	for _, vn := range v.versions {
		p := v.versionInv[vn.name]
		if p == nil || !p.versionsOK || string(p.raw) == string(v.root.raw) {
			continue
		}
		for _, pv := range p.versions {
			cur, prior := v.root.inv.Versions[pv.name], p.inv.Versions[pv.name]
			if cur == nil || prior == nil {
				continue
			}
			where := vn.name + "/inventory.json"
			if !v.sameState(p, prior, cur) {
				v.r.addError("E066", where, "version %s has a different logical state than in the root inventory", pv.name)
			}
			if p.created[pv.name] != v.root.created[pv.name] || prior.Message != cur.Message || !ocflSameUser(prior.User, cur.User) {
				v.r.addWarning("W011", where, "version %s has different created, message or user than in the root inventory", pv.name)
			}
		}
	}
}

// sameState reports whether version block prior of inventory p describes the
// same logical state as cur of the root inventory. With the same digest
// algorithm the logical paths must map to the same digests; otherwise each
// logical path must resolve to at least one common content path.
func (v *ocflObjectValidator) sameState(p *ocflInventory, prior, cur *Version) bool {
	sameAlg := p.inv.DigestAlgorithm == v.root.inv.DigestAlgorithm
	a, b := ocflLogicalState(prior, p, sameAlg), ocflLogicalState(cur, v.root, sameAlg)
	if len(a) != len(b) {
		return false
	}
	for lp, x := range a {
		y, ok := b[lp]
		if !ok || !slices.ContainsFunc(x, func(s string) bool { return slices.Contains(y, s) }) {
			return false
		}
	}
	return true
}

// ocflLogicalState maps each logical path of ver to its lower-case digest
// (byDigest) or to the content paths holding its content.
func ocflLogicalState(ver *Version, p *ocflInventory, byDigest bool) map[string][]string {
	out := map[string][]string{}
	for d, paths := range ver.State {
		var target []string
		if byDigest {
			target = []string{strings.ToLower(d)}
		} else {
			target = p.inv.Manifest[d]
		}
		for _, lp := range paths {
			out[lp] = append(out[lp], target...)
		}
	}
	return out
}

func ocflSameUser(a, b *User) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ocflExpectation is a digest some inventory claims for a content file.
type ocflExpectation struct {
	alg     *ocflDigestAlg
	digest  string
	code    string // E092 (manifest) or E093 (fixity)
	sources []string
}

// checkContent compares the content files found with the manifests of all
// inventories (E023, E092) and fixity blocks (E093), then reads every file
// once to check all digests claimed for it.
func (v *ocflObjectValidator) checkContent() {
	expect := map[string][]*ocflExpectation{}
	addExpect := func(p *ocflInventory, cp string, alg *ocflDigestAlg, d, code string) {
		for _, e := range expect[cp] {
			if e.alg == alg && e.code == code && strings.EqualFold(e.digest, d) {
				e.sources = append(e.sources, p.where)
				return
			}
		}
		expect[cp] = append(expect[cp], &ocflExpectation{alg: alg, digest: d, code: code, sources: []string{p.where}})
	}
	// The root inventory covers every version; a version inventory covers
	// the versions up to its own.
	invs := []*ocflInventory{v.root}
	limits := []int{int(^uint(0) >> 1)}
	for _, vn := range v.versions {
		if p := v.versionInv[vn.name]; p != nil && string(p.raw) != string(v.root.raw) {
			invs = append(invs, p)
			limits = append(limits, vn.num)
		}
	}
	files := ocflSortedKeys(v.files)
	for i, p := range invs {
		if !p.manifestOK {
			continue
		}
		listed := map[string]bool{}
		for _, d := range ocflSortedKeys(p.inv.Manifest) {
			for _, cp := range p.inv.Manifest[d] {
				listed[cp] = true
				if _, ok := v.files[cp]; !ok {
					v.r.addError("E092", p.where, "manifest names content path %q, which is not a file in a content directory", cp)
				} else if p.alg != nil {
					addExpect(p, cp, p.alg, d, "E092")
				}
			}
		}
		for _, cp := range files {
			if v.files[cp] <= limits[i] && !listed[cp] {
				v.r.addError("E023", cp, "content file is not in the manifest of %s", p.where)
			}
		}
		for _, name := range ocflSortedKeys(p.inv.Fixity) {
			alg := ocflDigestAlgorithms[name]
			block := p.inv.Fixity[name]
			for _, d := range ocflSortedKeys(block) {
				for _, cp := range block[d] {
					if _, ok := v.files[cp]; !ok {
						v.r.addError("E093", p.where, "fixity %s names content path %q, which is not a file in a content directory", name, cp)
						continue
					}
					addExpect(p, cp, alg, d, "E093")
				}
			}
		}
	}

	v.readContent(ocflSortedKeys(expect), expect)
}

// ocflContentReaders bounds the content files read at once by one object
// validation.
const ocflContentReaders = 4

// readContent reads the content files cps, each once, and checks the
// digests claimed for them (checkDigests). Up to GOMAXPROCS files (at most
// ocflContentReaders) are read at once: with many small files, hashing is
// most of the work of a validation, and one reader would use one core.
// The findings of each file are collected apart and reported in the order
// of cps, so that the result does not depend on the order the reads end.
func (v *ocflObjectValidator) readContent(cps []string, expect map[string][]*ocflExpectation) {
	found := make([]ValidationResult, len(cps))
	var next atomic.Int64
	read := func() {
		buf := make([]byte, 256<<10)
		for {
			i := int(next.Add(1) - 1)
			if i >= len(cps) || v.ctx.Err() != nil {
				return
			}
			t := v.ocflTree
			t.r = &found[i]
			t.checkDigests(cps[i], expect[cps[i]], buf)
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), ocflContentReaders, len(cps)) {
		wg.Go(read)
	}
	wg.Wait()
	for _, f := range found {
		for _, e := range f.Errors {
			if e.Code == CodeCanceled {
				v.canceled()
				continue
			}
			v.r.Errors = append(v.r.Errors, e)
		}
		v.r.Warnings = append(v.r.Warnings, f.Warnings...)
	}
	v.canceled()
}

// SHA512Reporter is implemented by an fs.File that computes the SHA-512
// of what is read from it, as the fixity audit's files do (it hashes every
// file the validator reads, once for validation and comparison with the
// replicas). The validator then takes the SHA-512 of a content file from
// the file, read to its end, instead of computing it a second time.
type SHA512Reporter interface {
	// SHA512 returns the lower-case hex SHA-512 of the whole file, and
	// false when the file has not been read to its end.
	SHA512() (string, bool)
}

// checkDigests reads content file cp once and compares every digest claimed
// for it.
func (v *ocflTree) checkDigests(cp string, exps []*ocflExpectation, buf []byte) {
	f, err := v.fsys.Open(v.fsPath(cp))
	if err != nil {
		v.readErr(cp, err, "E092")
		return
	}
	rep, _ := f.(SHA512Reporter)
	digesters := map[*ocflDigestAlg]ocflDigester{}
	ws := []io.Writer{io.Discard}
	for _, e := range exps {
		if digesters[e.alg] == nil && !(rep != nil && e.alg.name == "sha512") {
			d := e.alg.new()
			digesters[e.alg] = d
			ws = append(ws, d)
		}
	}
	_, err = io.CopyBuffer(io.MultiWriter(ws...), store.ContextReader(v.ctx, f), buf)
	f.Close()
	if err != nil {
		v.readErr(cp, err, "")
		return
	}
	for _, e := range exps {
		var got string
		if d := digesters[e.alg]; d != nil {
			got = d.digest()
		} else if sum, ok := rep.SHA512(); ok {
			got = sum
		} else {
			v.readErr(cp, errors.New("the file reported no SHA-512 after it was read to its end"), "")
			return
		}
		if !strings.EqualFold(got, e.digest) {
			what := "manifest"
			if e.code == "E093" {
				what = "fixity"
			}
			v.r.addError(e.code, cp, "%s %s digest %s in %s does not match the file's digest %s", what, e.alg.name, ocflShort(e.digest), strings.Join(e.sources, ", "), ocflShort(got))
		}
	}
}
