package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/oai"
	"github.com/magazin-archiv/magazin/access/web"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// serveFlags are the flags of `magazin serve`; the TOML file given with
// --config sets them too (top-level keys named like the flags).
func serveFlags() []cli.Flag {
	return []cli.Flag{altsrc.NewStringFlag(&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", EnvVars: []string{"MAGAZIN_ADDR"}, Usage: "listen address"}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "poll", Value: 2 * time.Second, EnvVars: []string{"MAGAZIN_POLL"}, Usage: "how often agency inboxes are looked at"}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "settle", Value: 5 * time.Second, EnvVars: []string{"MAGAZIN_SETTLE"}, Usage: "how long a file in an inbox must stay unchanged before it is taken (a marker file NAME.done or NAME.ready makes it complete at once)"}),
		altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "oai-admin-email", EnvVars: []string{"MAGAZIN_OAI_ADMIN_EMAIL"}, Usage: "contact for harvesters; serves OAI-PMH at /oai (docs/oai-pmh.md)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "oai-base-url", EnvVars: []string{"MAGAZIN_OAI_BASE_URL"}, Usage: "the public URL of /oai, e.g. https://archiv.example.de/oai (default: as requested)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "oai-name", EnvVars: []string{"MAGAZIN_OAI_NAME"}, Usage: "the archive's name for harvesters"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "oai-isil", EnvVars: []string{"MAGAZIN_OAI_ISIL"}, Usage: "the archive's ISIL (e.g. DE-1234), for EAD(DDB)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "isil", EnvVars: []string{"MAGAZIN_ISIL"}, Usage: "the archive's ISIL; with --archive serves EAD(DDB) under /api/v1/ead (docs/ead.md)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "archive", EnvVars: []string{"MAGAZIN_ARCHIVE"}, Usage: "the archive's name, for EAD(DDB) and the citation on unit pages"}),
		altsrc.NewStringFlag(iiifBaseURLFlag()),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "public-url", EnvVars: []string{"MAGAZIN_PUBLIC_URL"}, Usage: "the reading room's public URL, e.g. https://archiv.example.de: forms are accepted only from its origin, and https makes cookies Secure"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "registration", Value: "open", EnvVars: []string{"MAGAZIN_REGISTRATION"}, Usage: "researchers' self-registration: open (active at once) or approval (an archivist enables the account: magazin user enable)"}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "trust-forwarded", EnvVars: []string{"MAGAZIN_TRUST_FORWARDED"}, Usage: "behind a reverse proxy: take the client address for login throttling from X-Forwarded-For"}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "audit-every", Value: 7 * 24 * time.Hour, EnvVars: []string{"MAGAZIN_AUDIT_EVERY"}, Usage: "a full fixity audit of every store this often (0: no scheduled audits)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "audit-rate", Value: "50MB", EnvVars: []string{"MAGAZIN_AUDIT_RATE"}, Usage: "read at most this many bytes per second for scheduled audits (0: unlimited)"}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "audit-repair", Value: true, EnvVars: []string{"MAGAZIN_AUDIT_REPAIR"}, Usage: "scheduled audits repair damaged copies from healthy replicas"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "admin-addr", EnvVars: []string{"MAGAZIN_ADMIN_ADDR"}, Usage: "the admin API (job queue, /metrics): unix:PATH or a loopback host:port (default unix:DATA/admin.sock)"}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "shutdown-grace", Value: 30 * time.Second, EnvVars: []string{"MAGAZIN_SHUTDOWN_GRACE"}, Usage: "on SIGTERM, how long running jobs may go on before they are interrupted (they resume at the next start)"}),
		altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "job-limit", EnvVars: []string{"MAGAZIN_JOB_LIMITS"}, Usage: "KIND=N: run at most N jobs of a kind at once (repeatable; default 1 each)"}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "job-attempts", Value: 3, EnvVars: []string{"MAGAZIN_JOB_ATTEMPTS"}, Usage: "how often a failing job is tried before it fails"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "upload-max", Value: "100GB", EnvVars: []string{"MAGAZIN_UPLOAD_MAX"}, Usage: "largest transfer the upload API accepts (0: no limit)"}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "ready-timeout", Value: 3 * time.Second, EnvVars: []string{"MAGAZIN_READY_TIMEOUT"}, Usage: "how long /readyz waits for each store"}),
	}
}

func serveCommand() *cli.Command {
	flags := serveFlags()
	return &cli.Command{
		Name:   "serve",
		Usage:  "run the daemon: the public reading room (web pages and JSON API under /api/v1), the agencies' hot folders and upload API, the job queue, scheduled audits, /metrics",
		Flags:  flags,
		Before: loadServeConfig(flags),
		Action: func(c *cli.Context) error {
			m := newMetrics()
			storeObserver = m.storeEvent
			e, err := open(c.Context, c)
			if err != nil {
				return err
			}
			defer e.Close()
			return runDaemon(c, e, m)
		},
	}
}

