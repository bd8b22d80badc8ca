package formatcheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// xmlPUIDs are XML 1.0 and formats built on it.
var xmlPUIDs = set(
	"fmt/101", "fmt/1776", "x-fmt/280", // XML 1.0, XML 1.1, XSD
	"fmt/91", "fmt/92", "fmt/413", // SVG
	"x-fmt/227", "fmt/1047", "fmt/244", // GML, GML 3.2, KML
	"fmt/102", "fmt/103", // XHTML 1.0, 1.1
	"fmt/875",                                      // RDF/XML
	"fmt/1474", "fmt/1475", "fmt/1476", "fmt/1477", // TEI
)

// xhtmlPUIDs may use the HTML entities their DTD declares.
var xhtmlPUIDs = set("fmt/102", "fmt/103")

var xmlKind = &kind{tool: "Go encoding/xml", version: goVersion, check: checkXML}

func checkXML(ctx context.Context, c *Checker, src *source, puid string, rep *report) (string, bool) {
	const detail = "XML well-formedness (streaming, non-validating; internal DTD entities; no schema)"
	if puid == "fmt/1776" {
		return "XML 1.1 not checked: encoding/xml reads XML 1.0 only", false
	}
	err := wellFormed(bufio.NewReader(src.reader()), c.lim, xhtmlPUIDs[puid], nil)
	var lim *xmlLimitError
	switch {
	case errors.As(err, &lim):
		rep.add(CodeLimit, "XML not completely checked: %v", err)
	case errors.Is(err, errXML11):
		return "XML 1.1 not checked: encoding/xml reads XML 1.0 only", false
	case err != nil:
		rep.add(CodeInvalid, "XML not well-formed: %v", err)
	}
	return detail, true
}

// xmlLimitError reports a limit, not a defect.
type xmlLimitError struct{ msg string }

func (e *xmlLimitError) Error() string { return e.msg }

var errXML11 = errors.New("XML 1.1")

// tokenLimiter fails reads once more than max bytes were read since the
// last reset, i.e. within one token (plus the decoder's read-ahead).
type tokenLimiter struct {
	r        io.Reader
	n, max   int64
	exceeded bool
}

func (t *tokenLimiter) Read(p []byte) (int, error) {
	if t.n > t.max {
		t.exceeded = true
		return 0, &xmlLimitError{fmt.Sprintf("a token longer than %d bytes", t.max)}
	}
	n, err := t.r.Read(p)
	t.n += int64(n)
	return n, err
}

// wellFormed reads r as one XML 1.0 document and returns nil, an
// *xmlLimitError, errXML11, or the first well-formedness error. Besides
// what encoding/xml checks (tag nesting, names, attribute syntax,
// character references, characters allowed in XML) it checks what it
// leaves out: one root element, nothing but comments, processing
// instructions and white space outside it, the XML declaration only at the
// start, one DOCTYPE before the root, unique attributes. Entities declared
// in the internal DTD subset are known; with html, so are HTML's. onStart,
// if not nil, sees every start element.
func wellFormed(r io.Reader, lim Limits, html bool, onStart func(xml.StartElement)) error {
	r, utf16, err := sniffEncoding(r)
	if err != nil {
		return err
	}
	tl := &tokenLimiter{r: r, max: lim.MaxXMLToken}
	d := xml.NewDecoder(tl)
	d.Strict = true
	d.CharsetReader = charsetReader
	if utf16 {
		d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
			if strings.HasPrefix(strings.ToLower(label), "utf-16") {
				return in, nil // already transcoded
			}
			return nil, fmt.Errorf("encoding %q declared in a UTF-16 document", label)
		}
	}
	if html {
		d.Entity = maps.Clone(xml.HTMLEntity)
	}
	const (
		prolog = iota
		inRoot
		epilog
	)
	state, depth, tokens := prolog, 0, 0
	externalDTD, sawDOCTYPE := false, false
	for {
		tl.n = 0
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *xmlLimitError
			if errors.As(err, &le) || tl.exceeded {
				return &xmlLimitError{fmt.Sprintf("a token longer than %d bytes at line %d", lim.MaxXMLToken, line(d))}
			}
			if strings.Contains(err.Error(), `unsupported version "1.1"`) {
				return errXML11
			}
			if externalDTD && strings.Contains(err.Error(), "invalid character entity") {
				return fmt.Errorf("%w (the entity may be declared in the external DTD, which is not read)", err)
			}
			return err
		}
		tokens++
		switch t := tok.(type) {
		case xml.StartElement:
			if state == epilog {
				return fmt.Errorf("line %d: a second root element <%s>", line(d), t.Name.Local)
			}
			state = inRoot
			depth++
			if depth > lim.MaxXMLDepth {
				return &xmlLimitError{fmt.Sprintf("elements nested deeper than %d at line %d", lim.MaxXMLDepth, line(d))}
			}
			if err := uniqueAttrs(t); err != nil {
				return fmt.Errorf("line %d: %w", line(d), err)
			}
			if onStart != nil {
				onStart(t)
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				state = epilog
			}
		case xml.CharData:
			if state != inRoot && len(bytes.TrimLeft(t, " \t\r\n")) > 0 {
				return fmt.Errorf("line %d: text outside the root element", line(d))
			}
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") && tokens != 1 {
				return fmt.Errorf("line %d: XML declaration not at the start of the document", line(d))
			}
		case xml.Directive:
			if state != prolog || sawDOCTYPE || !bytes.HasPrefix(t, []byte("DOCTYPE")) {
				return fmt.Errorf("line %d: <!%s> is not a DOCTYPE before the root element", line(d), firstWord(t))
			}
			sawDOCTYPE = true
			var ents map[string]string
			externalDTD, ents = parseDOCTYPE(t)
			if len(ents) > 0 {
				if d.Entity == nil {
					d.Entity = make(map[string]string, len(ents))
				}
				maps.Copy(d.Entity, ents)
			}
		}
	}
	if state == prolog {
		return errors.New("no root element")
	}
	return nil
}

