// Package quarantine keeps the submissions that ingest rejected, and lets
// archivists retry or discard them with an account of every action.
//
// An entry is the directory DATA/quarantine/<job>/ (job: the rejected
// ingest's id, letters, digits, '-' and '_' only) holding
//
//	report.json   the rejection as ingest wrote it (Report: the coded
//	              problems, the submission's name, profile and agency);
//	              never changed afterwards
//	submission/   the copy of the submitted file or directory tree, under
//	              its own name (entries made before held a directory's
//	              content directly)
//	state.json    what was done with the entry since (State), absent
//	              until the first action
//	.lock         the entry's lock file (flock)
//
// States: StateQuarantined (the entry as ingest left it, and after a retry
// that was rejected again), StateResolved (a retry ingested it: the AIP ids
// are recorded and the copy is removed, its content now being in the
// archive) and StateDiscarded (an archivist removed the copy, giving a
// reason; what it was — file count, size, the SHA-512 of every file and a
// fingerprint over them — stays in state.json). Only a quarantined entry
// can be retried or discarded.
//
// Contract:
//   - Nothing outside DATA/quarantine is written or removed. A job that is
//     not a plain name (e.g. "../../etc") is refused with ErrInvalidJob
//     before any file is touched; symbolic links in an entry are never
//     followed.
//   - Retry and Discard hold the entry's exclusive lock (flock on .lock)
//     for their whole run, so concurrent actions on one entry, from one
//     process or several, cannot interleave: the second fails with ErrBusy,
//     or, if the first has finished, with ErrState. The lock dies with its
//     process.
//   - Every retry outcome that reaches the archive (resolved, rejected
//     again) and every discard is journaled (Journal; kinds KindRetry and
//     KindDiscard) before the entry's local state changes: the account of
//     what the archive received and did with it lives in storage, survives
//     `magazin rebuild` and the loss of the data directory. The quarantine
//     itself is local working state, not the archive's holdings.
//   - Discard: the journal entry first, then state.json (written by a
//     synced temp file and a rename), then the copy is removed. A crash
//     after the state was written leaves the copy behind; Discard on the
//     entry again removes it (and journals nothing new).
//   - Retry: the copy is ingested again through Ingest, which must not make
//     a new quarantine entry. On success the AIPs are journaled, the entry
//     is resolved and the copy removed; if the journal cannot be written
//     the entry stays quarantined (a later retry finds the AIPs by their
//     fingerprint). On a new rejection the attempt with its problems is
//     appended to state.json (report.json keeps the first rejection) and
//     the entry stays quarantined. An error of the environment (a store
//     down, cancellation) is kept as a failed attempt and changes nothing
//     else.
//
// A Quarantine is safe for concurrent use.
package quarantine