// runDaemon serves until SIGTERM or SIGINT (c.Context), then shuts down
// in order: /readyz says 503, no new jobs or claims, running jobs get
// --shutdown-grace to finish (else they stay queued and resume at the
// next start), open requests get 10 s. SIGHUP reloads what is safe to
// change while running (see reload).
func runDaemon(c *cli.Context, e *env, m *metrics) error {
	d, err := newDaemon(c, e, m)
	if err != nil {
		return err
	}
	audits, err := auditSettingsFrom(c)
	if err != nil {
		return err
	}
	d.setAudit(d.auditOptions(audits))
	uploadMax, err := parseBytes(c.String("upload-max"))
	if err != nil {
		return fmt.Errorf("%w: --upload-max: %v", errUsage, err)
	}
	d.health = &health{cat: e.cat, stores: e.direct, timeout: c.Duration("ready-timeout"), m: m}
	m.reg.MustRegister(newQueueCollector(d.q, e.cat))
	if err := d.sweepUploads(c.Context); err != nil {
		return err
	}
	auth, closeAccounts, err := openAuth(c, e)
	if err != nil {
		return err
	}
	defer closeAccounts()
	d.accounts = auth.Accounts
	archive := c.String("archive") // cited on unit pages
	if archive == "" {
		archive = c.String("oai-name")
	}
	h, err := web.New(e.room, access.NewContent(e.room, e.cat, e.direct), e.cfg.Logger, web.WithAuth(auth), web.WithArchiveName(archive))
	if err != nil {
		return err
	}
	if err := serveEAD(c, e, h); err != nil {
		return err
	}
	handler, err := mountOAI(c, e, h)
	if err != nil {
		return err
	}
	if handler, err = mountIIIF(c, e, h, handler); err != nil {
		return err
	}
	// --- archivists' desk (access/desk, docs/desk.md) ---
	// at /archiv/, for the reading room's signed-in archivists.
	if handler, err = mountDesk(c, e, handler, webSessions{h}, d.q, auth.Accounts); err != nil {
		return err
	}
	// --- end of the archivists' desk ---
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	adminAddr := adminAddress(c, e.cfg.DataDir)
	d.adminUnix = strings.HasPrefix(adminAddr, "unix:")
	adminLn, err := listenAdmin(adminAddr)
	if err != nil {
		ln.Close()
		return err
	}
	if path, ok := strings.CutPrefix(adminAddr, "unix:"); ok {
		defer os.Remove(path)
	}

	// The queue runs until stopQueue; the hot folders and audits feed it
	// or run beside it.
	qctx, stopQueue := context.WithCancel(context.WithoutCancel(c.Context))
	queueDone := make(chan struct{})
	go func() {
		defer close(queueDone)
		if err := d.q.Run(qctx); err != nil {
			e.cfg.Logger.Error("job queue stopped", "err", err)
		}
	}()
	watcher, stopHot, err := startHotFolders(qctx, d, c.Duration("poll"), c.Duration("settle"))
	if err != nil {
		stopQueue()
		return err
	}
	d.watcher = watcher // before the admin API serves: an agency added through it is watched at once
	stopAudit, err := startAudits(qctx, d, audits)
	if err != nil {
		stopHot()
		stopQueue()
		return err
	}

	front := http.NewServeMux()
	front.HandleFunc("GET /healthz", d.health.healthz)
	front.HandleFunc("GET /readyz", d.health.readyz)
	front.Handle("GET /metrics", m.handler())
	(&uploadAPI{d: d, max: uploadMax}).register(front)
	front.Handle("/", handler)
	srv := &http.Server{Handler: m.instrument(front), ReadHeaderTimeout: 10 * time.Second}

	admin := http.NewServeMux()
	admin.Handle("/admin/api/", d.adminHandler())
	admin.HandleFunc("GET /healthz", d.health.healthz)
	admin.HandleFunc("GET /readyz", d.health.readyz)
	admin.Handle("GET /metrics", m.handler())
	// Requests waiting for a job (?wait=) end when the queue has stopped,
	// so that they do not hold up the admin listener's shutdown.
	adminCtx, endAdminWaits := context.WithCancel(context.WithoutCancel(c.Context))
	defer endAdminWaits()
	adminSrv := &http.Server{Handler: admin, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return adminCtx }}

	fmt.Fprintf(c.App.Writer, "magazin serving on http://%s/ (admin API on %s)\n", ln.Addr(), adminAddr)
	e.cfg.Logger.Info("serving", "addr", ln.Addr().String(), "admin", adminAddr)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	go func() { errc <- adminSrv.Serve(adminLn) }()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var serveErr error
loop:
	for {
		select {
		case err := <-errc:
			serveErr = err
			break loop
		case <-hup:
			if err := reload(c, d, watcher, &audits, &stopAudit, qctx); err != nil {
				e.cfg.Logger.Error("reload failed; the settings in force stay", "err", err)
			}
		case <-c.Context.Done():
			break loop
		}
	}
	e.cfg.Logger.Info("shutting down", "grace", c.Duration("shutdown-grace"))
	d.health.setClosing()
	stopHot()
	stopAudit()
	stopQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	<-queueDone
	endAdminWaits()
	if err := adminSrv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	d.runs.Wait() // verbs run for the command line (cancelled with endAdminWaits) end before the archive closes
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		errs = append(errs, serveErr)
	}
	e.cfg.Logger.Info("stopped")
	return errors.Join(errs...)
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
