package pack

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// E-ARK package types (csip:OAISPACKAGETYPE) WriteIP writes.
const (
	TypeAIP = "AIP"
	TypeDIP = "DIP"
)

// Profiles named in mets/@PROFILE.
const (
	ProfileAIP = "https://earkaip.dilcis.eu/profile/E-ARK-AIP.xml"
	ProfileDIP = "https://earkdip.dilcis.eu/profile/E-ARK-DIP.xml"
)

const (
	metsNS  = "http://www.loc.gov/METS/"
	csipNS  = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
	xlinkNS = "http://www.w3.org/1999/xlink"
)

// Metadata sections a metadata file is referenced from.
const (
	// SectionDescriptive: a dmdSec (EAD, Dublin Core, …).
	SectionDescriptive = "dmd"
	// SectionProvenance: an amdSec/digiprovMD (PREMIS, submission
	// metadata, …).
	SectionProvenance = "digiprov"
	// SectionRights: an amdSec/rightsMD.
	SectionRights = "rights"
)

// Metadata is a metadata file of a package or representation.
type Metadata struct {
	File
	// Section is SectionDescriptive, SectionProvenance or SectionRights.
	Section string
	// MDType is the METS MDTYPE ("EAD", "DC", "PREMIS", "OTHER");
	// OtherMDType says what an OTHER is.
	MDType, OtherMDType string
}

// Representation is one representation of an information package.
type Representation struct {
	// Name is the folder below representations/ and the OBJID of its
	// METS.xml.
	Name string
	// Files are the data, each at representations/<Name>/data/<Path>.
	Files []File
	// Metadata are files at representations/<Name>/<Path> (Path starting
	// with "metadata/").
	Metadata []Metadata
}

// IP describes an E-ARK information package for WriteIP.
type IP struct {
	// OBJID identifies the package (CSIP1).
	OBJID string
	// Label is the package METS's LABEL: what it holds, for humans.
	Label string
	// PackageType is TypeAIP or TypeDIP.
	PackageType string
	// Metadata are the package's metadata files, Path relative to the
	// package root (below "metadata/").
	Metadata []Metadata
	// Representations in the order they are listed.
	Representations []Representation
	// Documentation are files at documentation/<Path>.
	Documentation []File
}

// WriteIP writes the E-ARK information package ip into dir, which must not
// exist. progress counts bytes.
func WriteIP(ctx context.Context, dir string, ip IP, progress preservation.Progress) (*Result, error) {
	if ip.OBJID == "" {
		return nil, fmt.Errorf("pack: an information package needs an OBJID")
	}
	profile := map[string]string{TypeAIP: ProfileAIP, TypeDIP: ProfileDIP}[ip.PackageType]
	if profile == "" {
		return nil, fmt.Errorf("pack: package type %q: want %s or %s", ip.PackageType, TypeAIP, TypeDIP)
	}
	s, err := begin(dir, progress)
	if err != nil {
		return nil, err
	}
	if err := s.ip(ctx, ip, profile); err != nil {
		s.abort()
		return nil, err
	}
	return s.commit()
}

