// Package dip makes E-ARK dissemination information packages (DIPs) for
// users: the access copies and the public description of a unit and of
// its descendants, as the reading room shows them today.
//
// Contract:
//
//   - Everything comes through the access layer's policy check: the
//     description from Room (access.Service.Unit, the public view after
//     closure.Public), the content from Files (access.Content, which
//     delivers an AIP's files only when every unit it holds is open
//     today). Tree (the catalog's ChildIDs) gives the order of units only.
//   - A unit that is closed today is refused with ErrClosed (code
//     DIP_CLOSED), and nothing is written. Closed descendants and their
//     subtrees are left out: neither their description nor their files
//     nor their number appear in the package. A unit that is open but whose
//     AIP holds a closed unit contributes its description, not its files.
//   - The access copy of a file is its access derivative
//     (representations/access, preservation.File.DerivedFrom) when the AIP
//     has one, else the original: the reading room delivers originals as
//     their own access form. Each AIP with deliverable content becomes one
//     representation, named by its unit's uuid, its files under their
//     original names.
//   - Descriptive metadata per included unit: Dublin Core
//     (metadata/descriptive/<uuid>.dc.xml) always, and, when an EAD
//     configuration is given and the unit belongs to a Bestand, its
//     EAD(DDB) 1.2 record (access/ead.Record, <uuid>.ead.xml), the same
//     record OAI-PMH and /api/v1 give.
//   - The package is written with preservation/pack (E-ARK DIP profile,
//     a new OBJID per DIP (DIP1), every file streamed once and its
//     SHA-512 checked against the AIP's).
package dip
