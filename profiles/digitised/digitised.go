package digitised

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // masters: JPEG
	_ "image/png"  // masters: PNG
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	_ "golang.org/x/image/tiff" // masters: TIFF

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
	"github.com/magazin-archiv/magazin/profiles/bagit"
)

// Name is the profile's name as used by --profile.
const Name = "digitised"

// MappingFile is the name of a batch's mapping file (Signatur;Ordner).
const MappingFile = "digitalisate.csv"

// Modes of a re-digitisation: the third column of a mapping line
// ("Signatur;Ordner;Modus"). They matter only for a unit whose images are
// archived already; its AIP then gets a new version.
const (
	// ModeReplace (the default, also for an empty Modus and the one-unit
	// layout): the folder holds the unit's complete new set of pages; the
	// AIP's current images are replaced (and kept in its earlier version).
	ModeReplace = "ersetzen"
	// ModeSupplement: the folder holds pages delivered later (or
	// corrected pages under the name they have in the AIP); they join the
	// AIP's current images.
	ModeSupplement = "ergaenzen"
)

// SourcePrefix starts the SourceID of every unit the profile reads, followed
// by the Signatur.
const SourcePrefix = "digitised:"

// Problem codes (see docs/problem-codes.md, section "digitised"). All are
// errors.
const (
	// CodeMapping: a malformed line of the mapping file, a folder that is
	// not a relative path inside the batch, missing, or mapped twice.
	CodeMapping = "DIGITISED_MAPPING"
	// CodeSignaturDuplicate: one Signatur mapped to two folders.
	CodeSignaturDuplicate = "DIGITISED_SIGNATUR_DUPLICATE"
	// CodeUnmapped: a file or folder of the batch that the mapping does
	// not name.
	CodeUnmapped = "DIGITISED_UNMAPPED"
	// CodeLayout: a subfolder, symbolic link or special file in a unit
	// folder, or a name that is not valid UTF-8.
	CodeLayout = "DIGITISED_LAYOUT"
	// CodeEmpty: a unit folder without any image.
	CodeEmpty = "DIGITISED_EMPTY"
	// CodeNotImage: a file that is not a TIFF, JPEG or PNG master.
	CodeNotImage = "DIGITISED_NOT_IMAGE"
	// CodePageDuplicate: two images of one unit with the same page number
	// (ingest also reports a supplement page numbered like an archived
	// page of another name).
	CodePageDuplicate = "DIGITISED_PAGE_DUPLICATE"
	// CodeUnreadable: an image whose header cannot be decoded.
	CodeUnreadable = "DIGITISED_UNREADABLE"
	// CodeUnknownSignatur: no unit in the catalog has the Signatur
	// (reported by ingest).
	CodeUnknownSignatur = "DIGITISED_UNKNOWN_SIGNATUR"
	// CodeTarget: the Signatur names a unit that cannot take images: a
	// structural unit (Tektonik, Bestand, Gliederung), a unit whose
	// records are archived in an AIP other than its digitisation AIP (of
	// which new scans make a new version), or more than one unit (reported
	// by ingest).
	CodeTarget = "DIGITISED_TARGET"
)

// Codes lists every problem code of the profile.
func Codes() []string {
	return []string{CodeMapping, CodeSignaturDuplicate, CodeUnmapped, CodeLayout, CodeEmpty, CodeNotImage,
		CodePageDuplicate, CodeUnreadable, CodeUnknownSignatur, CodeTarget}
}

// imageExts are the extensions of masters.
var imageExts = []string{".tif", ".tiff", ".jpg", ".jpeg", ".png"}

// IsImageName reports whether name has the extension of a master.
func IsImageName(name string) bool {
	return slices.Contains(imageExts, strings.ToLower(path.Ext(name)))
}

// Profile is the digitised profile. The zero value is ready to use.
type Profile struct{}

var _ profiles.Profile = Profile{}

// New returns the digitised profile.
func New() Profile { return Profile{} }

// Name returns "digitised".
func (Profile) Name() string { return Name }

// Detect reports whether root holds a mapping file (the batch layout).
func (Profile) Detect(root string) bool {
	fi, err := os.Lstat(filepath.Join(root, MappingFile))
	return err == nil && fi.Mode().IsRegular()
}

// Read reads a batch (root holds MappingFile) or one unit's folder.
// Problems go into the Transfer; the error is reserved for I/O failures,
// a root that is not a directory, and cancellation.
func (p Profile) Read(ctx context.Context, root string) (*profiles.Transfer, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("digitised: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("digitised: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("digitised: %s is not a directory", root)
	}
	t := &profiles.Transfer{Profile: Name, Title: "Digitalisate " + filepath.Base(root), Description: map[string]any{}}
	if p.Detect(root) {
		err = readBatch(ctx, root, t)
	} else {
		sig := filepath.Base(root)
		if id, ok := bagIdentifier(root); ok {
			sig = id
		}
		err = readUnit(ctx, root, "", sig, false, t)
	}
	if err != nil {
		return nil, err
	}
	pages := 0
	for _, u := range t.Units {
		pages += len(u.Files)
	}
	t.Description["digitisedUnits"] = len(t.Units)
	t.Description["digitisedPages"] = pages
	slices.SortFunc(t.Files, func(a, b profiles.File) int { return strings.Compare(a.Name, b.Name) })
	return t, nil
}