func (s *staging) ip(ctx context.Context, ip IP, profile string) error {
	var total int64
	for _, r := range ip.Representations {
		for _, f := range r.Files {
			total += max(f.Size, 0)
		}
	}
	s.progress.SetTotal(total)
	seen := map[string]bool{}
	var reps []repRef
	for _, r := range ip.Representations {
		if err := cleanPath(r.Name); err != nil || strings.Contains(r.Name, "/") || seen[r.Name] {
			return fmt.Errorf("%w: representation name %q", ErrPath, r.Name)
		}
		seen[r.Name] = true
		base := "representations/" + r.Name + "/"
		m := &metsDoc{objid: r.Name, label: "", profile: profile, pkgType: ip.PackageType, created: s.now}
		for _, md := range r.Metadata {
			if err := s.metadata(ctx, m, base, md); err != nil {
				return err
			}
		}
		grp := fileGrp{ID: "grp-data", Use: "Data"}
		for i, f := range r.Files {
			if err := cleanPath(f.Path); err != nil {
				return err
			}
			rel := base + "data/" + f.Path
			d, err := s.put(ctx, rel, f)
			if err != nil {
				return err
			}
			s.res.PayloadFiles++
			s.res.PayloadBytes += d.Size
			grp.Files = append(grp.Files, s.metsFile(fmt.Sprintf("file-%d", i+1), mimeOr(f.MIME), "data/"+f.Path, d))
		}
		m.groups = append(m.groups, grp)
		b, err := m.encode()
		if err != nil {
			return err
		}
		d, err := s.putBytes(ctx, base+"METS.xml", b)
		if err != nil {
			return err
		}
		reps = append(reps, repRef{name: r.Name, mets: d})
	}
	m := &metsDoc{objid: ip.OBJID, label: ip.Label, profile: profile, pkgType: ip.PackageType, created: s.now, root: true}
	for _, md := range ip.Metadata {
		if err := s.metadata(ctx, m, "", md); err != nil {
			return err
		}
	}
	if len(ip.Documentation) > 0 {
		grp := fileGrp{ID: "grp-documentation", Use: "Documentation"}
		for i, f := range ip.Documentation {
			if err := cleanPath(f.Path); err != nil {
				return err
			}
			d, err := s.put(ctx, "documentation/"+f.Path, f)
			if err != nil {
				return err
			}
			grp.Files = append(grp.Files, s.metsFile(fmt.Sprintf("file-doc-%d", i+1), mimeOr(f.MIME), "documentation/"+f.Path, d))
		}
		m.groups = append(m.groups, grp)
		m.docs = true
	}
	for i, r := range reps {
		id := fmt.Sprintf("grp-rep-%d", i+1)
		m.groups = append(m.groups, fileGrp{ID: id, Use: "Representations/" + r.name, CIT: "MIXED",
			Files: []metsFile{s.metsFile(fmt.Sprintf("file-rep-%d-mets", i+1), "application/xml", "representations/"+r.name+"/METS.xml", r.mets)}})
		m.reps = append(m.reps, repDiv{id: id, name: r.name})
	}
	b, err := m.encode()
	if err != nil {
		return err
	}
	_, err = s.putBytes(ctx, "METS.xml", b)
	return err
}

type repRef struct {
	name string
	mets Digests
}

type repDiv struct{ id, name string }

// metadata writes one metadata file at base+md.Path and references it
// from m.
func (s *staging) metadata(ctx context.Context, m *metsDoc, base string, md Metadata) error {
	if err := cleanPath(md.Path); err != nil {
		return err
	}
	if !strings.HasPrefix(md.Path, "metadata/") {
		return fmt.Errorf("%w: metadata file %q is not below metadata/", ErrPath, md.Path)
	}
	d, err := s.put(ctx, base+md.Path, md.File)
	if err != nil {
		return err
	}
	typ := md.MDType
	if typ == "" {
		typ = "OTHER"
	}
	other := md.OtherMDType
	if typ != "OTHER" {
		other = ""
	}
	sec := mdSec{Created: s.now.Format(time.RFC3339), MdRef: mdRef{LocType: "URL", Type: "simple", Href: href(md.Path), MdType: typ,
		OtherMdType: other, MimeType: mimeOr(md.MIME), Size: d.Size, Created: s.now.Format(time.RFC3339), Checksum: d.SHA512, ChecksumType: "SHA-512"}}
	switch md.Section {
	case SectionDescriptive:
		sec.ID = fmt.Sprintf("dmd-%d", len(m.dmd)+1)
		if m.pkgType == TypeDIP {
			sec.Status = "CURRENT"
		}
		m.dmd = append(m.dmd, sec)
	case SectionProvenance:
		sec.ID = fmt.Sprintf("digiprov-%d", len(m.digiprov)+1)
		m.digiprov = append(m.digiprov, sec)
	case SectionRights:
		sec.ID = fmt.Sprintf("rights-%d", len(m.rights)+1)
		m.rights = append(m.rights, sec)
	default:
		return fmt.Errorf("pack: metadata %s: unknown section %q", md.Path, md.Section)
	}
	return nil
}

