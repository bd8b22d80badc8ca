package oai

import (
	"bytes"
	"encoding/xml"
	"sort"
	"time"
)

// Namespaces and schemas.
const (
	nsOAI       = "http://www.openarchives.org/OAI/2.0/"
	schemaOAI   = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
	nsXSI       = "http://www.w3.org/2001/XMLSchema-instance"
	nsOAIDC     = "http://www.openarchives.org/OAI/2.0/oai_dc/"
	schemaOAIDC = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsEAD       = "urn:isbn:1-931666-22-9"
	schemaEAD   = "http://www.loc.gov/ead/ead.xsd"
	nsXLink     = "http://www.w3.org/1999/xlink"
)

// xw writes XML into a buffer. Text and attribute values are escaped, and
// characters XML cannot carry (control characters, invalid UTF-8) become
// U+FFFD.
type xw struct{ b *bytes.Buffer }

// open writes a start tag with attributes given as name, value pairs;
// pairs with an empty value are left out.
func (w xw) open(name string, attrs ...string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.attrs(attrs)
	w.b.WriteByte('>')
}

func (w xw) attrs(attrs []string) {
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		w.b.WriteByte(' ')
		w.b.WriteString(attrs[i])
		w.b.WriteString(`="`)
		xml.EscapeText(w.b, []byte(attrs[i+1]))
		w.b.WriteByte('"')
	}
}

func (w xw) close(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// empty writes an element without content.
func (w xw) empty(name string, attrs ...string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.attrs(attrs)
	w.b.WriteString("/>")
}

func (w xw) text(s string) { xml.EscapeText(w.b, []byte(s)) }

// elem writes an element with text content; nothing when text is "".
func (w xw) elem(name, text string, attrs ...string) {
	if text == "" {
		return
	}
	w.open(name, attrs...)
	w.text(text)
	w.close(name)
}

// stamp formats a datestamp.
func stamp(t time.Time) string { return t.UTC().Format(secondLayout) }

// envelope writes the response up to the verb's element and returns the
// function that closes it. echo says whether the request's arguments are
// repeated as attributes of the request element (not after badVerb and
// badArgument, 3.2).
func (p *Provider) envelope(out *bytes.Buffer, req *request, echo bool) (xw, func()) {
	w := xw{out}
	out.WriteString(xml.Header)
	w.open("OAI-PMH", "xmlns", nsOAI, "xmlns:xsi", nsXSI, "xsi:schemaLocation", nsOAI+" "+schemaOAI)
	w.elem("responseDate", stamp(req.now))
	var attrs []string
	if echo && req.verb != "" {
		attrs = append(attrs, "verb", req.verb)
		names := make([]string, 0, len(req.args))
		for n := range req.args {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			attrs = append(attrs, n, req.args[n])
		}
	}
	w.open("request", attrs...)
	w.text(req.baseURL)
	w.close("request")
	return w, func() { w.close("OAI-PMH") }
}

func (p *Provider) writeError(out *bytes.Buffer, req *request, echo bool, e *oaiError) {
	w, done := p.envelope(out, req, echo)
	w.elem("error", e.msg, "code", e.code)
	if e.msg == "" {
		w.empty("error", "code", e.code)
	}
	done()
}