// mapping is one line of the mapping file.
type mapping struct {
	line       int
	sig        string
	folder     string // slash separated, relative to the batch
	supplement bool   // Modus ergaenzen
}

func readBatch(ctx context.Context, root string, t *profiles.Transfer) error {
	b, err := os.ReadFile(filepath.Join(root, MappingFile))
	if err != nil {
		return fmt.Errorf("digitised: %w", err)
	}
	t.Metadata = append(t.Metadata, profiles.File{Name: MappingFile, Path: filepath.Join(root, MappingFile), Size: int64(len(b))})
	maps, probs := parseMapping(b)
	t.Problems = append(t.Problems, probs...)
	bySig, byFolder := map[string]int{}, map[string]int{}
	var valid []mapping
	for _, m := range maps {
		if l, dup := bySig[m.sig]; dup {
			t.Problems = append(t.Problems, problem(CodeSignaturDuplicate, MappingFile,
				"line %d: Signatur %q is mapped already in line %d", m.line, m.sig, l))
			continue
		}
		if l, dup := byFolder[m.folder]; dup {
			t.Problems = append(t.Problems, problem(CodeMapping, MappingFile,
				"line %d: folder %q is mapped already in line %d", m.line, m.folder, l))
			continue
		}
		bySig[m.sig], byFolder[m.folder] = m.line, m.line
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(m.folder)))
		if err != nil || !fi.IsDir() {
			t.Problems = append(t.Problems, problem(CodeMapping, MappingFile,
				"line %d: folder %q of Signatur %q is not a folder of the batch", m.line, m.folder, m.sig))
			continue
		}
		valid = append(valid, m)
	}
	// Everything in the batch must belong to a mapped folder.
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		name := filepath.ToSlash(rel)
		if name == MappingFile {
			return nil
		}
		if _, ok := byFolder[name]; ok && d.IsDir() {
			return fs.SkipDir
		}
		if d.IsDir() && isAncestor(name, byFolder) {
			return nil
		}
		t.Problems = append(t.Problems, problem(CodeUnmapped, strings.ToValidUTF8(name, "\uFFFD"),
			"not named in %s: its content would belong to no unit", MappingFile))
		if d.IsDir() {
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("digitised: reading %s: %w", root, err)
	}
	for _, m := range valid {
		if err := readUnit(ctx, filepath.Join(root, filepath.FromSlash(m.folder)), m.folder, m.sig, m.supplement, t); err != nil {
			return err
		}
	}
	return nil
}

// isAncestor reports whether dir is a parent folder of a mapped folder.
func isAncestor(dir string, folders map[string]int) bool {
	for f := range folders {
		if strings.HasPrefix(f, dir+"/") {
			return true
		}
	}
	return false
}

// parseMapping parses the mapping file.
func parseMapping(b []byte) ([]mapping, preservation.Problems) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var probs preservation.Problems
	if !utf8.Valid(b) {
		return nil, preservation.Problems{problem(CodeMapping, MappingFile, "the mapping file is not UTF-8")}
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []mapping
	for n := 0; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			probs = append(probs, problem(CodeMapping, MappingFile, "line %d: %v", line, err))
			if pe == nil {
				break
			}
			continue
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if n == 0 && len(rec) >= 1 && strings.EqualFold(rec[0], "Signatur") {
			continue // header
		}
		if len(rec) < 2 || len(rec) > 3 || rec[0] == "" || rec[1] == "" {
			probs = append(probs, problem(CodeMapping, MappingFile, "line %d: want \"Signatur;Ordner\" or \"Signatur;Ordner;Modus\", got %d fields", line, len(rec)))
			continue
		}
		supplement := false
		if len(rec) == 3 {
			switch strings.ToLower(rec[2]) {
			case "", ModeReplace:
			case ModeSupplement, "ergänzen":
				supplement = true
			default:
				probs = append(probs, problem(CodeMapping, MappingFile, "line %d: Modus %q: want %q or %q", line, rec[2], ModeReplace, ModeSupplement))
				continue
			}
		}
		folder := strings.TrimSuffix(strings.TrimPrefix(rec[1], "./"), "/")
		if !filepath.IsLocal(filepath.FromSlash(folder)) || strings.Contains(folder, "\\") || folder == "." {
			probs = append(probs, problem(CodeMapping, MappingFile, "line %d: folder %q is not a relative path inside the batch", line, rec[1]))
			continue
		}
		out = append(out, mapping{line: line, sig: rec[0], folder: path.Clean(folder), supplement: supplement})
	}
	if len(out) == 0 && len(probs) == 0 {
		probs = append(probs, problem(CodeMapping, MappingFile, "the mapping file names no folder"))
	}
	return out, probs
}

