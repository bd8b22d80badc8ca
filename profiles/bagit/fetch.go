package bagit

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// FetchEntry is one line of fetch.txt (RFC 8493 §2.2.3).
type FetchEntry struct {
	// Line is the 1-based line number.
	Line int
	// URL is where the file would be fetched from.
	URL string
	// Length is the declared size in octets, -1 for "-" (unknown).
	Length int64
	// Path is the file path, percent-decoded (see DecodePath) but
	// otherwise unchecked.
	Path string
}

// ParseFetch parses fetch.txt: lines of "URL LENGTH FILEPATH" separated by
// spaces or tabs, URL an absolute URI, LENGTH a number of octets or "-";
// FILEPATH is the rest of the line and may contain spaces. Empty lines are
// skipped; a leading byte order mark is ignored. Malformed lines are
// returned as syntax errors. The paths are not checked.
func ParseFetch(data []byte) ([]FetchEntry, []SyntaxError) {
	data = trimBOM(data)
	var entries []FetchEntry
	var errs []SyntaxError
	for i, l := range lines(data) {
		line := string(l)
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			errs = append(errs, SyntaxError{i + 1, "line starts with whitespace"})
			continue
		}
		u, rest, ok1 := cutField(line)
		length, rest, ok2 := cutField(rest)
		if !ok1 || !ok2 || rest == "" {
			errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("%q is not \"URL LENGTH FILEPATH\"", clip(line))})
			continue
		}
		if pu, err := url.Parse(u); err != nil || pu.Scheme == "" || !pu.IsAbs() {
			errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("%q is not an absolute URL", clip(u))})
			continue
		}
		e := FetchEntry{Line: i + 1, URL: u, Length: -1, Path: DecodePath(rest)}
		if length != "-" {
			n, err := strconv.ParseInt(length, 10, 64)
			if err != nil || n < 0 || strings.TrimLeft(length, "0123456789") != "" {
				errs = append(errs, SyntaxError{i + 1, fmt.Sprintf("LENGTH %q is neither a number of octets nor \"-\"", clip(length))})
				continue
			}
			e.Length = n
		}
		entries = append(entries, e)
	}
	return entries, errs
}

// cutField returns the text up to the first space or tab, and the rest
// after the run of spaces and tabs that follows it.
func cutField(s string) (field, rest string, ok bool) {
	i := strings.IndexAny(s, " \t")
	if i <= 0 {
		return s, "", false
	}
	return s[:i], strings.TrimLeft(s[i:], " \t"), true
}

func trimBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return data[3:]
	}
	return data
}

// readFetch parses fetch.txt and checks its paths; the usable entries go
// into r.fetch.
func (r *reader) readFetch() error {
	const name = "fetch.txt"
	r.fetch = map[string]FetchEntry{}
	if _, ok := r.tags[name]; !ok {
		return nil
	}
	data, err := r.readText(name)
	if err != nil || data == nil {
		return err
	}
	entries, errs := ParseFetch(data)
	for _, e := range errs {
		r.error(CodeFetchSyntax, name, "%v", e)
	}
	for _, e := range entries {
		clean, _, err := cleanPath(e.Path)
		switch {
		case err != nil:
			r.error(CodeBadPath, name, "line %d: %q: %v", e.Line, clip(e.Path), err)
			continue
		case !strings.HasPrefix(clean, "data/"):
			r.error(CodeBadPath, name, "line %d: %q lies outside the payload directory data/; fetch.txt lists payload files only",
				e.Line, clip(e.Path))
			continue
		}
		if prev, dup := r.fetch[clean]; dup {
			r.error(CodeFetchSyntax, name, "line %d: %q is already listed on line %d", e.Line, clip(clean), prev.Line)
			continue
		}
		e.Path = clean
		r.fetch[clean] = e
	}
	return nil
}

// checkFetch checks the fetch.txt entries against the manifests and the
// bag. magazin never fetches (policy: a submission must be complete): a
// listed file that is not in the bag is an error (BAGIT_FETCH); if every
// listed file is present there is nothing to fetch, which is only a
// warning.
func (r *reader) checkFetch() {
	if len(r.fetch) == 0 {
		return
	}
	inManifest := map[string]map[string]bool{}
	for alg, entries := range r.manifests {
		inManifest[alg] = map[string]bool{}
		for _, e := range entries {
			inManifest[alg][e.Path] = true
		}
	}
	byLine := make([]FetchEntry, 0, len(r.fetch))
	for _, e := range r.fetch {
		byLine = append(byLine, e)
	}
	slices.SortFunc(byLine, func(a, b FetchEntry) int { return a.Line - b.Line })
	present := 0
	for _, e := range byLine {
		var not []string
		for _, alg := range sortedKeys(inManifest) {
			if !inManifest[alg][e.Path] {
				not = append(not, "manifest-"+alg+".txt")
			}
		}
		if len(not) > 0 {
			r.error(CodeUnlisted, e.Path, "listed in fetch.txt (line %d) but not in %s; every fetched file must be in every payload manifest",
				e.Line, strings.Join(not, ", "))
		}
		name, _, ok := r.names.resolve(e.Path)
		if !ok {
			r.fetchMissing++
			if !r.links[e.Path] {
				r.error(CodeFetch, e.Path, "not in the bag: fetch.txt (line %d) lists it to be fetched from %s; magazin never fetches, submit the complete bag",
					e.Line, clip(e.URL))
			}
			continue
		}
		present++
		if size := r.payload[name].Size; e.Length >= 0 && e.Length != size {
			r.warn(CodeFetch, e.Path, "fetch.txt (line %d) gives a LENGTH of %d octets, the file in the bag has %d", e.Line, e.Length, size)
		}
	}
	if present == len(byLine) {
		r.warn(CodeFetch, "fetch.txt", "fetch.txt lists %d file(s), all of which are in the bag: nothing to fetch", present)
	}
}
