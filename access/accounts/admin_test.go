package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// mk creates an account and returns it.
func mk(t *testing.T, d *DB, email, role, status string) *User {
	t.Helper()
	u, err := d.Create(context.Background(), NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role, Password: pw, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func actorOf(u *User) Actor { return Actor{ID: u.ID, Name: u.Name, Role: u.Role} }

// Who may do what: an archivist acts on researchers only and never on
// roles; an admin on anyone but themselves; a researcher on nobody. A
// refused action changes nothing and is not recorded.
func TestPermit(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, newClock())
	admin := mk(t, d, "admin@archiv.example", RoleAdmin, "")
	arch := mk(t, d, "clara@archiv.example", RoleArchivist, "")
	arch2 := mk(t, d, "bert@archiv.example", RoleArchivist, "")
	res := mk(t, d, "rolf@example.org", RoleResearcher, StatusPending)
	other := mk(t, d, "rita@example.org", RoleResearcher, "")

	refused := []struct {
		name string
		err  error
		fn   func() error
	}{
		{"archivist disables an archivist", ErrForbidden, func() error { _, err := d.Disable(ctx, actorOf(arch), arch2.ID); return err }},
		{"archivist disables an admin", ErrForbidden, func() error { _, err := d.Disable(ctx, actorOf(arch), admin.ID); return err }},
		{"archivist grants archivist", ErrForbidden, func() error { _, err := d.ChangeRole(ctx, actorOf(arch), other.ID, RoleArchivist); return err }},
		{"archivist resets an admin", ErrForbidden, func() error { _, _, err := d.ResetPassword(ctx, actorOf(arch), admin.ID); return err }},
		{"admin disables themselves", ErrForbidden, func() error { _, err := d.Disable(ctx, actorOf(admin), admin.ID); return err }},
		{"researcher disables another", ErrForbidden, func() error { _, err := d.Disable(ctx, actorOf(other), res.ID); return err }},
		{"no actor", ErrForbidden, func() error { _, err := d.Disable(ctx, Actor{Role: RoleAdmin}, res.ID); return err }},
		{"approve an active account", ErrInvalid, func() error { _, err := d.Approve(ctx, actorOf(arch), other.ID); return err }},
		{"enable an active account", ErrInvalid, func() error { _, err := d.Enable(ctx, actorOf(arch), other.ID); return err }},
		{"reset a pending account", ErrInvalid, func() error { _, _, err := d.ResetPassword(ctx, actorOf(arch), res.ID); return err }},
		{"unknown role", ErrInvalid, func() error { _, err := d.ChangeRole(ctx, actorOf(admin), other.ID, "boss"); return err }},
		{"same role", ErrInvalid, func() error { _, err := d.ChangeRole(ctx, actorOf(admin), other.ID, RoleResearcher); return err }},
		{"unknown account", ErrNotFound, func() error { _, err := d.Disable(ctx, actorOf(admin), "acc-none"); return err }},
	}
	for _, c := range refused {
		if err := c.fn(); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
	if evs, _ := d.AdminEvents(ctx, "", 0); len(evs) != 0 {
		t.Errorf("refused actions were recorded: %+v", evs)
	}
	for _, u := range []*User{admin, arch, arch2, res, other} {
		now, _ := d.User(ctx, u.ID)
		if now.Role != u.Role || now.Status != u.Status || now.Hash != u.Hash {
			t.Errorf("%s changed by refused actions: %+v", u.Email, now)
		}
	}

	// What is allowed, with the record of it.
	if u, err := d.Approve(ctx, actorOf(arch), res.ID); err != nil || u.Status != StatusActive {
		t.Fatalf("archivist approves a registration: %v %+v", err, u)
	}
	if _, err := d.Disable(ctx, actorOf(arch), other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Enable(ctx, actorOf(arch), other.ID); err != nil {
		t.Fatal(err)
	}
	if u, err := d.ChangeRole(ctx, actorOf(admin), other.ID, RoleArchivist); err != nil || u.Role != RoleArchivist {
		t.Fatalf("admin grants archivist: %v %+v", err, u)
	}
	if _, err := d.Disable(ctx, actorOf(arch), other.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("archivist disables the new archivist: %v", err)
	}
	evs, err := d.AdminEvents(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Action+":"+e.Actor+">"+e.User+":"+e.From+">"+e.To)
	}
	want := []string{
		ActRole + ":" + admin.ID + ">" + other.ID + ":researcher>archivist",
		ActEnable + ":" + arch.ID + ">" + other.ID + ":disabled>active",
		ActDisable + ":" + arch.ID + ">" + other.ID + ":active>disabled",
		ActApprove + ":" + arch.ID + ">" + res.ID + ":pending>active",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("admin events, newest first:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if evs[0].ActorName != "admin" || evs[0].Email != other.Email || evs[0].Time.IsZero() {
		t.Errorf("event lacks who, whom or when: %+v", evs[0])
	}
	if one, _ := d.AdminEvents(ctx, res.ID, 0); len(one) != 1 || one[0].Action != ActApprove {
		t.Errorf("events of one account: %+v", one)
	}
	if two, _ := d.AdminEvents(ctx, "", 2); len(two) != 2 || two[0].Action != ActRole {
		t.Errorf("events with a limit: %+v", two)
	}
}

// Disabling and a role change end the account's sessions; approval makes
// a pending account able to log in.
func TestAdministerEndsSessions(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, newClock())
	admin := mk(t, d, "admin@archiv.example", RoleAdmin, "")
	res := mk(t, d, "rolf@example.org", RoleResearcher, StatusPending)
	if _, _, _, err := d.Login(ctx, res.Email, pw, "10.0.0.1"); !errors.Is(err, ErrInactive) {
		t.Fatalf("pending login: %v", err)
	}
	if _, err := d.Approve(ctx, actorOf(admin), res.ID); err != nil {
		t.Fatal(err)
	}
	for _, fn := range []func() error{
		func() error { _, err := d.Disable(ctx, actorOf(admin), res.ID); return err },
		func() error { _, err := d.ChangeRole(ctx, actorOf(admin), res.ID, RoleArchivist); return err },
	} {
		if u, _ := d.User(ctx, res.ID); u.Status == StatusDisabled {
			if _, err := d.Enable(ctx, actorOf(admin), res.ID); err != nil {
				t.Fatal(err)
			}
		}
		sid, _, u, err := d.Login(ctx, res.Email, pw, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if u.LastLogin.IsZero() {
			t.Error("login did not record LastLogin")
		}
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.Session(ctx, sid); !errors.Is(err, ErrNotFound) {
			t.Errorf("session survived the action: %v", err)
		}
	}
}

// A reset: the old password stops working, every session ends, the
// temporary password opens no session but lets its owner choose a new
// one once, within 24 hours.
func TestResetPassword(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	d := openTest(t, c)
	arch := mk(t, d, "clara@archiv.example", RoleArchivist, "")
	res := mk(t, d, "rolf@example.org", RoleResearcher, "")
	sid, _, _, err := d.Login(ctx, res.Email, pw, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	temp, u, err := d.ResetPassword(ctx, actorOf(arch), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(temp) != 19 || strings.Count(temp, "-") != 3 || !u.MustChange || !u.ResetExpires.Equal(c.t.Add(ResetTTL)) {
		t.Fatalf("reset: %q %+v", temp, u)
	}
	if strings.Contains(u.Hash, temp) {
		t.Error("the temporary password is stored in clear")
	}
	if temp2 := TemporaryPassword(); temp2 == temp {
		t.Error("two temporary passwords are equal")
	}
	if _, _, err := d.Session(ctx, sid); !errors.Is(err, ErrNotFound) {
		t.Errorf("session survived the reset: %v", err)
	}
	if _, _, _, err := d.Login(ctx, res.Email, pw, "10.0.0.1"); !errors.Is(err, ErrCredentials) {
		t.Errorf("old password after the reset: %v", err)
	}
	if _, _, _, err := d.Login(ctx, res.Email, temp, "10.0.0.1"); !errors.Is(err, ErrMustChange) {
		t.Errorf("login with the temporary password: %v, want ErrMustChange", err)
	}
	const newPW = "mein neues langes Passwort"
	if _, _, _, err := d.SetOwnPassword(ctx, res.Email, "falsch-falsch-falsch", newPW, "10.0.0.1"); !errors.Is(err, ErrCredentials) {
		t.Errorf("wrong temporary password: %v", err)
	}
	if _, _, _, err := d.SetOwnPassword(ctx, res.Email, temp, "kurz", "10.0.0.1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("short new password: %v", err)
	}
	if _, _, _, err := d.SetOwnPassword(ctx, res.Email, temp, temp, "10.0.0.1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("the temporary password as the new one: %v", err)
	}
	if _, _, _, err := d.SetOwnPassword(ctx, arch.Email, pw, newPW, "10.0.0.1"); !errors.Is(err, ErrCredentials) {
		t.Errorf("SetOwnPassword without a reset: %v", err)
	}
	sid, s, u, err := d.SetOwnPassword(ctx, res.Email, temp, newPW, "10.0.0.1")
	if err != nil || sid == "" || s.User != res.ID || u.MustChange || u.LastLogin.IsZero() {
		t.Fatalf("new password: %v %+v", err, u)
	}
	if _, _, err := d.Session(ctx, sid); err != nil {
		t.Errorf("the session after setting the password: %v", err)
	}
	if _, _, _, err := d.SetOwnPassword(ctx, res.Email, temp, newPW+"x", "10.0.0.1"); !errors.Is(err, ErrCredentials) {
		t.Errorf("the temporary password used twice: %v", err)
	}
	if _, _, _, err := d.Login(ctx, res.Email, newPW, "10.0.0.1"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	evs, _ := d.AdminEvents(ctx, res.ID, 0)
	if len(evs) != 2 || evs[0].Action != ActPassword || evs[0].Actor != res.ID || evs[1].Action != ActReset || evs[1].Actor != arch.ID {
		t.Errorf("events: %+v", evs)
	}

	// Expiry.
	temp, _, err = d.ResetPassword(ctx, actorOf(arch), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.add(ResetTTL + time.Second)
	if _, _, _, err := d.Login(ctx, res.Email, temp, "10.0.0.1"); !errors.Is(err, ErrResetExpired) {
		t.Errorf("login with an expired temporary password: %v", err)
	}
	if _, _, _, err := d.SetOwnPassword(ctx, res.Email, temp, newPW, "10.0.0.1"); !errors.Is(err, ErrResetExpired) {
		t.Errorf("an expired temporary password: %v", err)
	}
	// The operator's SetPassword ends the reset.
	if err := d.SetPassword(ctx, res.ID, newPW); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := d.Login(ctx, res.Email, newPW, "10.0.0.1"); err != nil {
		t.Errorf("login after SetPassword: %v", err)
	}
}

// Wrong temporary passwords are throttled like wrong logins.
func TestSetOwnPasswordThrottled(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, newClock())
	arch := mk(t, d, "clara@archiv.example", RoleArchivist, "")
	res := mk(t, d, "rolf@example.org", RoleResearcher, "")
	temp, _, err := d.ResetPassword(ctx, actorOf(arch), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		d.SetOwnPassword(ctx, res.Email, "falsch", "mein neues langes Passwort", "10.0.0.2")
	}
	if _, _, _, err := d.SetOwnPassword(ctx, res.Email, temp, "mein neues langes Passwort", "10.0.0.2"); !errors.Is(err, ErrThrottled) {
		t.Errorf("after 5 failures: %v", err)
	}
}
