package aip

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

// PREMIS 3 namespaces and vocabularies.
const (
	premisNS          = "http://www.loc.gov/premis/v3"
	xsiNS             = "http://www.w3.org/2001/XMLSchema-instance"
	premisSchemaLoc   = "http://www.loc.gov/premis/v3 https://www.loc.gov/standards/premis/premis.xsd"
	eventTypeVocab    = "http://id.loc.gov/vocabulary/preservation/eventType"
	eventOutcomeVocab = "http://id.loc.gov/vocabulary/preservation/eventOutcome"
	agentRoleVocab    = "http://id.loc.gov/vocabulary/preservation/eventRelatedAgentRole"
	objectRoleVocab   = "http://id.loc.gov/vocabulary/preservation/eventRelatedObjectRole"
	relTypeVocab      = "http://id.loc.gov/vocabulary/preservation/relationshipType"
	relSubTypeVocab   = "http://id.loc.gov/vocabulary/preservation/relationshipSubType"
)

// eventTypeLabels maps LoC eventType codes to their preferred labels.
var eventTypeLabels = map[string]string{
	"ing": "ingestion", "mes": "message digest calculation", "for": "format identification",
	"ipc": "information package creation", "fix": "fixity check", "val": "validation",
	"unp": "unpacking", "vir": "virus check", "rep": "replication", "mee": "metadata extraction",
	"acc": "accession", "app": "appraisal", "mem": "metadata modification", "tra": "transfer",
	"mig": "migration", "nor": "normalization", "dis": "dissemination", "del": "deletion",
}

type premisDoc struct {
	XMLName        xml.Name       `xml:"premis"`
	Xmlns          string         `xml:"xmlns,attr"`
	XmlnsXSI       string         `xml:"xmlns:xsi,attr,omitempty"`
	SchemaLocation string         `xml:"xsi:schemaLocation,attr,omitempty"`
	Version        string         `xml:"version,attr"`
	Objects        []premisObject `xml:"object"`
	Events         []premisEvent  `xml:"event"`
	Agents         []premisAgent  `xml:"agent"`
}

type premisObjectID struct {
	Type  string `xml:"objectIdentifierType"`
	Value string `xml:"objectIdentifierValue"`
}

type premisObject struct {
	XSIType         string                `xml:"xsi:type,attr"`
	Identifiers     []premisObjectID      `xml:"objectIdentifier"`
	Characteristics *premisCharacteristic `xml:"objectCharacteristics,omitempty"`
	OriginalName    string                `xml:"originalName,omitempty"`
	Relationships   []premisRelationship  `xml:"relationship,omitempty"`
	LinkingEventIDs []premisLinkEvent     `xml:"linkingEventIdentifier,omitempty"`
}

// premisRelationship links a derived file to its source ("derivation",
// "has source").
type premisRelationship struct {
	Type    premisAuthority    `xml:"relationshipType"`
	SubType premisAuthority    `xml:"relationshipSubType"`
	Objects []premisRelatedObj `xml:"relatedObjectIdentifier"`
}

type premisRelatedObj struct {
	Type  string `xml:"relatedObjectIdentifierType"`
	Value string `xml:"relatedObjectIdentifierValue"`
}

type premisCharacteristic struct {
	CompositionLevel string         `xml:"compositionLevel"`
	Fixity           []premisFixity `xml:"fixity"`
	Size             int64          `xml:"size"`
	Format           premisFormat   `xml:"format"`
}

type premisFixity struct {
	Algorithm  premisAuthority `xml:"messageDigestAlgorithm"`
	Digest     string          `xml:"messageDigest"`
	Originator string          `xml:"messageDigestOriginator,omitempty"`
}

type premisAuthority struct {
	Authority    string `xml:"authority,attr,omitempty"`
	AuthorityURI string `xml:"authorityURI,attr,omitempty"`
	ValueURI     string `xml:"valueURI,attr,omitempty"`
	Value        string `xml:",chardata"`
}

