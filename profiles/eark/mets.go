package eark

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// XML namespaces of E-ARK METS documents.
const (
	NSMETS  = "http://www.loc.gov/METS/"
	NSCSIP  = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
	NSSIP   = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
	NSXLink = "http://www.w3.org/1999/xlink"
)

// Attrs holds all attributes of an element, namespaces resolved (a
// prefixed attribute's Name.Space is its namespace URI).
type Attrs struct {
	Attr []xml.Attr `xml:",any,attr"`
}

// Get returns the value of the attribute without namespace named local.
func (a Attrs) Get(local string) string {
	v, _ := a.Lookup(local)
	return v
}

// Lookup returns the value of the attribute without namespace named local
// and whether it is present.
func (a Attrs) Lookup(local string) (string, bool) {
	for _, at := range a.Attr {
		if at.Name.Space == "" && at.Name.Local == local {
			return at.Value, true
		}
	}
	return "", false
}

// NS returns the attribute local in namespace ns. A namespace that differs
// from ns only in letter case (e.g. "https://dilcis.eu/..." for the
// CSIP namespace, as some tools write) matches too; exact reports whether
// the namespace was spelled exactly.
func (a Attrs) NS(ns, local string) (value string, ok, exact bool) {
	for _, at := range a.Attr {
		if at.Name.Local == local && at.Name.Space == ns {
			return at.Value, true, true
		}
	}
	for _, at := range a.Attr {
		if at.Name.Local == local && strings.EqualFold(at.Name.Space, ns) {
			return at.Value, true, false
		}
	}
	return "", false, false
}

// Href returns the xlink:href attribute.
func (a Attrs) Href() (string, bool) {
	v, ok, _ := a.NS(NSXLink, "href")
	return v, ok
}

// METS is a METS document as far as the CSIP uses it. Elements are matched
// in the METS namespace only; metadata wrapped in mdWrap is skipped.
type METS struct {
	XMLName    xml.Name    `xml:"http://www.loc.gov/METS/ mets"`
	Attrs                  // OBJID, LABEL, TYPE, PROFILE, csip:*
	Hdr        []Hdr       `xml:"http://www.loc.gov/METS/ metsHdr"`
	DmdSec     []MdSec     `xml:"http://www.loc.gov/METS/ dmdSec"`
	AmdSec     []AmdSec    `xml:"http://www.loc.gov/METS/ amdSec"`
	FileSec    []FileSec   `xml:"http://www.loc.gov/METS/ fileSec"`
	StructMap  []StructMap `xml:"http://www.loc.gov/METS/ structMap"`
	StructLink []Attrs     `xml:"http://www.loc.gov/METS/ structLink"`
}

// Hdr is metsHdr.
type Hdr struct {
	Attrs                     // ID, CREATEDATE, LASTMODDATE, RECORDSTATUS, csip:OAISPACKAGETYPE
	Agent       []Agent       `xml:"http://www.loc.gov/METS/ agent"`
	AltRecordID []TextElement `xml:"http://www.loc.gov/METS/ altRecordID"`
	MetsDocID   []TextElement `xml:"http://www.loc.gov/METS/ metsDocumentID"`
}

// Agent is metsHdr/agent.
type Agent struct {
	Attrs               // ROLE, OTHERROLE, TYPE, OTHERTYPE
	Name  []TextElement `xml:"http://www.loc.gov/METS/ name"`
	Note  []TextElement `xml:"http://www.loc.gov/METS/ note"`
}

// TextElement is an element with attributes and text.
type TextElement struct {
	Attrs
	Text string `xml:",chardata"`
}

// MdSec is a dmdSec, techMD, rightsMD, sourceMD or digiprovMD.
type MdSec struct {
	Attrs          // ID, CREATED, STATUS
	MdRef  []Attrs `xml:"http://www.loc.gov/METS/ mdRef"`
	MdWrap []Attrs `xml:"http://www.loc.gov/METS/ mdWrap"`
}

// AmdSec is amdSec.
type AmdSec struct {
	Attrs
	TechMD     []MdSec `xml:"http://www.loc.gov/METS/ techMD"`
	RightsMD   []MdSec `xml:"http://www.loc.gov/METS/ rightsMD"`
	SourceMD   []MdSec `xml:"http://www.loc.gov/METS/ sourceMD"`
	DigiprovMD []MdSec `xml:"http://www.loc.gov/METS/ digiprovMD"`
}

