package aip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// ocflDeclarationKind gives the codes for checking a NAMASTE conformance
// declaration of an object or a storage root.
type ocflDeclarationKind struct {
	prefix                                       string // dvalue without the version
	missing, multiple, tNotZero, dvalue, content string
}

var (
	ocflObjectDeclaration = ocflDeclarationKind{prefix: "ocfl_object_",
		missing: "E003", multiple: "E003", tNotZero: "E005", dvalue: "E006", content: "E007"}
	ocflRootDeclaration = ocflDeclarationKind{prefix: "ocfl_",
		missing: "E069", multiple: "E076", tNotZero: "E078", dvalue: "E079", content: "E080"}
)

// ocflNamastePattern matches NAMASTE file names ("0=ocfl_1.1").
var ocflNamastePattern = regexp.MustCompile(`^[0-9]+=`)

// ocflCheckDeclaration checks the NAMASTE declarations names found in dir and
// returns the declared OCFL version, or "" when there is no usable one.
func ocflCheckDeclaration(fsys fs.FS, dir string, names []string, k ocflDeclarationKind, r *ValidationResult) string {
	if len(names) == 0 {
		r.addError(k.missing, "", "no conformance declaration 0=%s1.1", k.prefix)
		return ""
	}
	if len(names) > 1 {
		r.addError(k.multiple, "", "more than one conformance declaration: %s", strings.Join(names, ", "))
	}
	spec := ""
	for _, name := range names {
		t, dvalue, _ := strings.Cut(name, "=")
		if t != "0" {
			r.addError(k.tNotZero, name, "declaration must be named 0=%s<version>", k.prefix)
			continue
		}
		version, ok := strings.CutPrefix(dvalue, k.prefix)
		if !ok || !ocflSpecs[version] {
			r.addError(k.dvalue, name, "declaration must be named 0=%s1.1 (or 1.0)", k.prefix)
			continue
		}
		data, err := ocflReadFile(fsys, path.Join(dir, name), ocflMaxSmallFile)
		switch {
		case errors.Is(err, errOCFLTooLarge):
			r.addError(k.content, name, "declaration must contain %q followed by a newline", dvalue)
			continue
		case err != nil:
			r.addError(CodeReadError, name, "cannot read declaration: %v", err)
			continue
		case string(data) != dvalue+"\n":
			r.addError(k.content, name, "declaration must contain %q followed by a newline", dvalue)
		}
		if spec == "" {
			spec = version
		}
	}
	return spec
}

// ocflLayout maps an object id to its path below the storage root.
type ocflLayout func(id string) (string, error)

// ValidateStorageRoot validates the OCFL storage root at dir in fsys and every
// object in it. The first result holds the findings about the root itself:
// its declaration (E069, E075–E080), ocfl_layout.json (E070, E071), its
// extensions directory (E112, W016), the storage hierarchy (E072, E073,
// E084, E090), objects newer than the root (E081), ids used twice
// (E037), and — when the layout is 0002 flat-direct or 0004 hashed-n-tuple —
// objects not at the path their id maps to (E083). Other layouts are accepted
// without checking the mapping. The map holds one result per object, keyed by
// the object root's path relative to dir. The storage root and its objects
// are valid when the first result and every object result are valid.
func ValidateStorageRoot(ctx context.Context, fsys fs.FS, dir string) (*ValidationResult, map[string]*ValidationResult) {
	v := &ocflRootValidator{ocflTree: ocflTree{ctx: ctx, fsys: fsys, dir: dir, r: &ValidationResult{}},
		objects: map[string]*ValidationResult{}, ids: map[string]string{}}
	v.run()
	return v.r, v.objects
}

type ocflRootValidator struct {
	ocflTree
	objects map[string]*ValidationResult
	spec    string
	layout  ocflLayout
	ids     map[string]string // object id → object path
	depths  map[int]bool      // depths of object roots below the storage root
}

