package ead

import (
	"bufio"
	"encoding/xml"
	"io"
	"strings"
)

// xw writes indented XML by hand: the export streams, and its element
// order is the schema's, not a struct's.
type xw struct {
	w     *bufio.Writer
	depth int
	err   error
}

func newXW(w io.Writer) *xw { return &xw{w: bufio.NewWriterSize(w, 64<<10)} }

func (x *xw) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xw) indent() {
	x.raw("\n")
	x.raw(strings.Repeat("\t", min(x.depth, 32)))
}

// escape writes text as character data or attribute value: markup
// characters escaped, characters XML 1.0 does not allow replaced.
func (x *xw) escape(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(s))
	}
}

func (x *xw) attrs(kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		x.raw(" " + kv[i] + `="`)
		x.escape(kv[i+1])
		x.raw(`"`)
	}
}

// open starts an element; kv are attribute names and values (empty
// values are left out).
func (x *xw) open(name string, kv ...string) {
	x.indent()
	x.raw("<" + name)
	x.attrs(kv)
	x.raw(">")
	x.depth++
}

func (x *xw) close(name string) {
	x.depth--
	x.indent()
	x.raw("</" + name + ">")
}

// leaf writes an element with text content.
func (x *xw) leaf(name, text string, kv ...string) {
	x.indent()
	x.raw("<" + name)
	x.attrs(kv)
	x.raw(">")
	x.escape(text)
	x.raw("</" + name + ">")
}

// empty writes an element without content.
func (x *xw) empty(name string, kv ...string) {
	x.indent()
	x.raw("<" + name)
	x.attrs(kv)
	x.raw("/>")
}

// inline writes an element inside mixed content (no indentation).
func (x *xw) inline(name, text string, kv ...string) {
	x.raw("<" + name)
	x.attrs(kv)
	x.raw(">")
	x.escape(text)
	x.raw("</" + name + ">")
}

func (x *xw) flush() error {
	if x.err == nil {
		x.err = x.w.Flush()
	}
	return x.err
}