type premisFormat struct {
	Designation *premisFormatDesignation `xml:"formatDesignation,omitempty"`
	Registry    *premisFormatRegistry    `xml:"formatRegistry,omitempty"`
	Note        []string                 `xml:"formatNote,omitempty"`
}

type premisFormatDesignation struct {
	Name    string `xml:"formatName"`
	Version string `xml:"formatVersion,omitempty"`
}

type premisFormatRegistry struct {
	Name string `xml:"formatRegistryName"`
	Key  string `xml:"formatRegistryKey"`
	Role string `xml:"formatRegistryRole,omitempty"`
}

type premisLinkEvent struct {
	Type  string `xml:"linkingEventIdentifierType"`
	Value string `xml:"linkingEventIdentifierValue"`
}

type premisEvent struct {
	ID            premisEventID      `xml:"eventIdentifier"`
	Type          premisAuthority    `xml:"eventType"`
	DateTime      string             `xml:"eventDateTime"`
	Detail        *premisEventDetail `xml:"eventDetailInformation,omitempty"`
	Outcome       []premisOutcome    `xml:"eventOutcomeInformation"`
	LinkingAgents []premisLinkAgent  `xml:"linkingAgentIdentifier"`
	LinkingObjs   []premisLinkObject `xml:"linkingObjectIdentifier"`
}

type premisEventID struct {
	Type  string `xml:"eventIdentifierType"`
	Value string `xml:"eventIdentifierValue"`
}

type premisEventDetail struct {
	Detail string `xml:"eventDetail"`
}

type premisOutcome struct {
	Outcome premisAuthority      `xml:"eventOutcome"`
	Detail  *premisOutcomeDetail `xml:"eventOutcomeDetail,omitempty"`
}

type premisOutcomeDetail struct {
	Note string `xml:"eventOutcomeDetailNote"`
}

type premisLinkAgent struct {
	Type  string          `xml:"linkingAgentIdentifierType"`
	Value string          `xml:"linkingAgentIdentifierValue"`
	Role  premisAuthority `xml:"linkingAgentRole"`
}

type premisLinkObject struct {
	Type  string           `xml:"linkingObjectIdentifierType"`
	Value string           `xml:"linkingObjectIdentifierValue"`
	Role  *premisAuthority `xml:"linkingObjectRole,omitempty"`
}

// objectRole renders a linkingObjectRole of the LoC eventRelatedObjectRole
// vocabulary: "sou" (source) or "out" (outcome).
func objectRole(code, label string) *premisAuthority {
	return &premisAuthority{Authority: "eventRelatedObjectRole", AuthorityURI: objectRoleVocab,
		ValueURI: objectRoleVocab + "/" + code, Value: label}
}

type premisAgent struct {
	ID      premisAgentID `xml:"agentIdentifier"`
	Name    string        `xml:"agentName"`
	Type    string        `xml:"agentType"`
	Version string        `xml:"agentVersion,omitempty"`
}

type premisAgentID struct {
	Type  string `xml:"agentIdentifierType"`
	Value string `xml:"agentIdentifierValue"`
}

// structural renders a PREMIS structural relationship of the given LoC
// relationshipSubType ("includes", "is included in", "represents", "is
// represented by").
func structural(sub string, objs ...premisRelatedObj) premisRelationship {
	return premisRelationship{
		Type: premisAuthority{Authority: "relationshipType", AuthorityURI: relTypeVocab,
			ValueURI: relTypeVocab + "/str", Value: "structural"},
		SubType: premisAuthority{Authority: "relationshipSubType", AuthorityURI: relSubTypeVocab, Value: sub},
		Objects: objs,
	}
}

// Fixity originators: magazin's own SHA-512, and the digests a submission
// declared (verified at ingest).
const (
	originatorMagazin    = "magazin"
	originatorSubmission = "submission"
	hashVocab            = "http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions"
)

