package xdomea

import (
	"errors"
	"strings"
	"testing"
)

// An attribute longer than maxAttr makes the message malformed: every
// later step (checks, pruning per unit, storing) would copy it again.
func TestHugeAttributeIsRefused(t *testing.T) {
	ok := strings.Replace(string(minimal(V300, oneDoc)), "<xdomea:Kopf>", `<xdomea:Kopf a="`+strings.Repeat("A", maxAttr)+`">`, 1)
	if _, err := Parse([]byte(ok), "ok.xml"); err != nil {
		t.Fatalf("attribute of %d bytes: %v", maxAttr, err)
	}
	huge := strings.Replace(string(minimal(V300, oneDoc)), "<xdomea:Kopf>", `<xdomea:Kopf a="`+strings.Repeat("A", maxAttr+1)+`">`, 1)
	_, err := Parse([]byte(huge), "huge.xml")
	var perr *ParseError
	if !errors.As(err, &perr) || perr.Problem.Code != CodeMalformed {
		t.Fatalf("attribute of %d bytes: err = %v, want %s", maxAttr+1, err, CodeMalformed)
	}
}
