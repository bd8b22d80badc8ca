package accounts

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Actor is who administers an account: a staff member signed in to the
// archivists' desk (their account id, name and role), or the operator on
// the command line (an ID such as "cli:<login name>" and RoleAdmin).
type Actor struct {
	ID, Name, Role string
}

// Administrative actions, as recorded in an AdminEvent.
const (
	ActApprove  = "approve"  // a pending registration is enabled
	ActEnable   = "enable"   // a disabled account is enabled again
	ActDisable  = "disable"  // the account can no longer log in
	ActRole     = "role"     // the role changed
	ActReset    = "reset"    // a temporary password was issued
	ActPassword = "password" // the owner replaced the temporary password
)

var (
	// ErrForbidden: the actor may not take this action on this account.
	ErrForbidden = errors.New("accounts: not permitted")
	// ErrMustChange: the password is a temporary one (after a reset); the
	// owner must choose a new one (SetOwnPassword) before logging in.
	ErrMustChange = errors.New("accounts: the temporary password must be replaced")
	// ErrResetExpired: the temporary password is older than ResetTTL.
	ErrResetExpired = errors.New("accounts: the temporary password has expired")
)

// ResetTTL is how long a temporary password is valid.
const ResetTTL = 24 * time.Hour

// prefixAdmin keys the record of administrative actions:
// admin/<RFC 3339 nano>\x00<n> -> AdminEvent.
const prefixAdmin = "admin/"