// FileSec is fileSec.
type FileSec struct {
	Attrs
	FileGrp []FileGrp `xml:"http://www.loc.gov/METS/ fileGrp"`
}

// FileGrp is fileSec/fileGrp; file groups may nest.
type FileGrp struct {
	Attrs             // ID, USE, ADMID, csip:CONTENTINFORMATIONTYPE
	FileGrp []FileGrp `xml:"http://www.loc.gov/METS/ fileGrp"`
	File    []File    `xml:"http://www.loc.gov/METS/ file"`
}

// File is fileGrp/file; files may nest (METS allows it, CSIP does not use
// it).
type File struct {
	Attrs            // ID, MIMETYPE, SIZE, CREATED, CHECKSUM, CHECKSUMTYPE, ADMID, DMDID, sip:*
	FLocat   []Attrs `xml:"http://www.loc.gov/METS/ FLocat"`
	FContent []Attrs `xml:"http://www.loc.gov/METS/ FContent"`
	File     []File  `xml:"http://www.loc.gov/METS/ file"`
}

// StructMap is structMap.
type StructMap struct {
	Attrs       // ID, TYPE, LABEL
	Div   []Div `xml:"http://www.loc.gov/METS/ div"`
}

// Div is structMap//div.
type Div struct {
	Attrs         // ID, LABEL, TYPE, DMDID, ADMID, CONTENTIDS
	Div   []Div   `xml:"http://www.loc.gov/METS/ div"`
	Fptr  []Attrs `xml:"http://www.loc.gov/METS/ fptr"`
	Mptr  []Attrs `xml:"http://www.loc.gov/METS/ mptr"`
}

// maxDepth bounds element nesting in a METS document (divs and file
// groups nest; real packages use a few levels).
const maxDepth = 200

// ParseMETS parses a METS document. It accepts UTF-8 (with or without a
// byte order mark), UTF-16 with a byte order mark, and documents that
// declare ISO-8859-1, ISO-8859-15, windows-1252 or US-ASCII. The root
// element must be mets in the METS namespace. DTDs are ignored and no
// external entity is ever loaded.
func ParseMETS(data []byte) (*METS, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the document is empty")
	}
	transcoded := false
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		u, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("not valid UTF-16: %w", err)
		}
		data, transcoded = u, true
	}
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		l := strings.ToLower(label)
		if transcoded && strings.HasPrefix(l, "utf-16") {
			return r, nil
		}
		if enc := charsets[l]; enc != nil {
			return enc.NewDecoder().Reader(r), nil
		}
		return nil, fmt.Errorf("unsupported character encoding %q", label)
	}
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, errors.New("no root element")
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			start = se
			break
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) > 0 {
			return nil, errors.New("text before the root element")
		}
	}
	switch {
	case start.Name.Local != "mets":
		return nil, fmt.Errorf("the root element is <%s>, not <mets>", start.Name.Local)
	case start.Name.Space != NSMETS:
		return nil, fmt.Errorf("the root element <mets> is in namespace %q, not the METS namespace %s", start.Name.Space, NSMETS)
	}
	m := &METS{}
	if err := d.DecodeElement(m, &start); err != nil {
		return nil, err
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return nil, fmt.Errorf("element <%s> after the root element", t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text after the root element")
			}
		}
	}
	return m, nil
}

// charsets are the declared encodings ParseMETS transcodes, by lower-case
// label.
var charsets = map[string]encoding.Encoding{
	"iso-8859-1": charmap.ISO8859_1, "iso_8859-1": charmap.ISO8859_1, "latin1": charmap.ISO8859_1,
	"l1": charmap.ISO8859_1, "iso-8859-15": charmap.ISO8859_15, "latin-9": charmap.ISO8859_15,
	"windows-1252": charmap.Windows1252, "cp1252": charmap.Windows1252,
	"us-ascii": charmap.ISO8859_1, "ascii": charmap.ISO8859_1,
}

// checkDepth rejects documents nesting elements deeper than maxDepth
// before they are decoded into the recursive types.
func checkDepth(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth := 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil // syntax errors are reported by the real parse
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxDepth {
				return fmt.Errorf("elements nest deeper than %d levels", maxDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
}
