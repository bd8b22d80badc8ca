package unpack

import (
	"archive/zip"
	"encoding/binary"
	"hash/crc32"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// zipFlagUTF8 is general purpose flag bit 11: name and comment are UTF-8.
const zipFlagUTF8 = 0x800

// extraUnicodePath is the Info-ZIP Unicode Path extra field.
const extraUnicodePath = 0x7075

// decodeName returns the entry's name as UTF-8 and whether it was decoded
// from CP437. ok is false when a name flagged as UTF-8 is not valid UTF-8.
func decodeName(f *zip.File) (name string, cp437, ok bool) {
	raw := f.Name
	if f.Flags&zipFlagUTF8 != 0 {
		return raw, false, utf8.ValidString(raw)
	}
	if u, found := unicodePathExtra(f.Extra, raw); found {
		return u, false, true
	}
	if utf8.ValidString(raw) { // ASCII, or UTF-8 written without the flag
		return raw, false, true
	}
	s, err := charmap.CodePage437.NewDecoder().String(raw)
	if err != nil { // cannot happen: every byte has a CP437 character
		return raw, false, false
	}
	return s, true, true
}

// unicodePathExtra returns the UTF-8 name of an Info-ZIP Unicode Path extra
// field (version 1) whose CRC-32 matches the header name raw. A field that
// does not match was written for another name and is ignored, as the
// specification demands.
func unicodePathExtra(extra []byte, raw string) (string, bool) {
	for len(extra) >= 4 {
		tag := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if size > len(extra) {
			return "", false
		}
		field := extra[:size]
		extra = extra[size:]
		if tag != extraUnicodePath || len(field) < 5 || field[0] != 1 {
			continue
		}
		if binary.LittleEndian.Uint32(field[1:]) != crc32.ChecksumIEEE([]byte(raw)) {
			continue
		}
		u := string(field[5:])
		if u != "" && utf8.ValidString(u) {
			return u, true
		}
	}
	return "", false
}

// checkName checks a decoded, relative entry name (without a trailing
// slash) and returns a problem code and message, or "" when it is fine.
func checkName(name string, lim Limits) (code, msg string) {
	switch {
	case name == "":
		return CodeName, "empty name"
	case !utf8.ValidString(name):
		return CodeName, "name is not valid UTF-8"
	case name[0] == '/' || name[0] == '\\':
		return CodeAbsolute, "absolute path"
	case len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]):
		return CodeAbsolute, "path starts with a drive letter"
	}
	if strings.ContainsRune(name, '\\') {
		for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
			if seg == ".." {
				return CodeTraversal, `".." segment (with backslash separators)`
			}
		}
		return CodeName, "backslash in name (Windows path separator?)"
	}
	segs := strings.Split(name, "/")
	for _, seg := range segs {
		if seg == ".." {
			return CodeTraversal, `".." segment`
		}
	}
	for _, r := range name {
		if isControl(r) {
			return CodeName, "control character " + strconv.QuoteRuneToASCII(r) + " in name"
		}
	}
	for _, seg := range segs {
		switch {
		case seg == "" || seg == ".":
			return CodeName, `empty or "." path segment`
		case len(seg) > maxSegment:
			return CodeName, "path segment longer than " + strconv.Itoa(maxSegment) + " bytes"
		}
	}
	if len(name) > lim.MaxPathLen {
		return CodeName, "path longer than " + strconv.Itoa(lim.MaxPathLen) + " bytes"
	}
	if len(segs) > lim.MaxDepth {
		return CodeName, "path deeper than " + strconv.Itoa(lim.MaxDepth) + " levels"
	}
	return "", ""
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r <= 0x9f }

// display returns name in a form safe to print: control characters and
// invalid UTF-8 are escaped as in Go string literals.
func display(name string) string {
	if !strings.ContainsFunc(name, func(r rune) bool { return isControl(r) || r == utf8.RuneError }) {
		return name
	}
	q := strconv.Quote(name)
	return q[1 : len(q)-1]
}

// collisionKey maps names that cannot coexist on a case-insensitive,
// normalisation-insensitive file system (Windows, macOS) to the same key.
func collisionKey(name string) string {
	return strings.ToLower(norm.NFC.String(name))
}

// namespace detects colliding names: exact duplicates, case and Unicode
// normalisation variants, and names used both as a file and as a
// directory.
type namespace struct {
	m map[string]nsEntry // collisionKey -> first name with that key
}

type nsEntry struct {
	name string
	dir  bool
}

func newNamespace() *namespace { return &namespace{m: make(map[string]nsEntry)} }

// add records name (a file, or a directory if dir) and its parent
// directories. It returns a message when name collides with an earlier
// one, "" otherwise.
func (ns *namespace) add(name string, dir bool) string {
	// Parents first: each must be (or become) a directory.
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if msg := ns.put(p, true); msg != "" {
			return msg
		}
	}
	return ns.put(name, dir)
}

func (ns *namespace) put(name string, dir bool) string {
	k := collisionKey(name)
	prev, ok := ns.m[k]
	if !ok {
		ns.m[k] = nsEntry{name, dir}
		return ""
	}
	switch {
	case prev.dir && dir && prev.name == name:
		return "" // the same directory again
	case prev.dir != dir:
		f, d := name, prev.name
		if dir {
			f, d = prev.name, name
		}
		if f == d {
			return strconvQ(f) + " is used both as a file and as a directory"
		}
		return "file " + strconvQ(f) + " collides with directory " + strconvQ(d)
	case prev.name == name:
		return "duplicate of an earlier entry"
	case norm.NFC.String(prev.name) == norm.NFC.String(name):
		return "collides with " + strconvQ(prev.name) + " (differs only in Unicode normalisation, NFC/NFD)"
	default:
		return "collides with " + strconvQ(prev.name) + " (differs only in case)"
	}
}

func strconvQ(s string) string { return `"` + display(s) + `"` }
