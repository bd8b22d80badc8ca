package bagit

import (
	"path"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/magazin-archiv/magazin/profiles"
)

// nameIndex finds a file on disk by a path written in a manifest or in
// fetch.txt when the two differ only in Unicode normalisation (NFC/NFD,
// e.g. a bag made on macOS) or in letter case (a bag made on a
// case-insensitive file system). RFC 8493 leaves both open; bagit-python
// and the LoC conformance suite treat such bags as valid with a warning.
type nameIndex struct {
	exact map[string]bool
	nfc   map[string][]string // NFC form -> names on disk
	fold  map[string][]string // case-folded NFC form -> names on disk
}

func nfc(s string) string { return norm.NFC.String(s) }

func fold(s string) string { return strings.ToLower(nfc(s)) }

func newNameIndex(files map[string]*profiles.File) *nameIndex {
	ix := &nameIndex{exact: map[string]bool{}, nfc: map[string][]string{}, fold: map[string][]string{}}
	for _, name := range sortedKeys(files) {
		ix.exact[name] = true
		ix.nfc[nfc(name)] = append(ix.nfc[nfc(name)], name)
		ix.fold[fold(name)] = append(ix.fold[fold(name)], name)
	}
	return ix
}

// resolve returns the name on disk that p refers to: p itself if it
// exists, else the single name equal to it under NFC (kind
// CodeNormalization), else the single name equal under NFC and case
// folding (kind CodeCase). ok is false when there is none or more than one.
func (ix *nameIndex) resolve(p string) (name, kind string, ok bool) {
	if ix.exact[p] {
		return p, "", true
	}
	if c := ix.nfc[nfc(p)]; len(c) == 1 {
		return c[0], CodeNormalization, true
	}
	if c := ix.fold[fold(p)]; len(c) == 1 {
		return c[0], CodeCase, true
	}
	return "", "", false
}

// variant names how two different spellings of one name differ.
func variant(a, b string) (code, what string) {
	if nfc(a) == nfc(b) {
		return CodeNormalization, "Unicode normalisation (NFC/NFD)"
	}
	return CodeCase, "letter case"
}

// checkCollisions warns about payload and tag files whose names differ only
// in Unicode normalisation or letter case: they cannot coexist on macOS or
// Windows, and a bag copied there loses one of them.
func (r *reader) checkCollisions() {
	all := map[string]*profiles.File{}
	for k, v := range r.payload {
		all[k] = v
	}
	for k, v := range r.tags {
		all[k] = v
	}
	ix := newNameIndex(all)
	for _, key := range sortedKeys(ix.fold) {
		names := ix.fold[key]
		if len(names) < 2 {
			continue
		}
		code, what := CodeCase, "letter case"
		if len(ix.nfc[nfc(names[0])]) == len(names) {
			code, what = CodeNormalization, "Unicode normalisation (NFC/NFD)"
		}
		r.warn(code, names[0], "%d files whose names differ only in %s (%s): they cannot coexist on a file system "+
			"that ignores the difference", len(names), what, strings.Join(quoteAll(names), ", "))
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "\"" + clip(s) + "\""
	}
	return out
}

// systemFiles are names operating systems and file managers leave behind
// (lower case); "._*" (AppleDouble) is matched separately.
var systemFiles = []string{".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", ".directory", "icon\r",
	".spotlight-v100", ".trashes", ".fseventsd", ".temporaryitems", ".appledouble", "__macosx"}

// checkSystemFiles warns about operating system metadata files in the
// payload (the conformance suite's "special-system-files"): they are
// archived like any other file, but were probably bagged by accident.
func (r *reader) checkSystemFiles() {
	for _, p := range sortedKeys(r.payload) {
		for _, seg := range strings.Split(p, "/")[1:] {
			low := strings.ToLower(seg)
			if slices.Contains(systemFiles, low) || strings.HasPrefix(seg, "._") && len(seg) > 2 {
				r.warn(CodeSystemFile, p, "%q is operating system metadata (%s), probably bagged by accident",
					path.Base(p), seg)
				break
			}
		}
	}
}
