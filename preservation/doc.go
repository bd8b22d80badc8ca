// Package preservation holds the domain types of magazin's archival storage
// and data management (OAIS): AIPs, files, PREMIS-shaped events and agents,
// coded problems and store object metadata.
//
// Contract: this package performs no I/O and imports only the standard
// library, so every other package may depend on it.
package preservation
