package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/accounts"
)

// userCommand is `magazin user`: the reading room's accounts
// (docs/reading-room.md, docs/adr/0003-accounts.md).
func userCommand() *cli.Command {
	role := &cli.StringFlag{Name: "role", Value: accounts.RoleResearcher, Usage: "researcher, archivist or admin"}
	return &cli.Command{
		Name:  "user",
		Usage: "accounts of the reading room: researchers, archivists, admins",
		Description: `Accounts live in DATA/accounts (not in the journal: they are personal data).
Passwords are read from the terminal without echo, or as the first line of stdin.
The daemon (magazin serve) holds the accounts database open: stop it first.`,
		Subcommands: []*cli.Command{{
			Name:      "add",
			Usage:     "add an account",
			ArgsUsage: "EMAIL",
			Flags: []cli.Flag{&cli.StringFlag{Name: "name", Required: true, Usage: "the person's name"},
				&cli.StringFlag{Name: "institution"}, role},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return fmt.Errorf("%w: user add needs one EMAIL", errUsage)
				}
				pw, err := readPassword(c)
				if err != nil {
					return err
				}
				return withAccounts(c, func(db *accounts.DB) error {
					u, err := db.Create(c.Context, accounts.NewUser{Email: c.Args().First(), Name: c.String("name"),
						Institution: c.String("institution"), Role: c.String("role"), Password: pw})
					if err != nil {
						return accountErr(err)
					}
					fmt.Fprintf(c.App.Writer, "%s\t%s\t%s\n", u.ID, u.Email, u.Role)
					return nil
				})
			},
		}, {
			Name:  "list",
			Usage: "list the accounts",
			Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}},
			Action: func(c *cli.Context) error {
				return withAccounts(c, func(db *accounts.DB) error {
					us, err := db.Users(c.Context)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						type out struct {
							ID          string `json:"id"`
							Email       string `json:"email"`
							Name        string `json:"name"`
							Institution string `json:"institution,omitempty"`
							Role        string `json:"role"`
							Status      string `json:"status"`
							Created     string `json:"created"`
						}
						list := []out{}
						for _, u := range us {
							list = append(list, out{u.ID, u.Email, u.Name, u.Institution, u.Role, u.Status, u.Created.Format("2006-01-02T15:04:05Z")})
						}
						return writeJSON(c.App.Writer, list)
					}
					tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tE-MAIL\tNAME\tROLE\tSTATUS")
					for _, u := range us {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, u.Status)
					}
					return tw.Flush()
				})
			},
		}, {
			Name:      "passwd",
			Usage:     "set an account's password (ends its sessions)",
			ArgsUsage: "EMAIL",
			Action: func(c *cli.Context) error {
				return withUser(c, func(db *accounts.DB, u *accounts.User) error {
					pw, err := readPassword(c)
					if err != nil {
						return err
					}
					return accountErr(db.SetPassword(c.Context, u.ID, pw))
				})
			},
		}, {
			Name:      "disable",
			Usage:     "disable an account (ends its sessions; recorded in user log)",
			ArgsUsage: "EMAIL",
			Action: func(c *cli.Context) error {
				return withUser(c, func(db *accounts.DB, u *accounts.User) error {
					_, err := db.Disable(c.Context, operator(c), u.ID)
					return accountErr(err)
				})
			},
		}, {
			Name:      "enable",
			Usage:     "enable an account (a pending registration, or a disabled account; recorded in user log)",
			ArgsUsage: "EMAIL",
			Action: func(c *cli.Context) error {
				return withUser(c, func(db *accounts.DB, u *accounts.User) error {
					var err error
					switch u.Status {
					case accounts.StatusPending:
						_, err = db.Approve(c.Context, operator(c), u.ID)
					case accounts.StatusDisabled:
						_, err = db.Enable(c.Context, operator(c), u.ID)
					}
					return accountErr(err)
				})
			},
		}, {
			Name:      "accesses",
			Usage:     "list the accesses opened by granted shortenings (all, or of one account)",
			ArgsUsage: "[EMAIL]",
			Flags:     []cli.Flag{&cli.BoolFlag{Name: "json"}},
			Action: func(c *cli.Context) error {
				if c.NArg() > 1 {
					return fmt.Errorf("%w: user accesses takes at most one EMAIL", errUsage)
				}
				return withAccounts(c, func(db *accounts.DB) error {
					id, err := accountArg(c, db)
					if err != nil {
						return err
					}
					evs, err := db.Accesses(c.Context, id)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if evs == nil {
							evs = []access.AccessEvent{}
						}
						return writeJSON(c.App.Writer, evs)
					}
					tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "TIME\tUSER\tUNIT\tWHAT\tPATH\tDECISION")
					for _, e := range evs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format("2006-01-02T15:04:05Z"), e.User, e.Unit, e.What, e.Path, e.Decision)
					}
					return tw.Flush()
				})
			},
		}, {
			Name:      "log",
			Usage:     "list the administrative actions on accounts, newest first (all, or of one account)",
			ArgsUsage: "[EMAIL]",
			Flags:     []cli.Flag{&cli.BoolFlag{Name: "json"}},
			Action: func(c *cli.Context) error {
				if c.NArg() > 1 {
					return fmt.Errorf("%w: user log takes at most one EMAIL", errUsage)
				}
				return withAccounts(c, func(db *accounts.DB) error {
					id, err := accountArg(c, db)
					if err != nil {
						return err
					}
					evs, err := db.AdminEvents(c.Context, id, 0)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if evs == nil {
							evs = []accounts.AdminEvent{}
						}
						return writeJSON(c.App.Writer, evs)
					}
					tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "TIME\tBY\tACCOUNT\tACTION\tFROM\tTO")
					for _, e := range evs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format("2006-01-02T15:04:05Z"), e.Actor, e.Email, e.Action, e.From, e.To)
					}
					return tw.Flush()
				})
			},
		}, {
			Name:      "role",
			Usage:     "set an account's role (ends its sessions; recorded in user log)",
			ArgsUsage: "EMAIL",
			Flags:     []cli.Flag{&cli.StringFlag{Name: "role", Required: true, Usage: "researcher, archivist or admin"}},
			Action: func(c *cli.Context) error {
				return withUser(c, func(db *accounts.DB, u *accounts.User) error {
					if u.Role == c.String("role") {
						return nil
					}
					_, err := db.ChangeRole(c.Context, operator(c), u.ID, c.String("role"))
					return accountErr(err)
				})
			},
		}},
	}
}

