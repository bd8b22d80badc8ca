package eark

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// metsInfo is what the checks of one METS document found: the facts the
// package-level checks and the description need.
type metsInfo struct {
	path        string // path of the METS document in the package
	dir         string // its directory ("" for the root METS)
	root        bool
	objid       string
	label       string
	typ         string
	cit         string // csip:CONTENTINFORMATIONTYPE
	profile     string // mets/@PROFILE
	profileKind string // profileCSIP, profileSIP, ...
	packageType string // csip:OAISPACKAGETYPE
	refs        []metsRef
}

// metsRef is a reference from a METS document to a file: a fileSec file's
// FLocat, an mdRef, or a structMap mptr.
type metsRef struct {
	kind     string // "file", "mdRef" or "mptr"
	elem     string // where it is, for messages
	id       string // the file's or mdRef's ID
	href     string // xlink:href as written
	use      string // the fileGrp USE (files)
	mdType   string // MDTYPE (mdRefs)
	section  string // "dmdSec", "digiprovMD", ... (mdRefs)
	alg      string // verified digest algorithm ("" if none or unsupported)
	checksum string // lower-case hex, "" if none or malformed
	size     int64  // declared SIZE, -1 if none or malformed
	reqCheck string // the requirement of the CHECKSUM attribute
	reqSize  string // the requirement of the SIZE attribute
	reqHref  string // the requirement of the href
}

// metsCheck checks one METS document on its own, without the file system.
type metsCheck struct {
	p      *problems
	m      *METS
	info   *metsInfo
	folder string // name of the package or representation folder
	now    time.Time
	// variants are extension namespaces seen in another spelling, by the
	// right one.
	variants map[string]string
	ids      map[string]string // xml:ID -> element
	dupIDs   map[string]int
	// created is metsHdr/@CREATEDATE, latest the latest CREATED of a file
	// or metadata file (zero if none could be read).
	created, latest time.Time
	hasLastMod      bool
}

// checkMETS runs the METS-level CSIP/SIP checks on m, the document at path
// in the package; root tells the package METS from a representation's,
// folder is the name of the package or representation folder ("" to skip
// the comparison with mets/@OBJID).
func checkMETS(p *problems, m *METS, path string, root bool, folder string, now time.Time) *metsInfo {
	dir := ""
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir = path[:i]
	}
	c := &metsCheck{p: p, m: m, folder: folder, now: now, variants: map[string]string{},
		ids: map[string]string{}, dupIDs: map[string]int{},
		info: &metsInfo{path: path, dir: dir, root: root}}
	c.collectIDs()
	c.checkRoot()
	c.checkHeader()
	c.checkMdSecs()
	c.checkFileSec()
	c.checkStructMap()
	c.checkIDs()
	c.checkNamespaces()
	c.checkModified()
	return c.info
}

// checkModified: CSIP8 asks for LASTMODDATE when the package was modified
// after its creation. Files or metadata created more than a day after the
// package's CREATEDATE mean it was.
func (c *metsCheck) checkModified() {
	if !c.info.root || c.hasLastMod || c.created.IsZero() || !c.latest.After(c.created.Add(24*time.Hour)) {
		return
	}
	c.p.warn(CodeHeader, c.path(), "CSIP8", "metsHdr/@LASTMODDATE is missing, but files were created after the package "+
		"(CREATED %s, CREATEDATE %s): a modified package records when", c.latest.Format(time.RFC3339), c.created.Format(time.RFC3339))
}

// noteCreated records a CREATED date for checkModified.
func (c *metsCheck) noteCreated(s string) {
	if t, ok := parseDateTime(s); ok && t.After(c.latest) {
		c.latest = t
	}
}

func (c *metsCheck) path() string { return c.info.path }

// must is the severity of a MUST requirement that is binding for the
// package METS and only recommended practice in representation METS
// documents, which tools write with less care.
func (c *metsCheck) must() string {
	if c.info.root {
		return preservation.SeverityError
	}
	return preservation.SeverityWarning
}

// ext returns an attribute in an extension namespace (csip, sip),
// remembering a misspelled namespace.
func (c *metsCheck) ext(a Attrs, ns, local string) (string, bool) {
	v, ok, exact := a.NS(ns, local)
	if ok && !exact {
		for _, at := range a.Attr {
			if at.Name.Local == local && strings.EqualFold(at.Name.Space, ns) {
				c.variants[ns] = at.Name.Space
				break
			}
		}
	}
	return v, ok
}

func (c *metsCheck) csip(a Attrs, local string) (string, bool) { return c.ext(a, NSCSIP, local) }

func (c *metsCheck) checkNamespaces() {
	for _, ns := range []string{NSCSIP, NSSIP} {
		if v, ok := c.variants[ns]; ok {
			c.p.error(CodeNamespace, c.path(), "", "extension attributes are in namespace %q, which is not the E-ARK namespace %q: "+
				"XML namespace names compare exactly, so a CSIP validator does not find them (read here as if correct)", v, ns)
		}
	}
	// A misspelled namespace declared without being used for attributes
	// is harmless; an element in a wrong METS namespace is caught by the
	// parser.
}

// --- mets root (CSIP1-6, SIP1, SIP2) ---

// sameID reports whether an OBJID names the folder: equal, or mapped as
// the AIP specification suggests (":" as "+", "/" as "=").
func sameID(objid, folder string) bool {
	if objid == folder {
		return true
	}
	return strings.NewReplacer(":", "+", "/", "=").Replace(objid) == folder
}