func (v *ocflRootValidator) run() {
	entries, ok := v.readRoot("E069")
	if !ok {
		return
	}
	var decls, hierarchy []string
	layoutFile := false
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			v.r.addError("E090", name, "symbolic link in storage root")
		case ocflNamastePattern.MatchString(name) && !e.IsDir():
			decls = append(decls, name)
		case name == "ocfl_layout.json" && !e.IsDir():
			layoutFile = true
		case name == "extensions" && e.IsDir():
			v.checkExtensions("E112", "W016")
		case e.IsDir():
			hierarchy = append(hierarchy, name)
		default:
			// E087: files in the storage root that a validator does not
			// understand are ignored.
		}
	}
	v.spec = ocflCheckDeclaration(v.fsys, v.dir, decls, ocflRootDeclaration, v.r)
	if layoutFile {
		v.readLayout()
	}
	v.depths = map[int]bool{}
	for _, name := range hierarchy {
		if v.canceled() {
			return
		}
		v.walk(name, 1)
	}
	if v.depths[1] && len(v.depths) > 1 {
		v.r.addWarning("W015", "", "storage root mixes top-level objects with objects in a directory hierarchy")
	}
}

// readLayout reads ocfl_layout.json (E070, E071) and, for the layouts whose
// mapping this validator computes, the layout extension's configuration.
func (v *ocflRootValidator) readLayout() {
	const name = "ocfl_layout.json"
	data, err := ocflReadFile(v.fsys, v.fsPath(name), ocflMaxSmallFile)
	if err != nil {
		v.readErr(name, err, "")
		return
	}
	doc, err := ocflDecodeJSON(data)
	m, isObj := doc.(map[string]any)
	if err != nil || !isObj {
		v.r.addError("E070", name, "ocfl_layout.json must be a JSON object")
		return
	}
	ext, ok1 := m["extension"].(string)
	_, ok2 := m["description"].(string)
	if !ok1 || !ok2 {
		v.r.addError("E070", name, "ocfl_layout.json must have the string keys extension and description")
	}
	if !ok1 {
		return
	}
	if !ocflRegisteredExtensions[ext] || !strings.Contains(ext, "layout") {
		v.r.addError("E071", name, "extension %q is not a registered storage layout extension", ext)
		return
	}
	cfg := map[string]any{}
	cfgPath := "extensions/" + ext + "/config.json"
	data, err = ocflReadFile(v.fsys, v.fsPath(cfgPath), ocflMaxSmallFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The extension's defaults apply.
	case err != nil:
		v.readErr(cfgPath, err, "")
		return
	default:
		doc, err := ocflDecodeJSON(data)
		m, ok := doc.(map[string]any)
		if err != nil || !ok {
			v.r.addError("E083", cfgPath, "layout configuration is not a JSON object, so ids cannot be mapped to paths")
			return
		}
		cfg = m
		if n, ok := cfg["extensionName"]; ok && n != ext {
			v.r.addError("E083", cfgPath, "layout configuration names extension %s, not %q", ocflQuote(n), ext)
			return
		}
	}
	switch ext {
	case "0002-flat-direct-storage-layout":
		v.layout = func(id string) (string, error) { return id, nil }
	case "0004-hashed-n-tuple-storage-layout":
		layout, err := ocflHashedNTupleLayout(cfg)
		if err != nil {
			v.r.addError("E083", cfgPath, "invalid layout configuration: %v", err)
			return
		}
		v.layout = layout
	}
}

