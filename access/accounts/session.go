package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Session is a login session as stored: under the SHA-256 of its id, which
// only the client holds.
type Session struct {
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	// Used is the last time the session was looked up (for the idle
	// timeout); Expires the end of its absolute lifetime.
	Used    time.Time `json:"used"`
	Expires time.Time `json:"expires"`
	// CSRF is the session's synchronizer token for forms.
	CSRF string `json:"csrf"`
}

// CheckCSRF reports whether token is the session's CSRF token (constant
// time).
func (s *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// Token returns 256 random bits, URL-safe base64.
func Token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionKey(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return []byte(prefixSession + hex.EncodeToString(sum[:]))
}

// Login checks the e-mail address and password of a login from the client
// address ip and, when they are right and the account is active, starts a
// new session and returns its id (for the cookie). Failed logins count
// against the account and the address; beyond the limits Login refuses
// with ErrThrottled without looking at the password. Errors: ErrThrottled,
// ErrCredentials, and only after a right password ErrInactive, or for a
// temporary password (ResetPassword) ErrMustChange or ErrResetExpired. A
// login records the account's LastLogin.
func (d *DB) Login(ctx context.Context, email, password, ip string) (string, *Session, *User, error) {
	email = normEmail(email)
	acctKey, ipKey := "a:"+email, "i:"+ip
	if d.throttled(acctKey, d.opts.AccountFailures) || d.throttled(ipKey, d.opts.IPFailures) {
		d.log.Warn("accounts: login throttled", "email", email, "ip", ip)
		return "", nil, nil, ErrThrottled
	}
	u, err := d.ByEmail(ctx, email)
	hash := d.dummy
	if err == nil {
		hash = u.Hash
	} else if !errors.Is(err, ErrNotFound) {
		return "", nil, nil, err
	}
	ok, herr := d.check(ctx, hash, password)
	if herr != nil {
		return "", nil, nil, herr
	}
	if u == nil || !ok {
		d.fail(acctKey, ipKey)
		d.log.Info("accounts: login failed", "email", email, "ip", ip)
		return "", nil, nil, ErrCredentials
	}
	if u.Status != StatusActive {
		return "", nil, nil, fmt.Errorf("%w (%s)", ErrInactive, u.Status)
	}
	d.succeed(acctKey)
	if u.MustChange {
		if !d.opts.Now().Before(u.ResetExpires) {
			return "", nil, nil, ErrResetExpired
		}
		return "", nil, nil, ErrMustChange
	}
	id, s, err := d.newSession(u.ID)
	if err != nil {
		return "", nil, nil, err
	}
	if u, err = d.update(ctx, u.ID, false, func(u *User) error {
		u.LastLogin = d.opts.Now().UTC().Truncate(time.Second)
		return nil
	}); err != nil {
		return "", nil, nil, err
	}
	return id, s, u, nil
}

func (d *DB) newSession(user string) (string, *Session, error) {
	now := d.opts.Now().UTC()
	id := Token()
	s := &Session{User: user, Created: now, Used: now, Expires: now.Add(d.opts.SessionTTL), CSRF: Token()}
	b, _ := json.Marshal(s)
	err := d.db.Update(func(txn *badger.Txn) error {
		return txn.SetEntry(badger.NewEntry(sessionKey(id), b).WithTTL(d.opts.SessionTTL + time.Minute))
	})
	if err != nil {
		return "", nil, fmt.Errorf("accounts: session: %w", err)
	}
	return id, s, nil
}

// Session looks up the session with id and its user: ErrNotFound for an
// unknown, expired or idle session or one whose account is not active.
// A lookup keeps the session alive (idle timeout).
func (d *DB) Session(ctx context.Context, id string) (*Session, *User, error) {
	if id == "" || len(id) > 100 {
		return nil, nil, ErrNotFound
	}
	now := d.opts.Now().UTC()
	var s Session
	var u User
	err := d.db.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, string(sessionKey(id)), &s); err != nil {
			return err
		}
		if !now.Before(s.Expires) || now.Sub(s.Used) >= d.opts.SessionIdle {
			if err := txn.Delete(sessionKey(id)); err != nil {
				return err
			}
			return ErrNotFound
		}
		if err := getJSON(txn, prefixUser+s.User, &u); err != nil {
			return err
		}
		if u.Status != StatusActive || u.MustChange {
			return ErrNotFound
		}
		if now.Sub(s.Used) > time.Minute {
			s.Used = now
			b, _ := json.Marshal(&s)
			return txn.SetEntry(badger.NewEntry(sessionKey(id), b).WithTTL(s.Expires.Sub(now) + time.Minute))
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("accounts: session: %w", err)
	}
	return &s, &u, nil
}

// Logout ends the session with id.
func (d *DB) Logout(ctx context.Context, id string) error {
	return d.db.Update(func(txn *badger.Txn) error { return txn.Delete(sessionKey(id)) })
}

// endSessions ends every session of the user.
func (d *DB) endSessions(user string) error {
	var keys [][]byte
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixSession), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var s Session
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &s) }); err != nil {
				return err
			}
			if s.User == user {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("accounts: sessions: %w", err)
	}
	return d.db.Update(func(txn *badger.Txn) error {
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// throttled reports whether key has max failures within the window.
func (d *DB) throttled(key string, max int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.recent(key)) >= max
}

// recent prunes and returns the failures of key within the window; d.mu
// is held.
func (d *DB) recent(key string) []time.Time {
	cutoff := d.opts.Now().Add(-d.opts.FailureWindow)
	ts := d.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(d.fails, key)
	} else {
		d.fails[key] = ts
	}
	return ts
}

func (d *DB) fail(keys ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.Now()
	for _, k := range keys {
		d.fails[k] = append(d.recent(k), now)
	}
	if len(d.fails) > 100000 { // bounded memory under a spray of addresses
		for k := range d.fails {
			d.recent(k)
		}
	}
}

func (d *DB) succeed(acctKey string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.fails, acctKey)
}
