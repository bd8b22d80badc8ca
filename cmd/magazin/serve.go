package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/oai"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the daemon: the public reading room (web pages and JSON API under /api/v1) and the agencies' hot folders",
		Flags: []cli.Flag{&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", EnvVars: []string{"MAGAZIN_ADDR"}, Usage: "listen address"},
			&cli.DurationFlag{Name: "poll", Value: 2 * time.Second, Usage: "how often agency inboxes are looked at"},
			&cli.DurationFlag{Name: "settle", Value: 5 * time.Second, Usage: "how long a file in an inbox must stay unchanged before it is taken"},
			&cli.StringSliceFlag{Name: "oai-admin-email", EnvVars: []string{"MAGAZIN_OAI_ADMIN_EMAIL"}, Usage: "contact for harvesters; serves OAI-PMH at /oai (docs/oai-pmh.md)"},
			&cli.StringFlag{Name: "oai-base-url", EnvVars: []string{"MAGAZIN_OAI_BASE_URL"}, Usage: "the public URL of /oai, e.g. https://archiv.example.de/oai (default: as requested)"},
			&cli.StringFlag{Name: "oai-name", EnvVars: []string{"MAGAZIN_OAI_NAME"}, Usage: "the archive's name for harvesters"},
			&cli.StringFlag{Name: "oai-isil", EnvVars: []string{"MAGAZIN_OAI_ISIL"}, Usage: "the archive's ISIL (e.g. DE-1234), for EAD(DDB)"},
			&cli.StringFlag{Name: "isil", EnvVars: []string{"MAGAZIN_ISIL"}, Usage: "the archive's ISIL; with --archive serves EAD(DDB) under /api/v1/ead (docs/ead.md)"},
			&cli.StringFlag{Name: "archive", EnvVars: []string{"MAGAZIN_ARCHIVE"}, Usage: "the archive's name, for EAD(DDB)"},
			&cli.DurationFlag{Name: "audit-every", Value: 7 * 24 * time.Hour, EnvVars: []string{"MAGAZIN_AUDIT_EVERY"}, Usage: "a full fixity audit of every store this often (0: no scheduled audits)"},
			&cli.StringFlag{Name: "audit-rate", Value: "50MB", EnvVars: []string{"MAGAZIN_AUDIT_RATE"}, Usage: "read at most this many bytes per second for scheduled audits (0: unlimited)"},
			iiifBaseURLFlag,
			&cli.BoolFlag{Name: "audit-repair", Value: true, EnvVars: []string{"MAGAZIN_AUDIT_REPAIR"}, Usage: "scheduled audits repair damaged copies from healthy replicas"},
			&cli.StringFlag{Name: "public-url", EnvVars: []string{"MAGAZIN_PUBLIC_URL"}, Usage: "the reading room's public URL, e.g. https://archiv.example.de: forms are accepted only from its origin, and https makes cookies Secure"},
			&cli.StringFlag{Name: "registration", Value: "open", EnvVars: []string{"MAGAZIN_REGISTRATION"}, Usage: "researchers' self-registration: open (active at once) or approval (an archivist enables the account: magazin user enable)"},
			&cli.BoolFlag{Name: "trust-forwarded", EnvVars: []string{"MAGAZIN_TRUST_FORWARDED"}, Usage: "behind a reverse proxy: take the client address for login throttling from X-Forwarded-For"}},
		Action: func(c *cli.Context) error {
			e, err := open(c.Context, c)
			if err != nil {
				return err
			}
			defer e.Close()
			auth, closeAccounts, err := openAuth(c, e)
			if err != nil {
				return err
			}
			defer closeAccounts()
			h, err := web.New(e.room, access.NewContent(e.room, e.cat, e.direct), e.cfg.Logger, web.WithAuth(auth))
			if err != nil {
				return err
			}
			if err := serveEAD(c, e, h); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			stopHot, err := startHotFolders(c.Context, c, e, c.Duration("poll"), c.Duration("settle"))
			if err != nil {
				return err
			}
			defer stopHot()
			stopAudit, err := startAudits(c, e)
			if err != nil {
				return err
			}
			defer stopAudit()
			handler, err := mountOAI(c, e, h)
			if err != nil {
				return err
			}
			if handler, err = mountIIIF(c, e, h, handler); err != nil {
				return err
			}
			// --- archivists' desk (access/desk, docs/desk.md) ---
			// at /archiv/, for the reading room's signed-in archivists.
			if handler, err = mountDesk(c, e, handler, webSessions{h}); err != nil {
				return err
			}
			// --- end of the archivists' desk ---
			srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(c.App.Writer, "magazin serving on http://%s/\n", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-c.Context.Done():
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
}

// openAuth opens the accounts database (DATA/accounts) for the reading
// room: logins, shortening requests and their decisions, which are
// journaled; accesses opened by a decision are recorded there.
func openAuth(c *cli.Context, e *env) (web.Auth, func(), error) {
	var a web.Auth
	reg := c.String("registration")
	if reg != "open" && reg != "approval" {
		return a, nil, fmt.Errorf("%w: --registration %q: want open or approval", errUsage, reg)
	}
	if pu := c.String("public-url"); pu != "" {
		u, err := url.Parse(pu)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return a, nil, fmt.Errorf("%w: --public-url %q: want http(s)://host[:port]", errUsage, pu)
		}
		a.Origin, a.Secure = u.Scheme+"://"+u.Host, u.Scheme == "https"
	}
	db, err := accounts.Open(accounts.DefaultDir(e.cfg.DataDir), accounts.Options{Approval: reg == "approval", Logger: e.cfg.Logger})
	if err != nil {
		return a, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	e.room.SetAccessRecorder(db)
	j := journal.New(e.stores...)
	a.Accounts, a.TrustForwarded = db, c.Bool("trust-forwarded")
	a.Decider = access.Decisions{Room: e.room, Commit: func(ctx context.Context, entries ...journal.Entry) error {
		return e.cat.Commit(ctx, j, entries...)
	}}
	return a, func() { db.Close() }, nil
}

// mountOAI serves the OAI-PMH provider at /oai beside h when an admin email
// is given (Identify must name one); its token key is kept in the data
// directory.
func mountOAI(c *cli.Context, e *env, h http.Handler) (http.Handler, error) {
	emails := c.StringSlice("oai-admin-email")
	if len(emails) == 0 {
		return h, nil
	}
	key, err := oai.LoadKey(filepath.Join(e.cfg.DataDir, "oai-key"))
	if err != nil {
		return nil, err
	}
	p, err := oai.New(oai.Config{BaseURL: c.String("oai-base-url"), RepositoryName: c.String("oai-name"), AdminEmails: emails,
		ISIL: c.String("oai-isil"), Key: key}, e.room, e.cat, e.cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oai", p)
	mux.Handle("/", h)
	return mux, nil
}
