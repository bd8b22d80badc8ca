package aip

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
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

// encodeMETS renders METS.xml for an AIP whose files and metadata files are
// known. desc and premis are the description record and PREMIS document.
func encodeMETS(a *preservation.AIP, desc, premis mdFile, submission []mdFile, w io.Writer) error {
	doc := metsDoc{Xmlns: metsNS, XmlnsXlink: xlinkNS, XmlnsXSI: xsiNS, SchemaLocation: metsSchemaLoc,
		OBJID: string(a.ID), Label: a.Title, Type: "AIP"}
	doc.Hdr = metsHdr{CreateDate: a.Created.UTC().Format(time.RFC3339), RecordStat: "NEW",
		Agents: []metsAgent{{Role: "CREATOR", Type: "OTHER", OtherType: "SOFTWARE", Name: "magazin", Note: agentVersion(a, "magazin")}}}
	ref := func(id string, f mdFile, mdType, other string) metsMdSec {
		return metsMdSec{ID: id, MdRef: metsMdRef{LocType: "URL", Type: "simple", Href: hrefFor(f.path), MdType: mdType,
			OtherMdType: other, MimeType: f.mime, Size: f.size, Checksum: f.sha512, ChecksumType: "SHA-512"}}
	}
	doc.DmdSec = append(doc.DmdSec, ref("dmd-description", desc, "OTHER", "magazin description record"))
	doc.AmdSec = metsAmdSec{ID: "amd-1", DigiprovMD: []metsMdSec{ref("digiprov-premis", premis, "PREMIS", "")}}
	for i, s := range submission {
		doc.AmdSec.DigiprovMD = append(doc.AmdSec.DigiprovMD, ref(fmt.Sprintf("digiprov-submission-%d", i+1), s, "OTHER", "submission metadata"))
	}
	grp := metsFileGrp{ID: "grp-original", Use: "Representations/original"}
	root := metsDiv{ID: "div-aip", Label: a.Title, DmdID: "dmd-description", AdmID: "amd-1"}
	orig := metsDiv{ID: "div-original", Label: "Representations/original"}
	for i, f := range a.Files {
		id := fmt.Sprintf("file-%d", i+1)
		grp.Files = append(grp.Files, metsFile{ID: id, MimeType: f.MIME, Size: f.Size, Checksum: f.SHA512, ChecksumType: "SHA-512",
			FLocat: metsFLocat{LocType: "URL", Type: "simple", Href: hrefFor(f.Path), Title: f.Name}})
		orig.Fptrs = append(orig.Fptrs, metsPtr{FileID: id})
	}
	doc.FileSec.Groups = []metsFileGrp{grp}
	if len(orig.Fptrs) > 0 {
		root.Divs = append(root.Divs, orig)
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
