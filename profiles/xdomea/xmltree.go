package xdomea

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// node is an element of a parsed message. start and end are the byte
// offsets of the element (start tag to end tag inclusive) in the parsed
// data, used to prune the message without re-serialising it.
type node struct {
	space, local string
	attrs        []xml.Attr
	kids         []*node
	parent       *node
	text         string
	start, end   int
}

// maxDepth bounds element nesting; real messages nest some 20 levels.
const maxDepth = 256

// maxAttr bounds an attribute value. xdomea's attributes are code list
// URIs and versions of some dozen bytes; a huge one would only be copied
// again by every later step (a 64 MiB attribute cost 800 MiB of heap in
// an ingest).
const maxAttr = 64 << 10

// parseTree parses well-formed XML into a tree. It accepts exactly one
// root element.
func parseTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		// toUTF8 transcoded everything else and rewrote the declaration.
		if isUTF8Label(label) {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q", label)
	}
	var root *node
	var stack []*node
	var texts [][]byte
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr, start: off}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				n.parent = p
				p.kids = append(p.kids, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("elements nest deeper than %d levels", maxDepth)
			}
			for _, a := range t.Attr {
				if len(a.Value) > maxAttr {
					return nil, fmt.Errorf("attribute %s of element %s is longer than %d bytes", a.Name.Local, t.Name.Local, maxAttr)
				}
			}
			stack = append(stack, n)
			texts = append(texts, nil)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.end = int(d.InputOffset())
			if len(n.kids) == 0 {
				n.text = strings.TrimSpace(string(texts[len(texts)-1]))
			}
			stack = stack[:len(stack)-1]
			texts = texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			if n := stack[len(stack)-1]; len(n.kids) == 0 {
				texts[len(texts)-1] = append(texts[len(texts)-1], t...)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// child returns the first child element with the local name (in any
// namespace: xdomea elements are qualified, code/name and the 4.0
// Basisnachricht parts are not).
func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.local == local {
			return k
		}
	}
	return nil
}

// children returns all child elements with the local name.
func (n *node) children(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.local == local {
			out = append(out, k)
		}
	}
	return out
}

// get follows a path of local names.
func (n *node) get(path ...string) *node {
	for _, p := range path {
		n = n.child(p)
	}
	return n
}

// str returns the trimmed text at a path, "" when missing.
func (n *node) str(path ...string) string {
	n = n.get(path...)
	if n == nil {
		return ""
	}
	return n.text
}

// first returns the text of the first existing path.
func (n *node) first(paths ...[]string) string {
	for _, p := range paths {
		if s := n.str(p...); s != "" {
			return s
		}
	}
	return ""
}

func (n *node) attr(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// code reads an xoev-code:Code element.
func (n *node) code() Code {
	if n == nil {
		return Code{}
	}
	return Code{Code: n.str("code"), Name: n.str("name"), ListURI: n.attr("listURI"), ListVersionID: n.attr("listVersionID")}
}

// boolean reads an xs:boolean element; nil when missing or invalid.
func (n *node) boolean() *bool {
	if n == nil {
		return nil
	}
	var b bool
	switch n.text {
	case "1", "true":
		b = true
	case "0", "false":
	default:
		return nil
	}
	return &b
}

// Character encodings. encoding/xml reads UTF-8 only; the single-byte
// encodings an agency system may still declare are transcoded first.

var xmlDeclRE = regexp.MustCompile(`^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

func isUTF8Label(label string) bool {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return true
	}
	return false
}

// toUTF8 returns data as UTF-8 with a byte order mark removed and a
// declared single-byte encoding transcoded (the declaration then says
// UTF-8). It fails for other encodings.
func toUTF8(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(data, []byte("\xfe\xff")) || bytes.HasPrefix(data, []byte("\xff\xfe")) {
		return nil, errors.New("UTF-16 is not supported")
	}
	m := xmlDeclRE.FindSubmatchIndex(data)
	if m == nil {
		return data, nil
	}
	label := strings.ToLower(string(data[m[2]:m[3]]))
	if isUTF8Label(label) {
		return data, nil
	}
	var table *[256]rune
	switch label {
	case "iso-8859-1", "iso8859-1", "latin1", "l1", "iso_8859-1":
		table = &latin1
	case "iso-8859-15", "iso8859-15", "latin-9", "latin9":
		table = &latin9
	case "windows-1252", "cp1252", "x-cp1252":
		table = &cp1252
	default:
		return nil, fmt.Errorf("encoding %q is not supported", label)
	}
	out := make([]byte, 0, len(data)+len(data)/8)
	out = append(out, data[:m[2]]...)
	out = append(out, "UTF-8"...)
	out = append(out, data[m[3]:m[1]]...)
	for _, b := range data[m[1]:] {
		r := table[b]
		if r == 0 && b != 0 {
			return nil, fmt.Errorf("byte 0x%02x is undefined in %s", b, label)
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

var latin1, latin9, cp1252 [256]rune

func init() {
	for i := range latin1 {
		latin1[i] = rune(i)
	}
	latin9 = latin1
	for b, r := range map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'} {
		latin9[b] = r
	}
	cp1252 = latin1
	high := []rune("€\x00‚ƒ„…†‡ˆ‰Š‹Œ\x00Ž\x00\x00‘’“”•–—˜™š›œ\x00žŸ")
	for i, r := range high {
		cp1252[0x80+i] = r
	}
}

// rootPrefix returns the namespace prefix written in the root's start tag.
func rootPrefix(data []byte, root *node) string {
	if root == nil || root.start >= len(data) {
		return ""
	}
	tag := data[root.start:]
	tag = bytes.TrimPrefix(tag, []byte("<"))
	end := bytes.IndexAny(tag, " \t\r\n/>")
	if end < 0 {
		return ""
	}
	name := string(tag[:end])
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return ""
}