// readUnit reads the folder dir (named prefix in the batch, "" for the
// one-unit layout) as the images of the unit sig; supplement is the
// mapping's Modus ergaenzen.
func readUnit(ctx context.Context, dir, prefix, sig string, supplement bool, t *profiles.Transfer) error {
	u := profiles.Unit{Unit: preservation.Unit{Level: preservation.LevelAkte, Signatur: sig, Title: sig, SourceID: SourcePrefix + sig},
		Existing: true, Supplement: supplement}
	name := func(n string) string {
		if prefix == "" {
			return n
		}
		return prefix + "/" + n
	}
	var files []profiles.File
	if isBag(dir) {
		bt, err := bagit.New().Read(ctx, dir)
		if err != nil {
			return fmt.Errorf("digitised: %w", err)
		}
		for _, p := range bt.Problems {
			if p.Path != "" {
				p.Path = name(p.Path)
			} else {
				p.Path = prefix
			}
			t.Problems = append(t.Problems, p)
		}
		for _, f := range bt.Files {
			if strings.Contains(f.Name, "/") {
				t.Problems = append(t.Problems, problem(CodeLayout, name("data/"+f.Name), "a unit's images lie directly in its folder, not in subfolders"))
				continue
			}
			files = append(files, f)
		}
		for _, m := range bt.Metadata {
			m.Name = name(m.Name)
			u.Metadata = append(u.Metadata, m)
		}
	} else {
		es, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("digitised: %w", err)
		}
		for _, e := range es {
			n := e.Name()
			if !utf8.ValidString(n) {
				t.Problems = append(t.Problems, problem(CodeLayout, strings.ToValidUTF8(name(n), "\uFFFD"), "name is not valid UTF-8"))
				continue
			}
			switch typ := e.Type(); {
			case typ.IsDir():
				t.Problems = append(t.Problems, problem(CodeLayout, name(n), "a unit's images lie directly in its folder, not in subfolders"))
				continue
			case !typ.IsRegular():
				t.Problems = append(t.Problems, problem(CodeLayout, name(n), "not a regular file (%s); links are not followed", typ.Type()))
				continue
			}
			info, err := e.Info()
			if err != nil {
				return fmt.Errorf("digitised: %w", err)
			}
			files = append(files, profiles.File{Name: n, Path: filepath.Join(dir, n), Size: info.Size()})
		}
	}
	slices.SortFunc(files, func(a, b profiles.File) int { return preservation.NaturalCompare(a.Name, b.Name) })
	pages := map[string]string{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f.Name = name(f.Name)
		if !IsImageName(f.Name) {
			t.Problems = append(t.Problems, problem(CodeNotImage, f.Name, "not a master image: TIFF, JPEG or PNG (.tif, .tiff, .jpg, .jpeg, .png) expected"))
			continue
		}
		if msg := checkHeader(f.Path); msg != "" {
			t.Problems = append(t.Problems, problem(CodeUnreadable, f.Name, "the image cannot be read: %s", msg))
		}
		if n, ok := PageNumber(f.Name); ok {
			if other, dup := pages[n]; dup {
				t.Problems = append(t.Problems, problem(CodePageDuplicate, f.Name, "page %s again (also %s)", n, other))
			} else {
				pages[n] = f.Name
			}
		}
		u.Files = append(u.Files, f.Name)
		t.Files = append(t.Files, f)
	}
	if len(u.Files) == 0 {
		where := prefix
		if where == "" {
			where = "."
		}
		t.Problems = append(t.Problems, problem(CodeEmpty, where, "no image for Signatur %q", sig))
	}
	t.Units = append(t.Units, u)
	return nil
}

// PageNumber returns the page number of an image's name: the value of the
// last run of digits in the base name without extension, without leading
// zeros ("0" for zeros only).
func PageNumber(name string) (string, bool) {
	base := path.Base(name)
	base = strings.TrimSuffix(base, path.Ext(base))
	end := -1
	for i := len(base) - 1; i >= 0; i-- {
		if base[i] >= '0' && base[i] <= '9' {
			end = i + 1
			break
		}
	}
	if end < 0 {
		return "", false
	}
	start := end
	for start > 0 && base[start-1] >= '0' && base[start-1] <= '9' {
		start--
	}
	n := strings.TrimLeft(base[start:end], "0")
	if n == "" {
		n = "0"
	}
	return n, true
}

// checkHeader decodes an image's header; it returns why it failed, or "".
func checkHeader(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return "neither TIFF, JPEG nor PNG"
		}
		return err.Error()
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Sprintf("no pixels (%dx%d)", cfg.Width, cfg.Height)
	}
	return ""
}

func isBag(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, "bagit.txt"))
	return err == nil && fi.Mode().IsRegular()
}

// bagIdentifier returns the External-Identifier of the bag at dir.
func bagIdentifier(dir string) (string, bool) {
	if !isBag(dir) {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(dir, "bag-info.txt"))
	if err != nil {
		return "", false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "External-Identifier") {
			if v = strings.TrimSpace(v); v != "" {
				return v, true
			}
		}
	}
	return "", false
}

func problem(code, path, format string, a ...any) preservation.Problem {
	return preservation.Problem{Code: code, Severity: preservation.SeverityError, Path: path, Message: fmt.Sprintf(format, a...)}
}