func (s *staging) metsFile(id, mime, p string, d Digests) metsFile {
	return metsFile{ID: id, MimeType: mime, Size: d.Size, Created: s.now.Format(time.RFC3339), Checksum: d.SHA512, ChecksumType: "SHA-512",
		FLocat: flocat{LocType: "URL", Type: "simple", Href: href(p)}}
}

func mimeOr(m string) string {
	if m == "" {
		return "application/octet-stream"
	}
	return m
}

// href escapes a relative path as a URI reference.
func href(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// metsDoc collects one METS document.
type metsDoc struct {
	objid, label, profile, pkgType string
	created                        time.Time
	root                           bool
	dmd, digiprov, rights          []mdSec
	groups                         []fileGrp
	reps                           []repDiv
	docs                           bool
}

type xmlMETS struct {
	XMLName   xml.Name   `xml:"mets"`
	Xmlns     string     `xml:"xmlns,attr"`
	XmlnsCSIP string     `xml:"xmlns:csip,attr"`
	XmlnsXL   string     `xml:"xmlns:xlink,attr"`
	OBJID     string     `xml:"OBJID,attr"`
	Label     string     `xml:"LABEL,attr,omitempty"`
	Type      string     `xml:"TYPE,attr"`
	CIT       string     `xml:"csip:CONTENTINFORMATIONTYPE,attr"`
	Profile   string     `xml:"PROFILE,attr"`
	Hdr       xmlHdr     `xml:"metsHdr"`
	Dmd       []mdSec    `xml:"dmdSec"`
	Amd       *amdSec    `xml:"amdSec"`
	FileSec   xmlFileSec `xml:"fileSec"`
	StructMap structMap  `xml:"structMap"`
}

type xmlHdr struct {
	CreateDate   string   `xml:"CREATEDATE,attr"`
	RecordStatus string   `xml:"RECORDSTATUS,attr"`
	PackageType  string   `xml:"csip:OAISPACKAGETYPE,attr"`
	Agent        xmlAgent `xml:"agent"`
}

type xmlAgent struct {
	Role      string  `xml:"ROLE,attr"`
	Type      string  `xml:"TYPE,attr"`
	OtherType string  `xml:"OTHERTYPE,attr"`
	Name      string  `xml:"name"`
	Note      xmlNote `xml:"note"`
}

type xmlNote struct {
	Type string `xml:"csip:NOTETYPE,attr"`
	Text string `xml:",chardata"`
}

type mdSec struct {
	ID      string `xml:"ID,attr"`
	Created string `xml:"CREATED,attr"`
	Status  string `xml:"STATUS,attr,omitempty"`
	MdRef   mdRef  `xml:"mdRef"`
}

type mdRef struct {
	LocType      string `xml:"LOCTYPE,attr"`
	Type         string `xml:"xlink:type,attr"`
	Href         string `xml:"xlink:href,attr"`
	MdType       string `xml:"MDTYPE,attr"`
	OtherMdType  string `xml:"OTHERMDTYPE,attr,omitempty"`
	MimeType     string `xml:"MIMETYPE,attr"`
	Size         int64  `xml:"SIZE,attr"`
	Created      string `xml:"CREATED,attr"`
	Checksum     string `xml:"CHECKSUM,attr"`
	ChecksumType string `xml:"CHECKSUMTYPE,attr"`
}

type amdSec struct {
	ID       string  `xml:"ID,attr"`
	Digiprov []mdSec `xml:"digiprovMD"`
	Rights   []mdSec `xml:"rightsMD"`
}

type xmlFileSec struct {
	ID     string    `xml:"ID,attr"`
	Groups []fileGrp `xml:"fileGrp"`
}

type fileGrp struct {
	ID    string     `xml:"ID,attr"`
	Use   string     `xml:"USE,attr"`
	CIT   string     `xml:"csip:CONTENTINFORMATIONTYPE,attr,omitempty"`
	Files []metsFile `xml:"file"`
}

type metsFile struct {
	ID           string `xml:"ID,attr"`
	MimeType     string `xml:"MIMETYPE,attr"`
	Size         int64  `xml:"SIZE,attr"`
	Created      string `xml:"CREATED,attr"`
	Checksum     string `xml:"CHECKSUM,attr"`
	ChecksumType string `xml:"CHECKSUMTYPE,attr"`
	FLocat       flocat `xml:"FLocat"`
}

type flocat struct {
	LocType string `xml:"LOCTYPE,attr"`
	Type    string `xml:"xlink:type,attr"`
	Href    string `xml:"xlink:href,attr"`
}

type structMap struct {
	ID    string `xml:"ID,attr"`
	Type  string `xml:"TYPE,attr"`
	Label string `xml:"LABEL,attr"`
	Div   div    `xml:"div"`
}

type div struct {
	ID    string `xml:"ID,attr"`
	Label string `xml:"LABEL,attr"`
	DmdID string `xml:"DMDID,attr,omitempty"`
	AdmID string `xml:"ADMID,attr,omitempty"`
	Fptr  []fptr `xml:"fptr"`
	Mptr  []mptr `xml:"mptr"`
	Divs  []div  `xml:"div"`
}

type fptr struct {
	FileID string `xml:"FILEID,attr"`
}

type mptr struct {
	LocType string `xml:"LOCTYPE,attr"`
	Type    string `xml:"xlink:type,attr"`
	Href    string `xml:"xlink:href,attr"`
	Title   string `xml:"xlink:title,attr,omitempty"`
}

func (m *metsDoc) encode() ([]byte, error) {
	created := m.created.Format(time.RFC3339)
	doc := xmlMETS{Xmlns: metsNS, XmlnsCSIP: csipNS, XmlnsXL: xlinkNS, OBJID: m.objid, Label: m.label, Type: "Mixed", CIT: "MIXED",
		Profile: m.profile,
		Hdr: xmlHdr{CreateDate: created, RecordStatus: "NEW", PackageType: m.pkgType,
			Agent: xmlAgent{Role: "CREATOR", Type: "OTHER", OtherType: "SOFTWARE", Name: Software,
				Note: xmlNote{Type: "SOFTWARE VERSION", Text: SoftwareVersion}}},
		Dmd:     m.dmd,
		FileSec: xmlFileSec{ID: "filesec", Groups: m.groups},
	}
	if len(m.digiprov)+len(m.rights) > 0 {
		doc.Amd = &amdSec{ID: "amd", Digiprov: m.digiprov, Rights: m.rights}
	}
	top := div{ID: "div-root", Label: m.objid}
	md := div{ID: "div-metadata", Label: "Metadata"}
	var dmdIDs, admIDs []string
	for _, s := range m.dmd {
		dmdIDs = append(dmdIDs, s.ID)
	}
	for _, s := range append(append([]mdSec(nil), m.digiprov...), m.rights...) {
		admIDs = append(admIDs, s.ID)
	}
	md.DmdID, md.AdmID = strings.Join(dmdIDs, " "), strings.Join(admIDs, " ")
	if md.DmdID != "" || md.AdmID != "" {
		top.Divs = append(top.Divs, md)
	}
	if m.root {
		if m.docs {
			top.Divs = append(top.Divs, div{ID: "div-documentation", Label: "Documentation", Fptr: []fptr{{FileID: "grp-documentation"}}})
		}
		for i, r := range m.reps {
			top.Divs = append(top.Divs, div{ID: fmt.Sprintf("div-rep-%d", i+1), Label: "Representations/" + r.name,
				Fptr: []fptr{{FileID: r.id}},
				Mptr: []mptr{{LocType: "URL", Type: "simple", Href: href("representations/" + r.name + "/METS.xml"), Title: r.id}}})
		}
	} else {
		for _, g := range m.groups {
			top.Divs = append(top.Divs, div{ID: "div-" + g.ID, Label: g.Use, Fptr: []fptr{{FileID: g.ID}}})
		}
	}
	doc.StructMap = structMap{ID: "structmap", Type: "PHYSICAL", Label: "CSIP", Div: top}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("pack: METS: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
