// Package ingest is magazin's ingest pipeline: receive a submission,
// unpack it safely into staging, detect and run its profile, read every
// file once (SHA-512, declared digests and format identification in one
// pass), build the AIP, write it to every store and read it back, commit
// it to the catalog and hand it to the search index.
//
// Contract:
//   - A rejected submission gets coded problems and is kept in quarantine
//     (data dir "quarantine/<job>/", written by ingest/quarantine.Keep);
//     nothing is written to any store. A quarantined copy being retried
//     (Options.NoQuarantine) makes no new entry.
//   - Nothing is written outside the data dir's staging and quarantine
//     areas before the AIP goes to the stores.
//   - An AIP becomes visible (catalog, index) only after every store holds
//     it completely and has been read back.
//   - Re-submitting identical content returns the existing AIP
//     (Result.Existing) and never makes a duplicate.
//   - Scans for a unit digitised before (an Existing unit whose AIP came
//     from the digitised profile) make a new version of that AIP
//     (Result.Rescans; Neudigitalisierung), replacing or supplementing
//     (profiles.Unit.Supplement) its pages, which earlier versions keep;
//     scans whose pages are archived already make none. Every check that
//     can refuse such scans runs before anything is stored.
package ingest