func (c *metsCheck) checkRoot() {
	m, path := c.m, c.path()
	objid, ok := m.Lookup("OBJID")
	c.info.objid = strings.TrimSpace(objid)
	switch {
	case !ok:
		c.p.error(CodeRoot, path, "CSIP1", "mets/@OBJID (the package identifier) is missing")
	case c.info.objid == "":
		c.p.error(CodeRoot, path, "CSIP1", "mets/@OBJID (the package identifier) is empty")
	case c.folder != "" && !sameID(c.info.objid, c.folder):
		if c.info.root {
			c.p.warn(CodeRoot, path, "CSIP1", "mets/@OBJID %q is not the name of the package folder %q (CSIPSTR2)", clip(objid), clip(c.folder))
		} else {
			c.p.warn(CodeRoot, path, "CSIP1", "mets/@OBJID %q of a representation METS is not the name of the representation folder %q",
				clip(objid), clip(c.folder))
		}
	}

	typ, ok := m.Lookup("TYPE")
	c.info.typ = strings.TrimSpace(typ)
	otherType, hasOther := c.csip(m.Attrs, "OTHERTYPE")
	switch {
	case !ok:
		c.p.error(CodeRoot, path, "CSIP2", "mets/@TYPE (the content category) is missing")
	case c.info.typ == "":
		c.p.error(CodeRoot, path, "CSIP2", "mets/@TYPE (the content category) is empty")
	case !isContentCategory(typ) && legacyProfile(m.Attrs):
		c.p.warn(CodeRoot, path, "CSIP2", "mets/@TYPE %q is not in the DILCIS content category vocabulary of CSIP 2.x; accepted because "+
			"the document declares the E-ARK IP 1.x profile, under which TYPE has no fixed vocabulary", clip(typ))
	case !isContentCategory(typ):
		c.p.error(CodeRoot, path, "CSIP2", "mets/@TYPE %q is not in the DILCIS content category vocabulary (use OTHER with csip:OTHERTYPE)", clip(typ))
	case isOther(c.info.typ) && !hasOther:
		c.p.error(CodeRoot, path, "CSIP2", "mets/@TYPE is OTHER, but csip:OTHERTYPE is missing (CSIP3)")
	case isOther(c.info.typ) && strings.TrimSpace(otherType) == "":
		c.p.error(CodeRoot, path, "CSIP2", "mets/@TYPE is OTHER, but csip:OTHERTYPE is empty (CSIP3)")
	case !isOther(c.info.typ) && hasOther:
		c.p.warn(CodeRoot, path, "CSIP3", "csip:OTHERTYPE %q is given, but mets/@TYPE is %q, not OTHER", clip(otherType), clip(typ))
	}

	cit, ok := c.csip(m.Attrs, "CONTENTINFORMATIONTYPE")
	c.info.cit = strings.TrimSpace(cit)
	otherCIT, hasOtherCIT := c.csip(m.Attrs, "OTHERCONTENTINFORMATIONTYPE")
	switch {
	case !ok && c.info.root:
		c.p.warn(CodeRoot, path, "CSIP4", "csip:CONTENTINFORMATIONTYPE is missing (recommended; it names the content information type specification)")
	case !ok:
		c.p.warn(CodeRoot, path, "CSIP4", "csip:CONTENTINFORMATIONTYPE is missing; CSIP asks for it in every representation METS")
	case c.info.cit == "":
		c.p.warn(CodeRoot, path, "CSIP4", "csip:CONTENTINFORMATIONTYPE is empty")
	case !isContentInformationType(c.info.cit):
		c.p.warn(CodeRoot, path, "CSIP4", "csip:CONTENTINFORMATIONTYPE %q is not in the DILCIS vocabulary (use OTHER with csip:OTHERCONTENTINFORMATIONTYPE)", clip(cit))
	case isOther(c.info.cit) && !hasOtherCIT:
		c.p.warn(CodeRoot, path, "CSIP4", "csip:CONTENTINFORMATIONTYPE is OTHER, but csip:OTHERCONTENTINFORMATIONTYPE is missing (CSIP5)")
	case isOther(c.info.cit) && strings.TrimSpace(otherCIT) == "":
		c.p.warn(CodeRoot, path, "CSIP4", "csip:CONTENTINFORMATIONTYPE is OTHER, but csip:OTHERCONTENTINFORMATIONTYPE is empty (CSIP5)")
	case !isOther(c.info.cit) && hasOtherCIT:
		c.p.warn(CodeRoot, path, "CSIP5", "csip:OTHERCONTENTINFORMATIONTYPE %q is given, but csip:CONTENTINFORMATIONTYPE is %q, not OTHER",
			clip(otherCIT), clip(cit))
	}

	prof, ok := m.Lookup("PROFILE")
	c.info.profile = strings.TrimSpace(prof)
	kind, isURL := profileKind(prof)
	c.info.profileKind = kind
	sip := ""
	if c.info.root {
		sip = " (SIP2: an E-ARK SIP names https://earksip.dilcis.eu/profile/E-ARK-SIP.xml)"
	}
	switch {
	case !ok:
		c.p.add(c.must(), CodeRoot, path, "CSIP6", "mets/@PROFILE is missing%s", sip)
	case c.info.profile == "":
		c.p.add(c.must(), CodeRoot, path, "CSIP6", "mets/@PROFILE is empty%s", sip)
	case !isURL:
		c.p.add(c.must(), CodeRoot, path, "CSIP6", "mets/@PROFILE %q is not the URL of a METS profile%s", clip(prof), sip)
	case kind == profileLegacy:
		c.p.warn(CodeRoot, path, "CSIP6", "mets/@PROFILE %q is a superseded E-ARK 1.x profile; the package is checked against CSIP 2.x", clip(prof))
	case kind == profileOther:
		c.p.warn(CodeRoot, path, "CSIP6", "mets/@PROFILE %q is not an E-ARK profile; the package is checked against CSIP/SIP 2.x", clip(prof))
	}

	if label, ok := m.Lookup("LABEL"); ok && c.info.root {
		c.info.label = strings.TrimSpace(label)
		if c.info.label == "" {
			c.p.warn(CodeRoot, path, "SIP1", "mets/@LABEL is present but empty")
		}
	}
}

