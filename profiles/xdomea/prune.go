package xdomea

import (
	"bytes"
	"fmt"
	"sort"
)

// unitElements are the elements that carry a unit of description (and so
// are cut from a pruned message unless on the path to the kept unit).
var unitElements = map[string]bool{
	"Akte": true, "Teilakte": true, "Vorgang": true, "Teilvorgang": true, "Dokument": true,
	"DokumentMitSchriftstueck": true, "Schriftstueck": true, "Anschreiben": true,
}

// Prune returns the message reduced to one object's subtree: the bytes of
// the message as parsed (UTF-8) with every element cut that holds other
// objects, so that what is left is the header, the object's ancestors
// (4.0 context objects, wrappers) with their own metadata, the object with
// its whole subtree, and message-level parts that belong to no object
// (e.g. the Aktenplan). Comments and formatting are kept as they are.
func (m *Message) Prune(o *Object) ([]byte, error) {
	if m == nil || m.root == nil || o == nil || o.node == nil {
		return nil, fmt.Errorf("xdomea: nothing to prune")
	}
	target := o.node
	onPath := map[*node]bool{}
	for n := target; n != nil; n = n.parent {
		onPath[n] = true
	}
	if !onPath[m.root] {
		return nil, fmt.Errorf("xdomea: object %s is not part of this message", o.ID)
	}
	holds := map[*node]bool{}
	var mark func(n *node) bool
	mark = func(n *node) bool {
		h := unitElements[n.local]
		for _, k := range n.kids {
			if mark(k) {
				h = true
			}
		}
		holds[n] = h
		return h
	}
	mark(m.root)
	type cut struct{ from, to int }
	var cuts []cut
	for n := target; n.parent != nil; n = n.parent {
		for _, sib := range n.parent.kids {
			if sib != n && holds[sib] {
				cuts = append(cuts, cut{lineStart(m.data, sib.start), sib.end})
			}
		}
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].from < cuts[j].from })
	var out bytes.Buffer
	pos := 0
	for _, c := range cuts {
		if c.from < pos {
			continue
		}
		out.Write(m.data[pos:c.from])
		pos = c.to
	}
	out.Write(m.data[pos:])
	return out.Bytes(), nil
}

// lineStart moves an element's start back over the indentation before it,
// so that cutting the element does not leave a blank line.
func lineStart(data []byte, start int) int {
	i := start
	for i > 0 && (data[i-1] == ' ' || data[i-1] == '\t') {
		i--
	}
	if i > 0 && data[i-1] == '\n' {
		i--
		if i > 0 && data[i-1] == '\r' {
			i--
		}
		return i
	}
	return start
}
