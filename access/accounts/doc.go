// Package accounts keeps the reading room's user accounts, login sessions,
// researchers' requests to shorten closure periods (Anträge auf
// Schutzfristverkürzung) and the record of accesses opened by a granted
// request, in a badger database of its own (DATA/accounts).
//
// Accounts are personal data (name, e-mail, institution, what someone
// asked to read): they are kept out of the archive's journal, which lives
// for decades and cannot forget. What the archive must keep — the closure
// decision that opens a unit for one researcher — is journaled by the
// reading room (access.Service.Decide) and names the account by its
// opaque id only. See docs/adr/0003-accounts.md.
//
// Contract:
//   - Passwords are stored only as argon2id hashes (PHC string format,
//     random 16-byte salt); Login compares in constant time and spends the
//     same work on an unknown e-mail address as on a known one.
//   - Failed logins are throttled per account and per client address
//     (ErrThrottled) within a sliding window, before the password is
//     checked.
//   - A session id is 256 random bits, handed to the client once and
//     stored only as its SHA-256; sessions expire on the server (absolute
//     lifetime and idle timeout). Login always creates a new session (no
//     session fixation); Logout, a password change and disabling the
//     account end sessions.
//   - Every session carries its own CSRF token (synchronizer token),
//     compared in constant time (Session.CheckCSRF).
//   - Only active accounts have sessions; a self-registered account is
//     active or pending (Options.Approval) until an archivist enables it.
//   - Staff administer accounts (Approve, Enable, Disable, ChangeRole,
//     ResetPassword) as Permit allows: an archivist acts on researchers
//     only, only an admin changes roles, nobody acts on their own account.
//     Each action ends the account's sessions and is recorded with who
//     did it and when (AdminEvents), beside the access events.
//   - A reset issues a random temporary password, stored only as its
//     hash and valid for ResetTTL (24 h); it opens no session: Login
//     answers ErrMustChange until the owner replaces it
//     (SetOwnPassword), which uses it up.
//
// A DB is safe for concurrent use.
package accounts