// AdminEvent records who did what to which account, and when.
type AdminEvent struct {
	Time time.Time `json:"time"`
	// Actor is the account id (or "cli:<login>") of who acted, ActorName
	// their name then.
	Actor     string `json:"actor"`
	ActorName string `json:"actorName,omitempty"`
	// User is the account acted on, Email its address then.
	User   string `json:"user"`
	Email  string `json:"email,omitempty"`
	Action string `json:"action"`
	// From and To are the state or role before and after.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Permit reports whether by may take action on target (ErrForbidden if
// not). role is the new role of ActRole. Nobody administers their own
// account here; an archivist acts only on researchers and may approve,
// enable, disable and reset them; an admin may do anything, and only an
// admin changes roles.
func Permit(by Actor, target *User, action, role string) error {
	if by.ID == "" || by.ID == target.ID {
		return fmt.Errorf("%w: not on one's own account", ErrForbidden)
	}
	switch by.Role {
	case RoleAdmin:
	case RoleArchivist:
		if target.Role != RoleResearcher {
			return fmt.Errorf("%w: an archivist administers researchers' accounts only", ErrForbidden)
		}
		if action == ActRole {
			return fmt.Errorf("%w: only an admin changes roles", ErrForbidden)
		}
	default:
		return fmt.Errorf("%w: role %q", ErrForbidden, by.Role)
	}
	switch action {
	case ActApprove:
		if target.Status != StatusPending {
			return fmt.Errorf("%w: the account is not waiting for approval", ErrInvalid)
		}
	case ActEnable:
		if target.Status != StatusDisabled {
			return fmt.Errorf("%w: the account is not disabled", ErrInvalid)
		}
	case ActDisable:
		if target.Status == StatusDisabled {
			return fmt.Errorf("%w: the account is disabled already", ErrInvalid)
		}
	case ActRole:
		if !validRole(role) {
			return fmt.Errorf("%w: role %q", ErrInvalid, role)
		}
		if role == target.Role {
			return fmt.Errorf("%w: the account has the role %s already", ErrInvalid, role)
		}
	case ActReset:
		if target.Status != StatusActive {
			return fmt.Errorf("%w: only an active account gets a temporary password", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: action %q", ErrInvalid, action)
	}
	return nil
}

// administer applies fn to the account id after checking Permit, records
// the action and ends the account's sessions.
func (d *DB) administer(ctx context.Context, by Actor, id, action, role string, fn func(*User) (from, to string)) (*User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var u User
	err := d.db.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, prefixUser+id, &u); err != nil {
			return err
		}
		if err := Permit(by, &u, action, role); err != nil {
			return err
		}
		from, to := fn(&u)
		if err := setJSON(txn, prefixUser+id, &u); err != nil {
			return err
		}
		return d.record(txn, AdminEvent{Actor: by.ID, ActorName: by.Name, User: u.ID, Email: u.Email, Action: action, From: from, To: to})
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: user %s: %w", id, err)
	}
	if err := d.endSessions(id); err != nil {
		return nil, err
	}
	d.log.Info("accounts: account administered", "user", id, "action", action, "by", by.ID)
	return &u, nil
}

// record adds an AdminEvent in txn; d.mu is held.
func (d *DB) record(txn *badger.Txn, ev AdminEvent) error {
	ev.Time = d.opts.Now().UTC()
	d.seq++
	return setJSON(txn, fmt.Sprintf("%s%s\x00%012d", prefixAdmin, ev.Time.Format(time.RFC3339Nano), d.seq), &ev)
}

// Approve enables the pending registration id.
func (d *DB) Approve(ctx context.Context, by Actor, id string) (*User, error) {
	return d.administer(ctx, by, id, ActApprove, "", func(u *User) (string, string) {
		u.Status = StatusActive
		return StatusPending, StatusActive
	})
}

// Enable enables the disabled account id again.
func (d *DB) Enable(ctx context.Context, by Actor, id string) (*User, error) {
	return d.administer(ctx, by, id, ActEnable, "", func(u *User) (string, string) {
		u.Status = StatusActive
		return StatusDisabled, StatusActive
	})
}

// Disable disables the account id (active or pending) and ends its
// sessions.
func (d *DB) Disable(ctx context.Context, by Actor, id string) (*User, error) {
	return d.administer(ctx, by, id, ActDisable, "", func(u *User) (string, string) {
		from := u.Status
		u.Status = StatusDisabled
		return from, StatusDisabled
	})
}

// ChangeRole gives the account id the role and ends its sessions (admins
// only).
func (d *DB) ChangeRole(ctx context.Context, by Actor, id, role string) (*User, error) {
	return d.administer(ctx, by, id, ActRole, role, func(u *User) (string, string) {
		from := u.Role
		u.Role = role
		return from, role
	})
}

// ResetPassword replaces the password of the active account id by a new
// temporary one, valid for ResetTTL, and ends the account's sessions. It
// returns the temporary password, which is stored only as its hash: the
// archivist hands it to the owner, who must replace it at the next login
// (Login answers ErrMustChange; SetOwnPassword). Using it once replaces
// it.
func (d *DB) ResetPassword(ctx context.Context, by Actor, id string) (string, *User, error) {
	temp := TemporaryPassword()
	hash, err := d.hash(ctx, temp)
	if err != nil {
		return "", nil, err
	}
	u, err := d.administer(ctx, by, id, ActReset, "", func(u *User) (string, string) {
		u.Hash, u.MustChange = hash, true
		u.ResetExpires = d.opts.Now().UTC().Add(ResetTTL).Truncate(time.Second)
		return "", ""
	})
	if err != nil {
		return "", nil, err
	}
	return temp, u, nil
}

// tempAlphabet leaves out characters that are easily confused when read
// aloud or copied by hand (0/o, 1/l/i).
const tempAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// TemporaryPassword returns a random password of four groups of four
// characters (about 79 bits), e.g. "k7mq-x2ra-9tfe-hw4c".
func TemporaryPassword() string {
	var b strings.Builder
	max := big.NewInt(int64(len(tempAlphabet)))
	for i := range 16 {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		b.WriteByte(tempAlphabet[n.Int64()])
	}
	return b.String()
}

// SetOwnPassword replaces the temporary password of the account with the
// e-mail address by a new one chosen by its owner and starts a session, as
// Login does: the temporary password must be right and not expired, and
// the new one must follow the rules and differ from it. Failed attempts
// count against the account and the address like failed logins.
func (d *DB) SetOwnPassword(ctx context.Context, email, temp, password, ip string) (string, *Session, *User, error) {
	email = normEmail(email)
	acctKey, ipKey := "a:"+email, "i:"+ip
	if d.throttled(acctKey, d.opts.AccountFailures) || d.throttled(ipKey, d.opts.IPFailures) {
		return "", nil, nil, ErrThrottled
	}
	u, err := d.ByEmail(ctx, email)
	hash := d.dummy
	if err == nil {
		hash = u.Hash
	} else if !errors.Is(err, ErrNotFound) {
		return "", nil, nil, err
	}
	ok, err := d.check(ctx, hash, temp)
	if err != nil {
		return "", nil, nil, err
	}
	if u == nil || !ok || !u.MustChange {
		d.fail(acctKey, ipKey)
		return "", nil, nil, ErrCredentials
	}
	if u.Status != StatusActive {
		return "", nil, nil, fmt.Errorf("%w (%s)", ErrInactive, u.Status)
	}
	if !d.opts.Now().Before(u.ResetExpires) {
		return "", nil, nil, ErrResetExpired
	}
	if password == temp {
		return "", nil, nil, fmt.Errorf("%w: the new password must differ from the temporary one", ErrInvalid)
	}
	if err := CheckPasswordRules(password); err != nil {
		return "", nil, nil, err
	}
	newHash, err := d.hash(ctx, password)
	if err != nil {
		return "", nil, nil, err
	}
	d.mu.Lock()
	var changed User
	err = d.db.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, prefixUser+u.ID, &changed); err != nil {
			return err
		}
		if changed.Hash != u.Hash || !changed.MustChange {
			return ErrCredentials // reset again, or used, meanwhile
		}
		changed.Hash, changed.MustChange, changed.ResetExpires = newHash, false, time.Time{}
		changed.LastLogin = d.opts.Now().UTC().Truncate(time.Second)
		if err := setJSON(txn, prefixUser+u.ID, &changed); err != nil {
			return err
		}
		return d.record(txn, AdminEvent{Actor: u.ID, ActorName: u.Name, User: u.ID, Email: u.Email, Action: ActPassword})
	})
	d.mu.Unlock()
	if err != nil {
		if errors.Is(err, ErrCredentials) {
			return "", nil, nil, err
		}
		return "", nil, nil, fmt.Errorf("accounts: user %s: %w", u.ID, err)
	}
	if err := d.endSessions(u.ID); err != nil {
		return "", nil, nil, err
	}
	d.succeed(acctKey)
	id, s, err := d.newSession(u.ID)
	if err != nil {
		return "", nil, nil, err
	}
	d.log.Info("accounts: temporary password replaced", "user", u.ID)
	return id, s, &changed, nil
}

// AdminEvents returns the recorded administrative actions on the account
// user ("" for all), newest first, at most limit (0: all).
func (d *DB) AdminEvents(ctx context.Context, user string, limit int) ([]AdminEvent, error) {
	var out []AdminEvent
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixAdmin), PrefetchValues: true, Reverse: true})
		defer it.Close()
		// Reverse iteration starts at the last key with the prefix.
		for it.Seek([]byte(prefixAdmin + "\xff")); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var ev AdminEvent
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
				return err
			}
			if user == "" || ev.User == user {
				out = append(out, ev)
				if limit > 0 && len(out) == limit {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: admin events: %w", err)
	}
	return out, nil
}