// ocflHashedNTupleLayout builds the mapping of extension
// 0004-hashed-n-tuple-storage-layout from its configuration.
func ocflHashedNTupleLayout(cfg map[string]any) (ocflLayout, error) {
	algName, tupleSize, tuples, short := "sha256", 3, 3, false
	for k, val := range cfg {
		var err error
		switch k {
		case "extensionName":
		case "digestAlgorithm":
			s, ok := val.(string)
			if !ok {
				err = errors.New("digestAlgorithm must be a string")
			}
			algName = s
		case "tupleSize":
			tupleSize, err = ocflConfigInt(k, val)
		case "numberOfTuples":
			tuples, err = ocflConfigInt(k, val)
		case "shortObjectRoot":
			b, ok := val.(bool)
			if !ok {
				err = errors.New("shortObjectRoot must be a boolean")
			}
			short = b
		default:
			err = fmt.Errorf("unknown parameter %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	alg := ocflDigestAlgorithms[algName]
	switch {
	case alg == nil || alg.hexLen == 0:
		return nil, fmt.Errorf("digestAlgorithm %q is not a hex digest algorithm OCFL allows", algName)
	case tupleSize < 0 || tupleSize > 32 || tuples < 0 || tuples > 32:
		return nil, errors.New("tupleSize and numberOfTuples must be between 0 and 32")
	case (tupleSize == 0) != (tuples == 0):
		return nil, errors.New("tupleSize and numberOfTuples must both be 0 or both be positive")
	case tupleSize*tuples > alg.hexLen:
		return nil, fmt.Errorf("tupleSize × numberOfTuples exceeds the %d characters of a %s digest", alg.hexLen, algName)
	case short && tupleSize*tuples == alg.hexLen:
		return nil, errors.New("shortObjectRoot must be false when the tuples use the whole digest")
	}
	return func(id string) (string, error) {
		d := alg.digestBytes([]byte(id))
		parts := make([]string, 0, tuples+1)
		for i := range tuples {
			parts = append(parts, d[i*tupleSize:(i+1)*tupleSize])
		}
		if short {
			parts = append(parts, d[tuples*tupleSize:])
		} else {
			parts = append(parts, d)
		}
		return strings.Join(parts, "/"), nil
	}, nil
}

func ocflConfigInt(key string, v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s must be a number", key)
	}
	i, err := n.Int64()
	if err != nil || i < 0 || i > 1<<16 {
		return 0, fmt.Errorf("%s must be a small non-negative integer", key)
	}
	return int(i), nil
}

// walk validates the storage hierarchy below rel and returns the number of
// objects found there.
func (v *ocflRootValidator) walk(rel string, depth int) int {
	if depth > ocflMaxDirDepth {
		v.r.addError(CodeLimit, rel, "directories nested deeper than %d levels", ocflMaxDirDepth)
		return 0
	}
	if v.canceled() {
		return 0
	}
	entries, err := fs.ReadDir(v.fsys, v.fsPath(rel))
	if err != nil {
		v.readErr(rel, err, "")
		return 0
	}
	if len(entries) == 0 {
		v.r.addError("E073", rel, "empty directory in storage root")
		return 0
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "0="+ocflObjectDeclaration.prefix) || n == "inventory.json" {
			v.checkObject(rel, depth)
			return 1
		}
	}
	objects := 0
	var files []string
	for _, e := range entries {
		p := rel + "/" + e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			v.r.addError("E090", p, "symbolic link in storage hierarchy")
		case e.IsDir():
			objects += v.walk(p, depth+1)
		default:
			files = append(files, p)
		}
	}
	for _, f := range files {
		if objects > 0 {
			v.r.addError("E084", f, "file in an intermediate directory of the storage hierarchy")
		} else {
			v.r.addError("E072", f, "file in the storage hierarchy that is not part of an object")
		}
	}
	// A hierarchy that does not end in an object root (E085) ends in an
	// empty directory (E073), a file (E072) or a link (E090), reported above.
	return objects
}

// checkObject validates the object at rel and how it sits in the root.
func (v *ocflRootValidator) checkObject(rel string, depth int) {
	res := &ValidationResult{}
	info := ocflValidateObject(v.ctx, v.fsys, v.fsPath(rel), res)
	v.objects[rel] = res
	v.depths[depth] = true
	if info.spec != "" && v.spec != "" && info.spec > v.spec {
		v.r.addError("E081", rel, "object declares OCFL %s, newer than the storage root's OCFL %s", info.spec, v.spec)
	}
	if info.id == "" {
		return
	}
	if other, dup := v.ids[info.id]; dup {
		v.r.addError("E037", rel, "object id %q is also used by the object at %s", info.id, other)
	} else {
		v.ids[info.id] = rel
	}
	if v.layout == nil {
		return
	}
	want, err := v.layout(info.id)
	if err != nil || want != rel {
		v.r.addError("E083", rel, "object %q should be at %q according to the storage layout", info.id, want)
	}
}
