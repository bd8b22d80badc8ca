package bagit

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// SyntaxError is a malformed line in a tag file.
type SyntaxError struct {
	// Line is the 1-based line number.
	Line int
	// Msg says what is wrong.
	Msg string
}

func (e SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// bom is the UTF-8 byte order mark.
var bom = []byte{0xEF, 0xBB, 0xBF}

// lines splits data into lines ended by LF, CRLF or CR (RFC 8493 §2.1 allows
// all three). A final line ending does not start another line.
func lines(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i])
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return out
}

// Declaration is the content of the bag declaration bagit.txt.
type Declaration struct {
	// Version is the BagIt-Version as written, e.g. "1.0" or "0.97".
	Version string
	// Major and Minor are the parsed version numbers.
	Major, Minor int
	// Encoding is the Tag-File-Character-Encoding as written, e.g. "UTF-8".
	Encoding string
}

// AtLeast reports whether the declared version is major.minor or later.
func (d Declaration) AtLeast(major, minor int) bool {
	return d.Major > major || d.Major == major && d.Minor >= minor
}

// IsUTF8 reports whether the declared tag file encoding is UTF-8.
func (d Declaration) IsUTF8() bool { return strings.EqualFold(d.Encoding, "UTF-8") }

// ParseDeclaration parses bagit.txt strictly (RFC 8493 §2.1.1): no byte
// order mark, exactly the two elements "BagIt-Version: M.N" and
// "Tag-File-Character-Encoding: ENCODING", each once, the label followed
// directly by a colon and whitespace. Trailing whitespace and empty lines at
// the end are tolerated. It does not judge the encoding's name.
func ParseDeclaration(data []byte) (Declaration, error) {
	var d Declaration
	if bytes.HasPrefix(data, bom) {
		return d, fmt.Errorf("starts with a byte order mark")
	}
	ls := lines(data)
	for len(ls) > 0 && len(bytes.TrimSpace(ls[len(ls)-1])) == 0 {
		ls = ls[:len(ls)-1]
	}
	seen := map[string]bool{}
	for i, l := range ls {
		line := string(l)
		label, value, ok := strings.Cut(line, ":")
		if !ok {
			return d, SyntaxError{i + 1, fmt.Sprintf("%q is not \"Label: value\"", line)}
		}
		if value == "" || value[0] != ' ' && value[0] != '\t' {
			return d, SyntaxError{i + 1, fmt.Sprintf("no whitespace after the colon in %q", line)}
		}
		value = strings.TrimSpace(value)
		switch label {
		case "BagIt-Version":
			d.Version = value
		case "Tag-File-Character-Encoding":
			d.Encoding = value
		default:
			return d, SyntaxError{i + 1, fmt.Sprintf("unexpected element %q", label)}
		}
		if seen[label] {
			return d, SyntaxError{i + 1, fmt.Sprintf("%s given twice", label)}
		}
		seen[label] = true
	}
	if d.Version == "" {
		return d, fmt.Errorf("no BagIt-Version")
	}
	if d.Encoding == "" {
		return d, fmt.Errorf("no Tag-File-Character-Encoding")
	}
	major, minor, ok := strings.Cut(d.Version, ".")
	var err1, err2 error
	d.Major, err1 = parseDigits(major)
	d.Minor, err2 = parseDigits(minor)
	if !ok || err1 != nil || err2 != nil {
		return d, fmt.Errorf("BagIt-Version %q is not M.N", d.Version)
	}
	return d, nil
}

// parseDigits parses a non-empty run of ASCII digits.
func parseDigits(s string) (int, error) {
	if s == "" || len(s) > 6 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return strconv.Atoi(s)
}

// Tag is one metadata element of bag-info.txt.
type Tag struct {
	// Line is the 1-based line where the element starts.
	Line int
	// Label is the label as written, without surrounding whitespace.
	Label string
	// Value is the value with continuation lines joined by single spaces.
	Value string
}

// ParseBagInfo parses bag-info.txt (RFC 8493 §2.2.2): "Label: value"
// elements, labels repeatable, a value continued on following lines that
// start with whitespace. It is lenient where bags in the wild differ from
// the RFC: whitespace around the colon, empty lines and a leading byte order
// mark are accepted. Lines that cannot be read are returned as syntax
// errors; the elements that could be read are returned in their order.
// It does not check the encoding.
func ParseBagInfo(data []byte) ([]Tag, []SyntaxError) {
	data = bytes.TrimPrefix(data, bom)
	var tags []Tag
	var errs []SyntaxError
	for i, l := range lines(data) {
		line := string(l)
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(tags) == 0 {
				errs = append(errs, SyntaxError{i + 1, "continuation line without a preceding element"})
				continue
			}
			if more := strings.TrimSpace(line); more != "" {
				t := &tags[len(tags)-1]
				if t.Value == "" {
					t.Value = more
				} else {
					t.Value += " " + more
				}
			}
			continue
		}
		label, value, ok := strings.Cut(line, ":")
		label = strings.TrimSpace(label)
		if !ok || label == "" {
			errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("%q is not \"Label: value\"", clip(line))})
			continue
		}
		tags = append(tags, Tag{Line: i + 1, Label: label, Value: strings.TrimSpace(value)})
	}
	return tags, errs
}

