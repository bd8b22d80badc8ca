package aip

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

const (
	metsNS        = "http://www.loc.gov/METS/"
	xlinkNS       = "http://www.w3.org/1999/xlink"
	metsSchemaLoc = "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd"
)

type metsDoc struct {
	XMLName        xml.Name    `xml:"mets"`
	Xmlns          string      `xml:"xmlns,attr"`
	XmlnsXlink     string      `xml:"xmlns:xlink,attr"`
	XmlnsXSI       string      `xml:"xmlns:xsi,attr"`
	SchemaLocation string      `xml:"xsi:schemaLocation,attr"`
	OBJID          string      `xml:"OBJID,attr"`
	Label          string      `xml:"LABEL,attr,omitempty"`
	Type           string      `xml:"TYPE,attr"`
	Hdr            metsHdr     `xml:"metsHdr"`
	DmdSec         []metsMdSec `xml:"dmdSec"`
	AmdSec         metsAmdSec  `xml:"amdSec"`
	FileSec        metsFileSec `xml:"fileSec"`
	StructMap      metsStruct  `xml:"structMap"`
}

type metsHdr struct {
	CreateDate string      `xml:"CREATEDATE,attr"`
	LastMod    string      `xml:"LASTMODDATE,attr,omitempty"`
	RecordStat string      `xml:"RECORDSTATUS,attr"`
	Agents     []metsAgent `xml:"agent"`
}

type metsAgent struct {
	Role      string `xml:"ROLE,attr"`
	Type      string `xml:"TYPE,attr"`
	OtherType string `xml:"OTHERTYPE,attr,omitempty"`
	Name      string `xml:"name"`
	Note      string `xml:"note,omitempty"`
}

type metsMdSec struct {
	ID    string    `xml:"ID,attr"`
	MdRef metsMdRef `xml:"mdRef"`
}

type metsMdRef struct {
	LocType      string `xml:"LOCTYPE,attr"`
	Type         string `xml:"xlink:type,attr"`
	Href         string `xml:"xlink:href,attr"`
	MdType       string `xml:"MDTYPE,attr"`
	OtherMdType  string `xml:"OTHERMDTYPE,attr,omitempty"`
	MimeType     string `xml:"MIMETYPE,attr"`
	Size         int64  `xml:"SIZE,attr"`
	Checksum     string `xml:"CHECKSUM,attr"`
	ChecksumType string `xml:"CHECKSUMTYPE,attr"`
}

type metsAmdSec struct {
	ID         string      `xml:"ID,attr"`
	DigiprovMD []metsMdSec `xml:"digiprovMD"`
}

type metsFileSec struct {
	Groups []metsFileGrp `xml:"fileGrp"`
}

type metsFileGrp struct {
	ID    string     `xml:"ID,attr"`
	Use   string     `xml:"USE,attr"`
	Files []metsFile `xml:"file"`
}

type metsFile struct {
	ID           string     `xml:"ID,attr"`
	MimeType     string     `xml:"MIMETYPE,attr,omitempty"`
	Size         int64      `xml:"SIZE,attr"`
	Checksum     string     `xml:"CHECKSUM,attr"`
	ChecksumType string     `xml:"CHECKSUMTYPE,attr"`
	FLocat       metsFLocat `xml:"FLocat"`
}

type metsFLocat struct {
	LocType string `xml:"LOCTYPE,attr"`
	Type    string `xml:"xlink:type,attr"`
	Href    string `xml:"xlink:href,attr"`
	Title   string `xml:"xlink:title,attr,omitempty"`
}

type metsStruct struct {
	Type  string  `xml:"TYPE,attr"`
	Label string  `xml:"LABEL,attr"`
	Div   metsDiv `xml:"div"`
}

type metsDiv struct {
	ID    string    `xml:"ID,attr"`
	Label string    `xml:"LABEL,attr"`
	DmdID string    `xml:"DMDID,attr,omitempty"`
	AdmID string    `xml:"ADMID,attr,omitempty"`
	Fptrs []metsPtr `xml:"fptr"`
	Divs  []metsDiv `xml:"div"`
}

type metsPtr struct {
	FileID string `xml:"FILEID,attr"`
}

// mdFile is a metadata file the METS document references by checksum.
type mdFile struct {
	path, sha512, mime string
	size               int64
}