// legacyProfile reports whether a METS document declares a superseded
// E-ARK IP 1.x profile (http://www.eark-project.com/METS/IP.xml). CS IP 1.x
// gives mets/@TYPE no fixed vocabulary ("implementers are welcome to use
// values most suitable for their needs"; its own example is "Database"), so
// such a document's TYPE is not held to the CSIP 2.x content categories.
func legacyProfile(a Attrs) bool {
	v, _ := a.Lookup("PROFILE")
	kind, ok := profileKind(v)
	return ok && kind == profileLegacy
}

// --- metsHdr (CSIP117, CSIP7-16, SIP3-SIP31) ---

func (c *metsCheck) checkHeader() {
	path := c.path()
	if len(c.m.Hdr) == 0 {
		c.p.error(CodeHeader, path, "CSIP117", "mets/metsHdr is missing (it holds CREATEDATE, csip:OAISPACKAGETYPE and the creating software)")
		if c.info.root {
			c.p.error(CodeHeader, path, "CSIP9", "metsHdr/@csip:OAISPACKAGETYPE is missing (no metsHdr)")
		}
		return
	}
	if len(c.m.Hdr) > 1 {
		c.p.error(CodeHeader, path, "CSIP117", "mets has %d metsHdr elements; METS allows one", len(c.m.Hdr))
	}
	h := c.m.Hdr[0]
	created, ok := h.Lookup("CREATEDATE")
	createdAt, createdOK := parseDateTime(created)
	switch {
	case !ok:
		c.p.error(CodeHeader, path, "CSIP7", "metsHdr/@CREATEDATE is missing")
	case !createdOK:
		c.p.error(CodeHeader, path, "CSIP7", "metsHdr/@CREATEDATE %q is not an xs:dateTime", clip(created))
	case createdAt.After(c.now.Add(24 * time.Hour)):
		c.p.warn(CodeHeader, path, "CSIP7", "metsHdr/@CREATEDATE %s lies in the future", created)
	}
	if createdOK {
		c.created = createdAt
	}
	if mod, ok := h.Lookup("LASTMODDATE"); ok {
		c.hasLastMod = true
		t, tok := parseDateTime(mod)
		switch {
		case !tok:
			c.p.error(CodeHeader, path, "CSIP8", "metsHdr/@LASTMODDATE %q is not an xs:dateTime", clip(mod))
		case t.After(c.now.Add(24 * time.Hour)):
			c.p.warn(CodeHeader, path, "CSIP8", "metsHdr/@LASTMODDATE %s lies in the future", mod)
		case createdOK && t.Before(createdAt):
			c.p.warn(CodeHeader, path, "CSIP8", "metsHdr/@LASTMODDATE %s is before CREATEDATE %s", mod, created)
		}
	}

	pt, ok := c.csip(h.Attrs, "OAISPACKAGETYPE")
	c.info.packageType = strings.TrimSpace(pt)
	sip := ""
	if c.info.root {
		sip = " (SIP4: a SIP declares SIP)"
	}
	switch {
	case !ok:
		c.p.error(CodeHeader, path, "CSIP9", "metsHdr/@csip:OAISPACKAGETYPE is missing%s", sip)
	case c.info.packageType == "":
		c.p.error(CodeHeader, path, "CSIP9", "metsHdr/@csip:OAISPACKAGETYPE is empty%s", sip)
	case !contains(oaisPackageTypes, c.info.packageType):
		c.p.error(CodeHeader, path, "CSIP9", "metsHdr/@csip:OAISPACKAGETYPE %q is not one of %s", clip(pt), strings.Join(oaisPackageTypes, ", "))
	case c.info.root && c.info.packageType != "SIP" && c.info.profileKind == profileSIP:
		c.p.error(CodeHeader, path, "SIP4", "metsHdr/@csip:OAISPACKAGETYPE is %q, but the E-ARK SIP profile requires SIP", pt)
	case c.info.root && c.info.packageType != "SIP":
		c.p.warn(CodeHeader, path, "SIP4", "the package is an %s (csip:OAISPACKAGETYPE), not a SIP; it is ingested as a submission", pt)
	}
	if c.info.root && c.info.packageType == "SIP" && c.info.profileKind == profileCSIP {
		c.p.warn(CodeRoot, path, "SIP2", "the package is a SIP but mets/@PROFILE names the CSIP profile, not the E-ARK SIP profile "+
			"https://earksip.dilcis.eu/profile/E-ARK-SIP.xml")
	}

	if rs, ok := h.Lookup("RECORDSTATUS"); ok && c.info.root {
		rs = strings.TrimSpace(rs)
		switch {
		case rs == "":
			c.p.warn(CodeHeader, path, "SIP3", "metsHdr/@RECORDSTATUS is present but empty")
		case !contains(recordStatuses, rs):
			c.p.warn(CodeHeader, path, "SIP3", "metsHdr/@RECORDSTATUS %q is not one of %s", clip(rs), strings.Join(recordStatuses, ", "))
		case rs == "TEST":
			c.p.warn(CodeHeader, path, "SIP3", "metsHdr/@RECORDSTATUS is TEST: the submitter marks the package as a test that must not become an AIP")
		case rs == "DELETE":
			c.p.warn(CodeHeader, path, "SIP3", "metsHdr/@RECORDSTATUS is DELETE, a request to delete an AIP; magazin does not act on it")
		}
	}
	c.checkAgents(h)
	if c.info.root {
		c.checkAltRecordIDs(h)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func text(es []TextElement) string {
	for _, e := range es {
		if t := strings.TrimSpace(e.Text); t != "" {
			return t
		}
	}
	return ""
}

func (c *metsCheck) checkAgents(h Hdr) {
	path, sev := c.path(), c.must()
	if len(h.Agent) == 0 {
		c.p.add(sev, CodeHeader, path, "CSIP10", "metsHdr has no agent; the software that created the package must be named "+
			"(agent ROLE=CREATOR TYPE=OTHER OTHERTYPE=SOFTWARE)")
		return
	}
	var software *Agent
	var partial *Agent
	for i := range h.Agent {
		a := &h.Agent[i]
		role, typ, other := a.Get("ROLE"), a.Get("TYPE"), a.Get("OTHERTYPE")
		if role == "CREATOR" && typ == "OTHER" && other == "SOFTWARE" {
			software = a
			break
		}
		if partial == nil && (strings.EqualFold(other, "SOFTWARE") || role == "CREATOR" && typ == "OTHER") {
			partial = a
		}
	}
	if software == nil {
		if partial == nil {
			c.p.add(sev, CodeHeader, path, "CSIP11", "no metsHdr/agent with ROLE=CREATOR, TYPE=OTHER and OTHERTYPE=SOFTWARE names the "+
				"software that created the package (CSIP10-13)")
			return
		}
		role, typ, other := partial.Get("ROLE"), partial.Get("TYPE"), partial.Get("OTHERTYPE")
		switch {
		case role != "CREATOR":
			c.p.add(sev, CodeHeader, path, "CSIP11", "the software agent's ROLE is %q, not CREATOR", clip(role))
		case typ != "OTHER":
			c.p.add(sev, CodeHeader, path, "CSIP12", "the software agent's TYPE is %q, not OTHER", clip(typ))
		default:
			c.p.add(sev, CodeHeader, path, "CSIP13", "the software agent's OTHERTYPE is %q, not SOFTWARE", clip(other))
		}
		software = partial
	}
	if text(software.Name) == "" {
		c.p.add(sev, CodeHeader, path, "CSIP14", "the software agent has no name")
	}
	var version *TextElement
	for i := range software.Note {
		if t, _ := c.csip(software.Note[i].Attrs, "NOTETYPE"); t == "SOFTWARE VERSION" {
			version = &software.Note[i]
			break
		}
	}
	switch {
	case len(software.Note) == 0:
		c.p.add(sev, CodeHeader, path, "CSIP15", "the software agent has no note with the software version")
	case version == nil:
		c.p.add(sev, CodeHeader, path, "CSIP16", "no note of the software agent is typed csip:NOTETYPE=\"SOFTWARE VERSION\"")
	case strings.TrimSpace(version.Text) == "":
		c.p.warn(CodeHeader, path, "CSIP15", "the software agent's version note is empty")
	}
	if !c.info.root || c.info.profileKind != profileSIP {
		return
	}
	// SIP15: the submitting agent (ORGANIZATION or INDIVIDUAL).
	for _, a := range h.Agent {
		if t := a.Get("TYPE"); t == "ORGANIZATION" || t == "INDIVIDUAL" {
			return
		}
	}
	c.p.warn(CodeHeader, path, "SIP15", "no metsHdr/agent of TYPE ORGANIZATION or INDIVIDUAL names the submitting agent")
}

func (c *metsCheck) checkAltRecordIDs(h Hdr) {
	path := c.path()
	byType := map[string][]TextElement{}
	for _, a := range h.AltRecordID {
		t := a.Get("TYPE")
		byType[t] = append(byType[t], a)
	}
	for _, r := range []struct {
		typ, req string
		once     bool
	}{
		{"SUBMISSIONAGREEMENT", "SIP5", true}, {"PREVIOUSSUBMISSIONAGREEMENT", "SIP6", false},
		{"REFERENCECODE", "SIP7", true}, {"PREVIOUSREFERENCECODE", "SIP8", false},
	} {
		es := byType[r.typ]
		if r.once && len(es) > 1 {
			c.p.warn(CodeHeader, path, r.req, "metsHdr/altRecordID[@TYPE='%s'] is given %d times; it may be given once", r.typ, len(es))
		}
		for _, e := range es {
			if strings.TrimSpace(e.Text) == "" {
				c.p.warn(CodeHeader, path, r.req, "metsHdr/altRecordID[@TYPE='%s'] is empty", r.typ)
				break
			}
		}
	}
}

// --- dmdSec, amdSec (CSIP17-57) ---

// mdReqs are the requirement ids of an mdRef's attributes per section:
// LOCTYPE, xlink:type, xlink:href, MDTYPE, MIMETYPE, SIZE, CREATED,
// CHECKSUM, CHECKSUMTYPE.
var mdReqs = map[string][9]string{
	"dmdSec":     {"CSIP22", "CSIP23", "CSIP24", "CSIP25", "CSIP26", "CSIP27", "CSIP28", "CSIP29", "CSIP30"},
	"digiprovMD": {"CSIP36", "CSIP37", "CSIP38", "CSIP39", "CSIP40", "CSIP41", "CSIP42", "CSIP43", "CSIP44"},
	"rightsMD":   {"CSIP49", "CSIP50", "CSIP51", "CSIP52", "CSIP53", "CSIP54", "CSIP55", "CSIP56", "CSIP57"},
}

func (c *metsCheck) checkMdSecs() {
	path := c.path()
	for i, s := range c.m.DmdSec {
		elem := fmt.Sprintf("dmdSec[%d]", i+1)
		if id := s.Get("ID"); id == "" {
			c.p.error(CodeMdSec, path, "CSIP18", "%s has no ID", elem)
		} else {
			elem = fmt.Sprintf("dmdSec[@ID='%s']", clip(id))
		}
		if cr, ok := s.Lookup("CREATED"); !ok {
			c.p.error(CodeMdSec, path, "CSIP19", "%s/@CREATED is missing", elem)
		} else if _, ok := parseDateTime(cr); !ok {
			c.p.error(CodeMdSec, path, "CSIP19", "%s/@CREATED %q is not an xs:dateTime", elem, clip(cr))
		}
		c.checkMdRefs(s, "dmdSec", elem)
	}
	if len(c.m.AmdSec) > 1 {
		c.p.warn(CodeMdSec, path, "CSIP31", "%d amdSec elements; all administrative metadata should be in one", len(c.m.AmdSec))
	}
	for _, a := range c.m.AmdSec {
		for _, sec := range []struct {
			name, idReq string
			list        []MdSec
		}{
			{"digiprovMD", "CSIP33", a.DigiprovMD}, {"rightsMD", "CSIP46", a.RightsMD},
			{"techMD", "CSIP31", a.TechMD}, {"sourceMD", "CSIP31", a.SourceMD},
		} {
			for i, s := range sec.list {
				elem := fmt.Sprintf("amdSec/%s[%d]", sec.name, i+1)
				if id := s.Get("ID"); id == "" {
					c.p.error(CodeMdSec, path, sec.idReq, "%s has no ID", elem)
				} else {
					elem = fmt.Sprintf("amdSec/%s[@ID='%s']", sec.name, clip(id))
				}
				c.checkMdRefs(s, sec.name, elem)
			}
		}
	}
}

func (c *metsCheck) checkMdRefs(s MdSec, section, elem string) {
	reqs, ok := mdReqs[section]
	if !ok {
		reqs = mdReqs["digiprovMD"] // techMD, sourceMD: as digital provenance
	}
	path := c.path()
	for _, r := range s.MdRef {
		e := elem + "/mdRef"
		if loc, ok := r.Lookup("LOCTYPE"); !ok {
			c.p.error(CodeMdSec, path, reqs[0], "%s/@LOCTYPE is missing (URL)", e)
		} else if loc != "URL" {
			c.p.error(CodeMdSec, path, reqs[0], "%s/@LOCTYPE is %q; CSIP references files by URL", e, clip(loc))
		}
		if t, ok, _ := r.NS(NSXLink, "type"); ok && t != "simple" {
			c.p.error(CodeMdSec, path, reqs[1], "%s/@xlink:type is %q, not simple", e, clip(t))
		}
		if r.Get("MDTYPE") == "" {
			c.p.error(CodeMdSec, path, reqs[3], "%s/@MDTYPE is missing", e)
		}
		if r.Get("MIMETYPE") == "" {
			c.p.error(CodeMdSec, path, reqs[4], "%s/@MIMETYPE is missing", e)
		}
		c.noteCreated(r.Get("CREATED"))
		if cr, ok := r.Lookup("CREATED"); !ok {
			c.p.error(CodeMdSec, path, reqs[6], "%s/@CREATED is missing", e)
		} else if _, ok := parseDateTime(cr); !ok {
			c.p.error(CodeMdSec, path, reqs[6], "%s/@CREATED %q is not an xs:dateTime", e, clip(cr))
		}
		ref := metsRef{kind: "mdRef", elem: e, id: r.Get("ID"), mdType: r.Get("MDTYPE"), section: section,
			reqHref: reqs[2], reqSize: reqs[5], reqCheck: reqs[7]}
		c.checkSizeChecksum(r, &ref, CodeMdSec, reqs[5], reqs[7], reqs[8])
		href, ok := r.Href()
		if !ok || strings.TrimSpace(href) == "" {
			c.p.error(CodeMdSec, path, reqs[2], "%s/@xlink:href is missing", e)
			continue
		}
		ref.href = href
		c.info.refs = append(c.info.refs, ref)
	}
}

var hexDigits = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// checkSizeChecksum checks SIZE, CHECKSUM and CHECKSUMTYPE of a file or
// mdRef element and records them in ref.
func (c *metsCheck) checkSizeChecksum(a Attrs, ref *metsRef, code, reqSize, reqSum, reqType string) {
	path, e := c.path(), ref.elem
	ref.size = -1
	if s, ok := a.Lookup("SIZE"); !ok {
		c.p.error(code, path, reqSize, "%s/@SIZE is missing", e)
	} else if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err != nil || n < 0 {
		c.p.error(code, path, reqSize, "%s/@SIZE %q is not a number of bytes", e, clip(s))
	} else {
		ref.size = n
	}
	sum, hasSum := a.Lookup("CHECKSUM")
	typ, hasType := a.Lookup("CHECKSUMTYPE")
	sum = strings.TrimSpace(sum)
	if !hasSum || sum == "" {
		c.p.error(code, path, reqSum, "%s/@CHECKSUM is missing; the file's fixity cannot be verified", e)
	}
	if !hasType {
		if hasSum {
			c.p.error(code, path, reqType, "%s/@CHECKSUMTYPE is missing", e)
		}
		return
	}
	alg, known := checksumAlgorithm(typ)
	switch {
	case !known:
		c.p.error(code, path, reqType, "%s/@CHECKSUMTYPE %q is not in the METS vocabulary (MD5, SHA-1, SHA-256, SHA-384, SHA-512, ...)", e, clip(typ))
		return
	case alg == "":
		c.p.warn(CodeChecksum, path, reqType, "%s: CHECKSUMTYPE %s is not verified by magazin; the file's fixity is not checked against the submission", e, typ)
		return
	case sum == "":
		return
	case !hexDigits.MatchString(sum) || len(sum) != digestLen[alg]:
		c.p.error(CodeChecksum, path, reqSum, "%s/@CHECKSUM %q is not a %s checksum (%d hex digits)", e, clip(sum), typ, digestLen[alg])
		return
	}
	ref.alg, ref.checksum = alg, strings.ToLower(sum)
}

// --- fileSec (CSIP58-79, SIP32-35) ---

func isRepresentationsUse(use string) bool {
	return strings.HasPrefix(strings.ToLower(use), "representations")
}

func (c *metsCheck) checkFileSec() {
	path := c.path()
	switch len(c.m.FileSec) {
	case 0:
		c.p.warn(CodeFileSec, path, "CSIP58", "the METS document has no fileSec: it references no content files")
		return
	case 1:
	default:
		c.p.error(CodeFileSec, path, "CSIP58", "%d fileSec elements; METS allows one", len(c.m.FileSec))
	}
	fs := c.m.FileSec[0]
	if fs.Get("ID") == "" {
		c.p.warn(CodeFileSec, path, "CSIP59", "fileSec/@ID is missing")
	}
	c.checkFileGrps(fs.FileGrp, "fileSec")
}

func (c *metsCheck) checkFileGrps(grps []FileGrp, parent string) {
	path := c.path()
	for i, g := range grps {
		use, hasUse := g.Lookup("USE")
		elem := fmt.Sprintf("%s/fileGrp[%d]", parent, i+1)
		if hasUse {
			elem = fmt.Sprintf("%s/fileGrp[@USE='%s']", parent, clip(use))
		}
		if !hasUse || strings.TrimSpace(use) == "" {
			c.p.error(CodeFileSec, path, "CSIP64", "%s/@USE is missing", elem)
		}
		if g.Get("ID") == "" {
			c.p.error(CodeFileSec, path, "CSIP65", "%s/@ID is missing", elem)
		}
		if c.info.root && isRepresentationsUse(use) {
			cit, ok := c.csip(g.Attrs, "CONTENTINFORMATIONTYPE")
			other, hasOther := c.csip(g.Attrs, "OTHERCONTENTINFORMATIONTYPE")
			switch {
			case !ok:
				c.p.warn(CodeFileSec, path, "CSIP62", "%s/@csip:CONTENTINFORMATIONTYPE is missing", elem)
			case !isContentInformationType(strings.TrimSpace(cit)):
				c.p.warn(CodeFileSec, path, "CSIP62", "%s/@csip:CONTENTINFORMATIONTYPE %q is not in the DILCIS vocabulary", elem, clip(cit))
			case isOther(strings.TrimSpace(cit)) && (!hasOther || strings.TrimSpace(other) == ""):
				c.p.warn(CodeFileSec, path, "CSIP63", "%s/@csip:CONTENTINFORMATIONTYPE is OTHER without csip:OTHERCONTENTINFORMATIONTYPE", elem)
			}
		}
		if len(g.File) == 0 && len(g.FileGrp) == 0 {
			c.p.warn(CodeFileSec, path, "CSIP66", "%s has no file", elem)
		}
		c.checkFiles(g.File, elem, use)
		c.checkFileGrps(g.FileGrp, elem)
	}
}

var sipFileFormat = []struct{ attr, req string }{
	{"FILEFORMATNAME", "SIP32"}, {"FILEFORMATVERSION", "SIP33"}, {"FILEFORMATREGISTRY", "SIP34"}, {"FILEFORMATKEY", "SIP35"},
}

func (c *metsCheck) checkFiles(files []File, parent, use string) {
	path := c.path()
	for i, f := range files {
		id := f.Get("ID")
		elem := fmt.Sprintf("%s/file[%d]", parent, i+1)
		if id == "" {
			c.p.error(CodeFileSec, path, "CSIP67", "%s/@ID is missing", elem)
		} else {
			elem = fmt.Sprintf("file[@ID='%s']", clip(id))
		}
		if f.Get("MIMETYPE") == "" {
			c.p.error(CodeFileSec, path, "CSIP68", "%s/@MIMETYPE is missing", elem)
		}
		c.noteCreated(f.Get("CREATED"))
		if cr, ok := f.Lookup("CREATED"); !ok {
			c.p.error(CodeFileSec, path, "CSIP70", "%s/@CREATED is missing", elem)
		} else if _, ok := parseDateTime(cr); !ok {
			c.p.error(CodeFileSec, path, "CSIP70", "%s/@CREATED %q is not an xs:dateTime", elem, clip(cr))
		}
		for _, s := range sipFileFormat {
			if v, ok := c.ext(f.Attrs, NSSIP, s.attr); ok && strings.TrimSpace(v) == "" {
				c.p.warn(CodeFileSec, path, s.req, "%s/@sip:%s is present but empty", elem, s.attr)
			}
		}
		ref := metsRef{kind: "file", elem: elem, id: id, use: use, reqHref: "CSIP79", reqSize: "CSIP69", reqCheck: "CSIP71"}
		c.checkSizeChecksum(f.Attrs, &ref, CodeFileSec, "CSIP69", "CSIP71", "CSIP72")
		switch {
		case len(f.FLocat) == 0 && len(f.FContent) > 0:
			c.p.error(CodeFileSec, path, "CSIP76", "%s embeds its content (FContent) instead of locating a file with FLocat", elem)
		case len(f.FLocat) == 0:
			c.p.error(CodeFileSec, path, "CSIP76", "%s has no FLocat", elem)
		default:
			if len(f.FLocat) > 1 {
				c.p.warn(CodeFileSec, path, "CSIP76", "%s has %d FLocat elements; the first is used", elem, len(f.FLocat))
			}
			l := f.FLocat[0]
			if loc, ok := l.Lookup("LOCTYPE"); !ok {
				c.p.error(CodeFileSec, path, "CSIP77", "%s/FLocat/@LOCTYPE is missing (URL)", elem)
			} else if loc != "URL" {
				c.p.error(CodeFileSec, path, "CSIP77", "%s/FLocat/@LOCTYPE is %q; CSIP locates files by URL", elem, clip(loc))
			}
			if t, ok, _ := l.NS(NSXLink, "type"); ok && t != "simple" {
				c.p.error(CodeFileSec, path, "CSIP78", "%s/FLocat/@xlink:type is %q, not simple", elem, clip(t))
			}
			if href, ok := l.Href(); !ok || strings.TrimSpace(href) == "" {
				c.p.error(CodeFileSec, path, "CSIP79", "%s/FLocat/@xlink:href is missing", elem)
			} else {
				ref.href = href
				c.info.refs = append(c.info.refs, ref)
			}
		}
		c.checkFiles(f.File, elem, use)
	}
}

// --- structMap (CSIP80-112) and ID references ---

var csipStructMapLabel = regexp.MustCompile(`(?i)^csip( structmap)?$`)

func (c *metsCheck) checkStructMap() {
	path := c.path()
	if len(c.m.StructMap) == 0 {
		c.p.error(CodeStructMap, path, "CSIP80", "the METS document has no structMap")
		return
	}
	var sm *StructMap
	for i := range c.m.StructMap {
		s := &c.m.StructMap[i]
		if s.Get("TYPE") != "PHYSICAL" {
			continue
		}
		if csipStructMapLabel.MatchString(strings.TrimSpace(s.Get("LABEL"))) {
			sm = s
			break
		}
		if sm == nil {
			sm = s
		}
	}
	if sm == nil {
		c.p.error(CodeStructMap, path, "CSIP81", "no structMap has TYPE PHYSICAL")
		return
	}
	if !csipStructMapLabel.MatchString(strings.TrimSpace(sm.Get("LABEL"))) {
		c.p.warn(CodeStructMap, path, "CSIP82", "the PHYSICAL structMap is labelled %q, not CSIP", clip(sm.Get("LABEL")))
	}
	if sm.Get("ID") == "" {
		c.p.warn(CodeStructMap, path, "CSIP83", "the CSIP structMap has no ID")
	}
	switch len(sm.Div) {
	case 0:
		c.p.error(CodeStructMap, path, "CSIP84", "the CSIP structMap has no div")
		return
	case 1:
	default:
		c.p.warn(CodeStructMap, path, "CSIP84", "the CSIP structMap has %d top-level divs; it should have one", len(sm.Div))
	}
	main := sm.Div[0]
	if main.Get("ID") == "" {
		c.p.warn(CodeStructMap, path, "CSIP85", "the main div of the CSIP structMap has no ID")
	}
	if label, ok := main.Lookup("LABEL"); !ok {
		c.p.warn(CodeStructMap, path, "CSIP86", "the main div of the CSIP structMap has no LABEL (the package ID)")
	} else if c.info.objid != "" && strings.TrimSpace(label) != c.info.objid {
		c.p.warn(CodeStructMap, path, "CSIP86", "the main div is labelled %q, not with the OBJID %q", clip(label), clip(c.info.objid))
	}
	labels := map[string]bool{}
	referenced := map[string]bool{}
	var walk func(d Div, depth int)
	walk = func(d Div, depth int) {
		labels[strings.ToLower(strings.TrimSpace(d.Get("LABEL")))] = true
		for _, f := range d.Fptr {
			referenced[f.Get("FILEID")] = true
		}
		for _, id := range strings.Fields(d.Get("CONTENTIDS")) {
			referenced[id] = true
		}
		if depth == 1 {
			for _, mp := range d.Mptr {
				c.checkMptr(mp, d)
				// commons-IP names the representation's file group in
				// the pointer's title.
				if title, ok, _ := mp.NS(NSXLink, "title"); ok {
					referenced[title] = true
				}
			}
		}
		for _, sub := range d.Div {
			walk(sub, depth+1)
		}
	}
	walk(main, 0)
	if len(c.m.DmdSec)+len(c.m.AmdSec) > 0 && !labels["metadata"] {
		c.p.warn(CodeStructMap, path, "CSIP88", "the CSIP structMap has no div labelled Metadata for the dmdSec/amdSec")
	}
	if len(c.m.FileSec) == 0 {
		return
	}
	for _, g := range c.m.FileSec[0].FileGrp {
		id, use := g.Get("ID"), g.Get("USE")
		req := ""
		switch {
		case strings.EqualFold(use, "Documentation"):
			req = "CSIP96"
		case strings.EqualFold(use, "Schemas"):
			req = "CSIP100"
		case isRepresentationsUse(use):
			req = "CSIP104"
		}
		if req == "" || id == "" || referenced[id] || referenced[strings.TrimPrefix(id, "ID-")] || len(g.File) == 0 {
			continue
		}
		c.p.warn(CodeStructMap, path, req, "fileGrp[@USE='%s'] (ID %q) is not referenced from the CSIP structMap", clip(use), clip(id))
	}
}

func (c *metsCheck) checkMptr(mp Attrs, d Div) {
	path := c.path()
	elem := fmt.Sprintf("div[@LABEL='%s']/mptr", clip(d.Get("LABEL")))
	if loc, ok := mp.Lookup("LOCTYPE"); !ok {
		c.p.error(CodeStructMap, path, "CSIP112", "%s/@LOCTYPE is missing (URL)", elem)
	} else if loc != "URL" {
		c.p.error(CodeStructMap, path, "CSIP112", "%s/@LOCTYPE is %q, not URL", elem, clip(loc))
	}
	if t, ok, _ := mp.NS(NSXLink, "type"); ok && t != "simple" {
		c.p.error(CodeStructMap, path, "CSIP111", "%s/@xlink:type is %q, not simple", elem, clip(t))
	}
	href, ok := mp.Href()
	if !ok || strings.TrimSpace(href) == "" {
		c.p.error(CodeStructMap, path, "CSIP110", "%s/@xlink:href is missing", elem)
		return
	}
	c.info.refs = append(c.info.refs, metsRef{kind: "mptr", elem: elem, href: href, size: -1, reqHref: "CSIP110"})
}

// collectIDs records every xml:ID of the elements magazin reads.
func (c *metsCheck) collectIDs() {
	add := func(a Attrs, elem string) {
		id := a.Get("ID")
		if id == "" {
			return
		}
		if _, dup := c.ids[id]; dup {
			c.dupIDs[id]++
			return
		}
		c.ids[id] = elem
	}
	m := c.m
	for _, h := range m.Hdr {
		add(h.Attrs, "metsHdr")
		for _, a := range h.Agent {
			add(a.Attrs, "agent")
		}
	}
	for _, s := range m.DmdSec {
		add(s.Attrs, "dmdSec")
		for _, r := range s.MdRef {
			add(r, "mdRef")
		}
		for _, w := range s.MdWrap {
			add(w, "mdWrap")
		}
	}
	for _, a := range m.AmdSec {
		add(a.Attrs, "amdSec")
		for _, list := range [][]MdSec{a.TechMD, a.RightsMD, a.SourceMD, a.DigiprovMD} {
			for _, s := range list {
				add(s.Attrs, "amd")
				for _, r := range s.MdRef {
					add(r, "mdRef")
				}
				for _, w := range s.MdWrap {
					add(w, "mdWrap")
				}
			}
		}
	}
	var files func([]File)
	files = func(fs []File) {
		for _, f := range fs {
			add(f.Attrs, "file")
			for _, l := range f.FLocat {
				add(l, "FLocat")
			}
			files(f.File)
		}
	}
	var grps func([]FileGrp)
	grps = func(gs []FileGrp) {
		for _, g := range gs {
			add(g.Attrs, "fileGrp")
			files(g.File)
			grps(g.FileGrp)
		}
	}
	for _, fs := range m.FileSec {
		add(fs.Attrs, "fileSec")
		grps(fs.FileGrp)
	}
	var divs func([]Div)
	divs = func(ds []Div) {
		for _, d := range ds {
			add(d.Attrs, "div")
			for _, f := range d.Fptr {
				add(f, "fptr")
			}
			for _, mp := range d.Mptr {
				add(mp, "mptr")
			}
			divs(d.Div)
		}
	}
	for _, sm := range m.StructMap {
		add(sm.Attrs, "structMap")
		divs(sm.Div)
	}
}

// checkIDs reports duplicate IDs and references (FILEID, DMDID, ADMID)
// to IDs the document does not have.
func (c *metsCheck) checkIDs() {
	path := c.path()
	for _, id := range sortedKeys(c.dupIDs) {
		c.p.error(CodeStructMap, path, "", "the ID %q is used %d times; IDs must be unique within a METS document", clip(id), c.dupIDs[id]+1)
	}
	check := func(a Attrs, attr, req, elem string, kinds ...string) {
		for _, ref := range strings.Fields(a.Get(attr)) {
			kind, ok := c.ids[ref]
			if !ok {
				c.p.error(CodeStructMap, path, req, "%s/@%s refers to %q, which no element of the document has as ID", elem, attr, clip(ref))
				continue
			}
			if len(kinds) > 0 && !contains(kinds, kind) {
				c.p.warn(CodeStructMap, path, req, "%s/@%s refers to %q, a %s", elem, attr, clip(ref), kind)
			}
		}
	}
	var files func([]File)
	files = func(fs []File) {
		for _, f := range fs {
			elem := "file[@ID='" + clip(f.Get("ID")) + "']"
			check(f.Attrs, "DMDID", "CSIP75", elem, "dmdSec")
			check(f.Attrs, "ADMID", "CSIP74", elem, "amd", "amdSec")
			files(f.File)
		}
	}
	var grps func([]FileGrp)
	grps = func(gs []FileGrp) {
		for _, g := range gs {
			check(g.Attrs, "ADMID", "CSIP61", "fileGrp[@USE='"+clip(g.Get("USE"))+"']", "amd", "amdSec")
			files(g.File)
			grps(g.FileGrp)
		}
	}
	for _, fs := range c.m.FileSec {
		grps(fs.FileGrp)
	}
	var divs func([]Div)
	divs = func(ds []Div) {
		for _, d := range ds {
			elem := "div[@LABEL='" + clip(d.Get("LABEL")) + "']"
			check(d.Attrs, "DMDID", "CSIP92", elem, "dmdSec")
			check(d.Attrs, "ADMID", "CSIP91", elem, "amd", "amdSec")
			for _, f := range d.Fptr {
				check(f, "FILEID", "CSIP116", elem+"/fptr", "file", "fileGrp")
			}
			divs(d.Div)
		}
	}
	for _, sm := range c.m.StructMap {
		divs(sm.Div)
	}
}