// ManifestEntry is one line of a payload or tag manifest.
type ManifestEntry struct {
	// Line is the 1-based line number.
	Line int
	// Digest is the checksum in lower-case hex.
	Digest string
	// Path is the file path as written, percent-decoded (see DecodePath)
	// but otherwise unchecked: it may be unsafe, start with "./" or lie
	// outside the payload directory.
	Path string
	// BinaryMarker is set when the line was written by md5sum-style tools
	// as "digest *path"; the "*" is not part of Path.
	BinaryMarker bool
}

// digestLen is the hex length of each algorithm's digest.
var digestLen = map[string]int{
	"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
}

// ParseManifest parses a manifest (RFC 8493 §2.1.3, §2.2.1): lines of
// "checksum path" separated by one or more spaces or tabs. alg is the
// algorithm from the manifest's file name; for a known algorithm the digest
// length is checked. Empty lines are skipped; a leading byte order mark is
// ignored. Malformed lines are returned as syntax errors.
func ParseManifest(data []byte, alg string) ([]ManifestEntry, []SyntaxError) {
	data = bytes.TrimPrefix(data, bom)
	var entries []ManifestEntry
	var errs []SyntaxError
	want := digestLen[alg]
	for i, l := range lines(data) {
		line := string(l)
		if line == "" {
			continue
		}
		sep := strings.IndexAny(line, " \t")
		if sep <= 0 {
			if sep < 0 {
				errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("%q is not \"checksum path\"", clip(line))})
			} else {
				errs = append(errs, SyntaxError{i + 1, "line starts with whitespace"})
			}
			continue
		}
		digest, rest := line[:sep], line[sep:]
		if !isHex(digest) {
			errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("checksum %q is not hexadecimal", clip(digest))})
			continue
		}
		if want > 0 && len(digest) != want {
			errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("%s checksum has %d hex digits, want %d", alg, len(digest), want)})
			continue
		}
		e := ManifestEntry{Line: i + 1, Digest: strings.ToLower(digest)}
		if len(rest) > 2 && rest[0] == ' ' && rest[1] == '*' {
			// md5sum's binary mode: exactly one space, then "*".
			e.BinaryMarker = true
			rest = rest[2:]
		} else {
			rest = strings.TrimLeft(rest, " \t")
		}
		if rest == "" {
			errs = append(errs, SyntaxError{i + 1, "no path after the checksum"})
			continue
		}
		e.Path = DecodePath(rest)
		entries = append(entries, e)
	}
	return entries, errs
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// clip shortens s for messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// DecodePath undoes the percent-encoding of RFC 8493 §2.1.3: "%0D", "%0A"
// and "%25" (in either letter case) become CR, LF and "%". Any other "%" is
// literal, as older bags wrote names like "%7Efile" unencoded.
func DecodePath(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			switch strings.ToUpper(s[i+1 : i+3]) {
			case "0D":
				b.WriteByte('\r')
				i += 2
				continue
			case "0A":
				b.WriteByte('\n')
				i += 2
				continue
			case "25":
				b.WriteByte('%')
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// EncodePath percent-encodes CR, LF and "%" in a path for a manifest line
// (RFC 8493 §2.1.3). DecodePath(EncodePath(s)) == s for every s.
func EncodePath(s string) string {
	if !strings.ContainsAny(s, "\r\n%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			b.WriteString("%0D")
		case '\n':
			b.WriteString("%0A")
		case '%':
			b.WriteString("%25")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// cleanPath checks a path from a manifest and returns it without leading
// "./" components. dotSlash reports whether any were removed. It rejects
// what could point outside the bag or is ambiguous: empty paths, absolute
// paths, empty, "." and ".." segments, and NUL bytes.
func cleanPath(p string) (clean string, dotSlash bool, err error) {
	for strings.HasPrefix(p, "./") {
		p = p[2:]
		dotSlash = true
	}
	switch {
	case p == "":
		return "", dotSlash, fmt.Errorf("empty path")
	case strings.HasPrefix(p, "/"):
		return "", dotSlash, fmt.Errorf("absolute path")
	case strings.ContainsRune(p, 0):
		return "", dotSlash, fmt.Errorf("NUL byte in path")
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "..":
			return "", dotSlash, fmt.Errorf("path leaves its directory (\"..\")")
		case ".", "":
			return "", dotSlash, fmt.Errorf("path has an empty or \".\" segment")
		}
	}
	return p, dotSlash, nil
}