// declaredOrder lists the algorithms of File.Declared in the order PREMIS
// gives them; hashLabels are their labels in the LoC vocabulary.
var (
	declaredOrder = []string{"md5", "sha1", "sha256", "sha384", "sha512"}
	hashLabels    = map[string]string{"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
)

// repIDPrefix prefixes a representation's name to make its PREMIS object
// identifier (type idTypePath): "representations/<name>".
const repIDPrefix = "representations/"

// Identifier types used in our PREMIS.
const (
	idTypeUUID  = "UUID"
	idTypeURN   = "URN"
	idTypePath  = "magazin logical path"
	idTypeAgent = "magazin agent"
)

// encodePREMIS renders the PREMIS 3 document of an AIP.
func encodePREMIS(a *preservation.AIP, w io.Writer) error {
	doc := premisDoc{Xmlns: premisNS, XmlnsXSI: xsiNS, SchemaLocation: premisSchemaLoc, Version: "3.0"}
	// The intellectual entity, represented by each representation, which
	// includes its files (PREMIS structural relationships).
	names, byRep := representationOrder(a)
	ie := premisObject{XSIType: "intellectualEntity", Identifiers: []premisObjectID{{Type: idTypeURN, Value: string(a.ID)}}}
	sources := map[string]string{}
	for _, r := range a.Representations {
		sources[r.Name] = r.Source
	}
	var reps []premisObject
	for _, r := range names {
		if len(byRep[r]) == 0 {
			continue
		}
		rp := repIDPrefix + r
		ie.Relationships = append(ie.Relationships, structural("is represented by", premisRelatedObj{Type: idTypePath, Value: rp}))
		ro := premisObject{XSIType: "representation", Identifiers: []premisObjectID{{Type: idTypePath, Value: rp}},
			OriginalName: sources[r]}
		ro.Relationships = append(ro.Relationships, structural("represents", premisRelatedObj{Type: idTypeURN, Value: string(a.ID)}))
		inc := structural("includes")
		for _, f := range byRep[r] {
			inc.Objects = append(inc.Objects, premisRelatedObj{Type: idTypePath, Value: f.Path})
		}
		ro.Relationships = append(ro.Relationships, inc)
		reps = append(reps, ro)
	}
	doc.Objects = append(doc.Objects, ie)
	doc.Objects = append(doc.Objects, reps...)
	for _, f := range a.Files {
		o := premisObject{
			XSIType:     "file",
			Identifiers: []premisObjectID{{Type: idTypePath, Value: f.Path}},
			Characteristics: &premisCharacteristic{
				CompositionLevel: "0",
				Fixity: []premisFixity{{
					Algorithm: premisAuthority{Authority: "cryptographicHashFunctions", AuthorityURI: hashVocab,
						ValueURI: hashVocab + "/sha512", Value: "SHA-512"},
					Digest:     f.SHA512,
					Originator: originatorMagazin,
				}},
				Size: f.Size,
			},
			OriginalName: f.Name,
		}
		for _, alg := range declaredOrder {
			if d := f.Declared[alg]; d != "" {
				o.Characteristics.Fixity = append(o.Characteristics.Fixity, premisFixity{
					Algorithm: premisAuthority{Authority: "cryptographicHashFunctions", AuthorityURI: hashVocab,
						ValueURI: hashVocab + "/" + alg, Value: hashLabels[alg]},
					Digest: d, Originator: originatorSubmission})
			}
		}
		if r := representationOf(f.Path); r != "" {
			o.Relationships = append(o.Relationships, structural("is included in", premisRelatedObj{Type: idTypePath, Value: repIDPrefix + r}))
		}
		if f.DerivedFrom != "" {
			o.Relationships = append(o.Relationships, premisRelationship{
				Type: premisAuthority{Authority: "relationshipType", AuthorityURI: relTypeVocab,
					ValueURI: relTypeVocab + "/der", Value: "derivation"},
				SubType: premisAuthority{Authority: "relationshipSubType", AuthorityURI: relSubTypeVocab, Value: "has source"},
				Objects: []premisRelatedObj{{Type: idTypePath, Value: f.DerivedFrom}},
			})
		}
		ft := &o.Characteristics.Format
		name := f.FormatName
		if name == "" {
			name = "unknown"
		}
		ft.Designation = &premisFormatDesignation{Name: name, Version: f.FormatVersion}
		if f.PUID != "" && f.PUID != "UNKNOWN" {
			ft.Registry = &premisFormatRegistry{Name: "PRONOM", Key: f.PUID, Role: "identification"}
		}
		if f.FormatBasis != "" {
			ft.Note = append(ft.Note, "basis: "+f.FormatBasis)
		}
		if f.FormatWarning != "" {
			ft.Note = append(ft.Note, "warning: "+f.FormatWarning)
		}
		if f.MIME != "" {
			ft.Note = append(ft.Note, "mime: "+f.MIME)
		}
		doc.Objects = append(doc.Objects, o)
	}
	agentTypes := map[string]string{}
	for _, ag := range a.Agents {
		agentTypes[ag.ID] = ag.Type
	}
	for _, e := range a.Events {
		pe := premisEvent{
			ID: premisEventID{Type: idTypeUUID, Value: e.ID},
			Type: premisAuthority{Authority: "eventType", AuthorityURI: eventTypeVocab,
				ValueURI: eventTypeVocab + "/" + e.Type, Value: labelOr(eventTypeLabels, e.Type)},
			DateTime: e.DateTime.UTC().Format(time.RFC3339),
		}
		if e.Detail != "" {
			pe.Detail = &premisEventDetail{Detail: e.Detail}
		}
		oc := "suc"
		if e.Outcome == preservation.OutcomeFailure {
			oc = "fai"
		}
		out := premisOutcome{Outcome: premisAuthority{Authority: "eventOutcome", AuthorityURI: eventOutcomeVocab,
			ValueURI: eventOutcomeVocab + "/" + oc, Value: e.Outcome}}
		if e.OutcomeDetail != "" {
			out.Detail = &premisOutcomeDetail{Note: e.OutcomeDetail}
		}
		pe.Outcome = []premisOutcome{out}
		for _, ag := range e.Agents {
			// Software executes; a person (an archivist) implements.
			code, label := "exe", "executing program"
			if agentTypes[ag] == "person" {
				code, label = "imp", "implementer"
			}
			pe.LinkingAgents = append(pe.LinkingAgents, premisLinkAgent{Type: idTypeAgent, Value: ag,
				Role: premisAuthority{Authority: "eventRelatedAgentRole", AuthorityURI: agentRoleVocab,
					ValueURI: agentRoleVocab + "/" + code, Value: label}})
		}
		objs := e.Objects
		if len(objs) == 0 && len(e.Outcomes) == 0 {
			pe.LinkingObjs = append(pe.LinkingObjs, premisLinkObject{Type: idTypeURN, Value: string(a.ID)})
		}
		for _, p := range objs {
			lo := premisLinkObject{Type: idTypePath, Value: p}
			if len(e.Outcomes) > 0 {
				lo.Role = objectRole("sou", "source")
			}
			pe.LinkingObjs = append(pe.LinkingObjs, lo)
		}
		for _, p := range e.Outcomes {
			pe.LinkingObjs = append(pe.LinkingObjs, premisLinkObject{Type: idTypePath, Value: p, Role: objectRole("out", "outcome")})
		}
		doc.Events = append(doc.Events, pe)
	}
	for _, ag := range a.Agents {
		doc.Agents = append(doc.Agents, premisAgent{ID: premisAgentID{Type: idTypeAgent, Value: ag.ID},
			Name: ag.Name, Type: ag.Type, Version: ag.Version})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("aip: encode premis: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func labelOr(m map[string]string, code string) string {
	if l, ok := m[code]; ok {
		return l
	}
	return code
}

// decodePREMIS reads the files, events and agents of our PREMIS documents
// back into a.
func decodePREMIS(r io.Reader, a *preservation.AIP) error {
	var doc struct {
		Objects []struct {
			Type            string                `xml:"type,attr"`
			Identifiers     []premisObjectID      `xml:"objectIdentifier"`
			Characteristics *premisCharacteristic `xml:"objectCharacteristics"`
			OriginalName    string                `xml:"originalName"`
			Relationships   []premisRelationship  `xml:"relationship"`
		} `xml:"object"`
		Events []premisEvent `xml:"event"`
		Agents []premisAgent `xml:"agent"`
	}
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return fmt.Errorf("aip: decode premis: %w", err)
	}
	a.Files = a.Files[:0]
	for _, o := range doc.Objects {
		if o.Type != "file" || o.Characteristics == nil || len(o.Identifiers) == 0 {
			continue
		}
		c := o.Characteristics
		f := preservation.File{Path: o.Identifiers[0].Value, Name: o.OriginalName, Size: c.Size}
		for _, r := range o.Relationships {
			if r.Type.Value == "derivation" && r.SubType.Value == "has source" && len(r.Objects) > 0 && r.Objects[0].Type == idTypePath {
				f.DerivedFrom = r.Objects[0].Value
			}
		}
		for _, fx := range c.Fixity {
			alg := codeFromURI(fx.Algorithm.ValueURI)
			switch {
			case fx.Originator == originatorSubmission:
				if hashLabels[alg] != "" {
					if f.Declared == nil {
						f.Declared = map[string]string{}
					}
					f.Declared[alg] = fx.Digest
				}
			case fx.Algorithm.Value == "SHA-512":
				f.SHA512 = fx.Digest
			}
		}
		if d := c.Format.Designation; d != nil && d.Name != "unknown" {
			f.FormatName, f.FormatVersion = d.Name, d.Version
		}
		if rg := c.Format.Registry; rg != nil && rg.Name == "PRONOM" {
			f.PUID = rg.Key
		} else {
			f.PUID = "UNKNOWN"
		}
		for _, n := range c.Format.Note {
			switch {
			case len(n) > 7 && n[:7] == "basis: ":
				f.FormatBasis = n[7:]
			case len(n) > 9 && n[:9] == "warning: ":
				f.FormatWarning = n[9:]
			case len(n) > 6 && n[:6] == "mime: ":
				f.MIME = n[6:]
			}
		}
		a.Files = append(a.Files, f)
	}
	sort.Slice(a.Files, func(i, j int) bool { return a.Files[i].Path < a.Files[j].Path })
	a.Events = a.Events[:0]
	for _, e := range doc.Events {
		t, _ := time.Parse(time.RFC3339, e.DateTime)
		ev := preservation.Event{ID: e.ID.Value, Type: codeFromURI(e.Type.ValueURI), DateTime: t}
		if e.Detail != nil {
			ev.Detail = e.Detail.Detail
		}
		if len(e.Outcome) > 0 {
			ev.Outcome = e.Outcome[0].Outcome.Value
			if e.Outcome[0].Detail != nil {
				ev.OutcomeDetail = e.Outcome[0].Detail.Note
			}
		}
		for _, la := range e.LinkingAgents {
			ev.Agents = append(ev.Agents, la.Value)
		}
		for _, lo := range e.LinkingObjs {
			switch {
			case lo.Type != idTypePath:
			case lo.Role != nil && codeFromURI(lo.Role.ValueURI) == "out":
				ev.Outcomes = append(ev.Outcomes, lo.Value)
			default:
				ev.Objects = append(ev.Objects, lo.Value)
			}
		}
		a.Events = append(a.Events, ev)
	}
	a.Agents = a.Agents[:0]
	for _, ag := range doc.Agents {
		a.Agents = append(a.Agents, preservation.Agent{ID: ag.ID.Value, Name: ag.Name, Type: ag.Type, Version: ag.Version})
	}
	return nil
}

func codeFromURI(uri string) string {
	for i := len(uri) - 1; i >= 0; i-- {
		if uri[i] == '/' {
			return uri[i+1:]
		}
	}
	return uri
}