// operator is the admin acting on the command line, as the account log
// records them.
func operator(c *cli.Context) accounts.Actor {
	name := actor(c)
	return accounts.Actor{ID: "cli:" + name, Name: name, Role: accounts.RoleAdmin}
}

// withAccounts opens the accounts database of the data directory.
func withAccounts(c *cli.Context, fn func(*accounts.DB) error) error {
	if h := hostOf(c.Context); h != nil && h.accounts != nil {
		return fn(h.accounts) // a verb run by the daemon: its accounts
	}
	cfg, err := configFrom(c)
	if err != nil {
		return err
	}
	db, err := accounts.Open(accounts.DefaultDir(cfg.DataDir), accounts.Options{Logger: cfg.Logger})
	if err != nil {
		return heldByDaemon(c, cfg.DataDir, fmt.Errorf("%w: %v (is magazin serve running?)", errUsage, err))
	}
	defer db.Close()
	return fn(db)
}

// withUser resolves the EMAIL argument.
func withUser(c *cli.Context, fn func(*accounts.DB, *accounts.User) error) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: user %s needs one EMAIL", errUsage, c.Command.Name)
	}
	return withAccounts(c, func(db *accounts.DB) error {
		u, err := db.ByEmail(c.Context, c.Args().First())
		if err != nil {
			return usageOrFailed(err)
		}
		return fn(db, u)
	})
}

// accountErr maps account errors to exit codes: invalid input is usage.
func accountErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, accounts.ErrInvalid), errors.Is(err, accounts.ErrExists):
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return err
}

// readPassword reads a new password: twice without echo from a terminal,
// else the first line of stdin.
func readPassword(c *cli.Context) (string, error) {
	if f, ok := stdinFile(c.App.Reader); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.App.ErrWriter, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.App.ErrWriter)
		if err != nil {
			return "", err
		}
		fmt.Fprint(c.App.ErrWriter, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.App.ErrWriter)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", fmt.Errorf("%w: the passwords differ", errUsage)
		}
		if r, ok := c.App.Reader.(*stdinRecorder); ok {
			// Should a running daemon take the verb over, it reads the
			// password as its first line of stdin.
			r.record([]byte(string(a) + "\n"))
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(c.App.Reader).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := accounts.CheckPasswordRules(pw); err != nil {
		return "", fmt.Errorf("%w: %v (the password is read from the first line of stdin)", errUsage, err)
	}
	return pw, nil
}

// accountArg returns the id of the account the optional EMAIL argument
// names, or "" (all accounts) without one.
func accountArg(c *cli.Context, db *accounts.DB) (string, error) {
	if c.NArg() == 0 {
		return "", nil
	}
	u, err := db.ByEmail(c.Context, c.Args().First())
	if err != nil {
		return "", usageOrFailed(err)
	}
	return u.ID, nil
}