func line(d *xml.Decoder) int { l, _ := d.InputPos(); return l }

func firstWord(b []byte) string {
	w, _, _ := strings.Cut(string(b), " ")
	if len(w) > 20 {
		w = w[:20]
	}
	return w
}

func uniqueAttrs(t xml.StartElement) error {
	for i := 1; i < len(t.Attr); i++ {
		for j := 0; j < i; j++ {
			if t.Attr[i].Name == t.Attr[j].Name {
				return fmt.Errorf("attribute %q repeated in <%s>", t.Attr[i].Name.Local, t.Name.Local)
			}
		}
	}
	return nil
}

// sniffEncoding skips a UTF-8 byte order mark and transcodes UTF-16 with
// a byte order mark to UTF-8.
func sniffEncoding(r io.Reader) (io.Reader, bool, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	b, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		br.Discard(3)
		return br, false, nil
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}), bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		return dec.Reader(br), true, nil
	}
	return br, false, nil
}

// charsetReader decodes the encodings IANA registers (ISO-8859-1,
// windows-1252 ...) for encoding/xml.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return in, nil
	}
	var e encoding.Encoding
	if enc, err := ianaindex.IANA.Encoding(label); err == nil && enc != nil {
		e = enc
	} else if enc, err := htmlindex.Get(label); err == nil {
		e = enc
	}
	if e == nil {
		return nil, fmt.Errorf("unknown encoding %q", label)
	}
	return e.NewDecoder().Reader(in), nil
}

var (
	reExternalID = regexp.MustCompile(`^DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)\b`)
	reEntity     = regexp.MustCompile(`<!ENTITY\s+([^\s%][^\s"'>]*)\s+(?:"([^"]*)"|'([^']*)'|(SYSTEM|PUBLIC)\b)`)
)

// maxEntities bounds the entities taken from an internal DTD subset.
const maxEntities = 10000

// parseDOCTYPE reports whether a DOCTYPE names an external DTD and returns
// the general entities its internal subset declares (an external entity
// maps to "": its text is not read).
func parseDOCTYPE(dt []byte) (external bool, ents map[string]string) {
	external = reExternalID.Match(dt)
	for _, m := range reEntity.FindAllSubmatch(dt, maxEntities) {
		if ents == nil {
			ents = make(map[string]string)
		}
		name := string(m[1])
		if _, dup := ents[name]; dup { // the first declaration binds
			continue
		}
		switch {
		case m[2] != nil:
			ents[name] = string(m[2])
		case m[3] != nil:
			ents[name] = string(m[3])
		default:
			ents[name] = ""
		}
	}
	return external, ents
}
