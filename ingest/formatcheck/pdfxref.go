package formatcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// pdfcpu rebuilds a damaged cross-reference table silently (in both
// modes), so a PDF whose offsets are wrong passes its validation. The
// classic cross-reference sections are therefore checked here: every
// in-use entry must point at "<number> <generation> obj". Cross-reference
// streams (PDF 1.5+) are compressed and left to pdfcpu.

// Bounds of the cross-reference check.
const (
	maxXrefSections = 64
	maxXrefEntries  = 2_000_000
)

var (
	reObjHeader = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+obj\b`)
	rePrev      = regexp.MustCompile(`/Prev\s+(\d+)`)
)

type xrefEntry struct {
	num, gen int
	off      int64
}

// checkXref returns a description of the first defect of the classic
// cross-reference sections, or "".
func checkXref(src *source) string {
	off, msg := startxref(src)
	if msg != "" {
		return msg
	}
	var entries []xrefEntry
	seen := map[int64]bool{}
	for sections := 0; off >= 0; sections++ {
		if sections == maxXrefSections || seen[off] {
			break
		}
		seen[off] = true
		es, prev, msg := xrefSection(src, off, maxXrefEntries-len(entries))
		if msg != "" {
			return msg
		}
		if es == nil && prev < 0 { // a cross-reference stream
			break
		}
		entries = append(entries, es...)
		off = prev
	}
	bad, first := 0, ""
	var buf [48]byte
	for _, e := range entries {
		n, _ := src.ReadAt(buf[:], e.off)
		m := reObjHeader.FindSubmatch(buf[:n])
		if m != nil && atoi(m[1]) == e.num && atoi(m[2]) == e.gen {
			continue
		}
		bad++
		if first == "" {
			first = fmt.Sprintf("object %d %d not at offset %d", e.num, e.gen, e.off)
		}
	}
	if bad > 0 {
		return fmt.Sprintf("cross-reference table damaged: %d of %d objects are not where it says (first: %s); readers have to rebuild it",
			bad, len(entries), first)
	}
	return ""
}

func atoi(b []byte) int {
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return -1
	}
	return n
}

// startxref returns the offset after the last "startxref" keyword.
func startxref(src *source) (int64, string) {
	n := min(src.size, 2048)
	buf := make([]byte, n)
	if _, err := src.ReadAt(buf, src.size-n); err != nil && err != io.EOF {
		return -1, "" // an I/O error: the source reports it
	}
	i := bytes.LastIndex(buf, []byte("startxref"))
	if i < 0 {
		return -1, "no startxref keyword near the end of the file"
	}
	f := strings.Fields(string(buf[i+len("startxref"):]))
	if len(f) == 0 {
		return -1, "startxref without an offset"
	}
	off, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || off < 0 || off >= src.size {
		return -1, fmt.Sprintf("startxref offset %q is not an offset in the file", f[0])
	}
	return off, ""
}

// xrefSection parses the classic section at off, returning its in-use
// entries and the /Prev offset (-1 if none). A cross-reference stream
// yields (nil, -1, "").
func xrefSection(src *source, off int64, maxEntries int) ([]xrefEntry, int64, string) {
	br := bufio.NewReaderSize(io.NewSectionReader(src, off, src.size-off), 4096)
	head, _ := br.Peek(64)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case bytes.HasPrefix(trimmed, []byte("xref")):
	case reObjHeader.Match(head):
		return nil, -1, "" // a cross-reference stream
	default:
		return nil, -1, fmt.Sprintf("offset %d given by startxref or /Prev is not a cross-reference section", off)
	}
	line := func() (string, bool) {
		// PDF lines end in CR, LF or CR LF.
		var b []byte
		for len(b) < 256 {
			c, err := br.ReadByte()
			if err != nil {
				return string(b), len(b) > 0
			}
			if c == '\r' {
				if n, _ := br.Peek(1); len(n) == 1 && n[0] == '\n' {
					br.ReadByte()
				}
				return string(b), true
			}
			if c == '\n' {
				return string(b), true
			}
			b = append(b, c)
		}
		return string(b), true
	}
	first, _ := line()
	for strings.TrimSpace(first) == "" {
		var ok bool
		if first, ok = line(); !ok {
			return nil, -1, fmt.Sprintf("cross-reference section at %d is empty", off)
		}
	}
	if rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(first), "xref")); rest != "" {
		// "xref 0 6" on one line: treat the rest as the first subsection header
		return subsections(br, line, rest, off, maxEntries)
	}
	return subsections(br, line, "", off, maxEntries)
}

func subsections(br *bufio.Reader, line func() (string, bool), pending string, off int64, maxEntries int) ([]xrefEntry, int64, string) {
	var entries []xrefEntry
	for {
		l := pending
		pending = ""
		if l == "" {
			var ok bool
			if l, ok = line(); !ok {
				return nil, -1, fmt.Sprintf("cross-reference section at %d ends without a trailer", off)
			}
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "trailer") {
			return entries, prevOffset(br, l), ""
		}
		f := strings.Fields(l)
		if len(f) != 2 {
			return nil, -1, fmt.Sprintf("cross-reference section at %d: %q is neither a subsection header nor \"trailer\"", off, clip(l))
		}
		start, err1 := strconv.Atoi(f[0])
		count, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil || start < 0 || count < 0 {
			return nil, -1, fmt.Sprintf("cross-reference section at %d: bad subsection header %q", off, clip(l))
		}
		for i := range count {
			l, ok := line()
			if !ok {
				return nil, -1, fmt.Sprintf("cross-reference section at %d ends inside a subsection", off)
			}
			e := strings.Fields(l)
			if len(e) != 3 || len(e[0]) != 10 || len(e[1]) != 5 || (e[2] != "n" && e[2] != "f") {
				return nil, -1, fmt.Sprintf("cross-reference section at %d: entry for object %d is malformed: %q", off, start+i, clip(l))
			}
			if e[2] == "f" {
				continue
			}
			o, err1 := strconv.ParseInt(e[0], 10, 64)
			g, err2 := strconv.Atoi(e[1])
			if err1 != nil || err2 != nil {
				return nil, -1, fmt.Sprintf("cross-reference section at %d: entry for object %d is malformed: %q", off, start+i, clip(l))
			}
			if len(entries) < maxEntries {
				entries = append(entries, xrefEntry{start + i, g, o})
			}
		}
	}
}

// prevOffset reads the trailer dictionary for /Prev.
func prevOffset(br *bufio.Reader, first string) int64 {
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(br, buf)
	trailer := first + string(buf[:n])
	if i := strings.Index(trailer, "startxref"); i >= 0 {
		trailer = trailer[:i]
	}
	m := rePrev.FindStringSubmatch(trailer)
	if m == nil {
		return -1
	}
	p, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return -1
	}
	return p
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