// hrefFor escapes a logical path as a relative URI reference.
func hrefFor(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// representationOf returns the name of the representation a logical path
// belongs to ("representations/<name>/data/..."), or "".
func representationOf(p string) string {
	r, _ := SplitRepresentation(p)
	return r
}

// SplitRepresentation splits a logical path of a representation's file
// ("representations/<name>/data/<rest>") into the representation's name
// and the path inside its data folder. For any other path both are "".
func SplitRepresentation(p string) (name, rest string) {
	after, ok := strings.CutPrefix(p, "representations/")
	if !ok {
		return "", ""
	}
	name, after, ok = strings.Cut(after, "/")
	if !ok || name == "" {
		return "", ""
	}
	rest, ok = strings.CutPrefix(after, "data/")
	if !ok || rest == "" {
		return "", ""
	}
	return name, rest
}

// RepresentationPath returns the logical path of the file at rest in the
// data folder of representation name.
func RepresentationPath(name, rest string) string {
	return "representations/" + name + "/data/" + rest
}

// representationOrder returns the names of a's representations and their
// files: "original" first (always, so that an AIP without files still has
// its file group), then the representations a.Representations records in
// their order, then the rest by name.
func representationOrder(a *preservation.AIP) ([]string, map[string][]preservation.File) {
	byRep := map[string][]preservation.File{}
	for _, f := range a.Files {
		r := representationOf(f.Path)
		if r == "" {
			r = preservation.RepresentationOriginal
		}
		byRep[r] = append(byRep[r], f)
	}
	var names []string
	seen := map[string]bool{}
	addName := func(r string) {
		if !seen[r] {
			seen[r] = true
			names = append(names, r)
		}
	}
	if len(byRep[preservation.RepresentationOriginal]) > 0 || len(a.Representations) == 0 {
		addName(preservation.RepresentationOriginal)
	}
	for _, r := range a.Representations {
		if len(byRep[r.Name]) > 0 {
			addName(r.Name)
		}
	}
	rest := make([]string, 0, len(byRep))
	for r := range byRep {
		if !seen[r] {
			rest = append(rest, r)
		}
	}
	sort.Strings(rest)
	for _, r := range rest {
		addName(r)
	}
	return names, byRep
}

// xmlID turns a representation name into the rest of an xs:ID: letters,
// digits, '-', '_' and '.' are kept, anything else becomes '_' followed by
// its code point in hex, so that distinct names give distinct IDs.
func xmlID(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "_%x", r)
		}
	}
	return b.String()
}

// encodeMETS renders METS.xml for an AIP whose files and metadata files are
// known. desc and premis are the description record and PREMIS document.
// modified, when not zero, is when a later version changed the AIP.
func encodeMETS(a *preservation.AIP, desc, premis mdFile, submission []mdFile, modified time.Time, w io.Writer) error {
	doc := metsDoc{Xmlns: metsNS, XmlnsXlink: xlinkNS, XmlnsXSI: xsiNS, SchemaLocation: metsSchemaLoc,
		OBJID: string(a.ID), Label: a.Title, Type: "AIP"}
	doc.Hdr = metsHdr{CreateDate: a.Created.UTC().Format(time.RFC3339), RecordStat: "NEW",
		Agents: []metsAgent{{Role: "CREATOR", Type: "OTHER", OtherType: "SOFTWARE", Name: "magazin", Note: agentVersion(a, "magazin")}}}
	if !modified.IsZero() {
		doc.Hdr.LastMod, doc.Hdr.RecordStat = modified.UTC().Format(time.RFC3339), "REVISED"
	}
	ref := func(id string, f mdFile, mdType, other string) metsMdSec {
		return metsMdSec{ID: id, MdRef: metsMdRef{LocType: "URL", Type: "simple", Href: hrefFor(f.path), MdType: mdType,
			OtherMdType: other, MimeType: f.mime, Size: f.size, Checksum: f.sha512, ChecksumType: "SHA-512"}}
	}
	doc.DmdSec = append(doc.DmdSec, ref("dmd-description", desc, "OTHER", "magazin description record"))
	doc.AmdSec = metsAmdSec{ID: "amd-1", DigiprovMD: []metsMdSec{ref("digiprov-premis", premis, "PREMIS", "")}}
	for i, s := range submission {
		doc.AmdSec.DigiprovMD = append(doc.AmdSec.DigiprovMD, ref(fmt.Sprintf("digiprov-submission-%d", i+1), s, "OTHER", "submission metadata"))
	}
	// One file group and one structural division per representation: the
	// original first, then those the submission brought in its order, then
	// the others (migrations, access copies) by name.
	names, byRep := representationOrder(a)
	root := metsDiv{ID: "div-aip", Label: a.Title, DmdID: "dmd-description", AdmID: "amd-1"}
	n := 0
	for _, r := range names {
		grp := metsFileGrp{ID: "grp-" + xmlID(r), Use: "Representations/" + r}
		div := metsDiv{ID: "div-" + xmlID(r), Label: "Representations/" + r}
		for _, f := range byRep[r] {
			n++
			id := fmt.Sprintf("file-%d", n)
			grp.Files = append(grp.Files, metsFile{ID: id, MimeType: f.MIME, Size: f.Size, Checksum: f.SHA512, ChecksumType: "SHA-512",
				FLocat: metsFLocat{LocType: "URL", Type: "simple", Href: hrefFor(f.Path), Title: f.Name}})
			div.Fptrs = append(div.Fptrs, metsPtr{FileID: id})
		}
		doc.FileSec.Groups = append(doc.FileSec.Groups, grp)
		if len(div.Fptrs) > 0 {
			root.Divs = append(root.Divs, div)
		}
	}
	doc.StructMap = metsStruct{Type: "PHYSICAL", Label: "magazin AIP structure", Div: root}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("aip: encode mets: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func agentVersion(a *preservation.AIP, name string) string {
	for _, ag := range a.Agents {
		if ag.Name == name {
			return "version " + ag.Version
		}
	}
	return ""
}
