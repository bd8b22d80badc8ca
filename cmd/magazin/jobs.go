package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/ingest/aussonderung"
	"github.com/magazin-archiv/magazin/ingest/hotfolder"
	"github.com/magazin-archiv/magazin/internal/cmdrelay"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/jobs"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/pack"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// catalogIntents keeps ingest intents (ingest.IntentLog) as operational
// records of the catalog.
type catalogIntents struct{ cat *catalog.Catalog }

func (c catalogIntents) Intent(ctx context.Context, fp string) (string, bool, error) {
	b, err := c.cat.Record(ctx, "ingest-intent/"+fp)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return string(b), err == nil, err
}

func (c catalogIntents) RecordIntent(ctx context.Context, fp, id string) error {
	return c.cat.PutRecord(ctx, "ingest-intent/"+fp, []byte(id))
}

// taskReplies is the reply log (aussonderung.ReplyLog) of one job: a
// reply is sent once per job. A reply file found at its place that is
// newer than the job counts as sent too: the job wrote it and then died
// before it could record it.
type taskReplies struct {
	t *jobs.Task
	m *metrics
}

func (r taskReplies) Sent(ctx context.Context, name, path string) (bool, error) {
	if _, ok := r.t.Marked("reply/" + name); ok {
		return true, nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.ModTime().Before(r.t.Job().Created) {
		return true, r.t.Mark(ctx, "reply/"+name, path)
	}
	return false, nil
}

func (r taskReplies) RecordSent(ctx context.Context, name, path string) error {
	if r.m != nil {
		r.m.replies.Inc()
	}
	return r.t.Mark(ctx, "reply/"+name, path)
}

// daemon holds what `magazin serve` runs.
type daemon struct {
	e *env
	// journal is the one journal writer of the daemon's own work.
	journal *journal.Journal
	q       *jobs.Queue
	m       *metrics
	dlg     *aussonderung.Service
	in      *ingest.Ingester
	health  *health
	// watcher watches the agencies' inboxes (set when the hot folders start).
	watcher *hotfolder.Watcher

	mu    sync.Mutex
	audit fixity.Options // template of queued audits

	// accounts is the reading room's accounts database, lent to the
	// verbs the daemon runs for the command line (hosted.go) as the
	// archive is; runs counts those running; adminUnix: the admin API is
	// on a unix socket (only there are verbs run).
	accounts  *accounts.DB
	runs      sync.WaitGroup
	adminUnix bool
}

func (d *daemon) setAudit(o fixity.Options) {
	d.mu.Lock()
	d.audit = o
	d.mu.Unlock()
}

// newQueue builds the job queue with the handlers of every kind the
// daemon runs.
func newDaemon(c *cli.Context, e *env, m *metrics) (*daemon, error) {
	d := &daemon{e: e, m: m, journal: journal.New(e.stores...)}
	var err error
	if d.dlg, err = newDialogue(c, e, d.journal); err != nil {
		return nil, err
	}
	d.in = d.dlg.Ingester
	q := jobs.New(e.cat)
	q.Log = e.cfg.Logger.With("component", "jobs")
	q.Observe = m.observeJob
	q.Grace = c.Duration("shutdown-grace")
	q.MaxAttempts = c.Int("job-attempts")
	for _, l := range c.StringSlice("job-limit") {
		k, v, ok := strings.Cut(l, "=")
		n, err := parseCount(v)
		if !ok || err != nil || !validKind(jobs.Kind(k)) {
			return nil, fmt.Errorf("%w: --job-limit %q: want KIND=N with KIND one of %v", errUsage, l, jobs.Kinds)
		}
		q.Limits[jobs.Kind(k)] = n
	}
	q.Handlers[jobs.KindXdomea] = d.xdomeaJob
	q.Handlers[jobs.KindIngest] = d.ingestJob
	q.Handlers[jobs.KindAudit] = d.auditJob
	q.Handlers[jobs.KindMigration] = d.verbJob
	q.Handlers[jobs.KindExport] = d.verbJob
	pack.SoftwareVersion = version
	d.q = q
	return d, nil
}

func validKind(k jobs.Kind) bool {
	for _, x := range jobs.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func parseCount(s string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 1 {
		return 0, fmt.Errorf("want a number ≥ 1")
	}
	return n, nil
}

// receivedDir is where a handled submission is kept after its job.
func (d *daemon) receivedDir(j jobs.Job) string {
	agency := j.Agency
	if agency == "" {
		agency = "_"
	}
	return filepath.Join(d.e.cfg.DataDir, "received", agency, j.ID)
}

// submission finds the job's file: where it was queued from, or, after a
// crash between moving it and finishing, where it was moved to.
func (d *daemon) submission(j jobs.Job) (string, error) {
	if _, err := os.Stat(j.Path); err == nil {
		return j.Path, nil
	}
	moved := filepath.Join(d.receivedDir(j), filepath.Base(j.Path))
	if _, err := os.Stat(moved); err == nil {
		return moved, nil
	}
	return "", jobs.Permanent(fmt.Errorf("the submission %s is gone", j.Path))
}

// keep moves the job's file (and its claim or upload directory) to
// DATA/received/<agency>/<job>.
func (d *daemon) keep(j jobs.Job, path string) error {
	dst := d.receivedDir(j)
	if filepath.Dir(path) == dst {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	return moveDir(filepath.Dir(path), dst)
}

// xdomeaResult is the result of an xdomea job: what the dialogue did,
// with the AIPs by id and the replies by name.
type xdomeaResult struct {
	Process    string                `json:"process,omitempty"`
	Type       string                `json:"type,omitempty"`
	Version    string                `json:"version,omitempty"`
	OK         bool                  `json:"ok"`
	AIPs       []string              `json:"aips,omitempty"`
	Existing   int                   `json:"existing,omitempty"`
	Problems   preservation.Problems `json:"problems,omitempty"`
	Quarantine string                `json:"quarantine,omitempty"`
	Replies    []string              `json:"replies,omitempty"`
	Kept       string                `json:"kept,omitempty"`
}

func xdomeaResultOf(out *aussonderung.Outcome, kept string) xdomeaResult {
	r := xdomeaResult{Process: out.Process, Type: out.Type, Version: out.Version, OK: out.OK, Problems: out.Problems,
		Quarantine: out.Quarantine, Kept: kept}
	if out.Result != nil {
		r.Existing = out.Result.Existing
		for _, a := range out.Result.AIPs {
			r.AIPs = append(r.AIPs, string(a.ID))
		}
	}
	for _, p := range out.Replies {
		r.Replies = append(r.Replies, filepath.Base(p))
	}
	return r
}

// xdomeaJob receives one xdomea message from an agency.
func (d *daemon) xdomeaJob(ctx context.Context, t *jobs.Task) (any, error) {
	j := t.Job()
	path, err := d.submission(j)
	if err != nil {
		return nil, err
	}
	if err := d.checkSender(ctx, path, j.Agency); err != nil {
		if kerr := d.keep(j, path); kerr != nil {
			return nil, kerr
		}
		return nil, jobs.Permanent(fmt.Errorf("%w; kept in %s", err, d.receivedDir(j)))
	}
	dlg := *d.dlg
	dlg.Replies = taskReplies{t: t, m: d.m}
	out, err := dlg.Receive(ctx, path, "")
	if errors.Is(err, aussonderung.ErrNotXdomea) {
		if kerr := d.keep(j, path); kerr != nil {
			return nil, kerr
		}
		return nil, jobs.Permanent(fmt.Errorf("%w; kept in %s", err, d.receivedDir(j)))
	}
	if err != nil {
		return nil, err
	}
	d.count(path, out.Result, out.OK)
	if err := t.Checkpoint(ctx, "received"); err != nil {
		return nil, err
	}
	if err := d.keep(j, path); err != nil {
		return nil, err
	}
	d.e.cfg.Logger.Info("message handled", "job", j.ID, "agency", j.Agency, "file", j.Name, "type", out.Type, "process", out.Process, "ok", out.OK)
	return xdomeaResultOf(out, d.receivedDir(j)), nil
}

// errSender: a message names another agency as its sender than the one
// whose inbox or token it came with.
var errSender = errors.New("the message comes from another agency")

// checkSender makes sure an xdomea message at path comes from agency (the
// owner of the inbox or the upload token): no agency can send in another's
// name, nor have replies sent to another's outbox. A message that cannot
// be read is left to the dialogue, which rejects it with its reasons.
func (d *daemon) checkSender(ctx context.Context, path, agency string) error {
	if agency == "" {
		return nil
	}
	m, err := d.dlg.Profile.ReadMessage(ctx, path)
	if err != nil {
		return nil
	}
	if probs := xdomea.CheckSender(m, agency); probs.HasErrors() {
		return fmt.Errorf("%w: %s", errSender, probs[0].Message)
	}
	return nil
}

// ingestResult is the result of an ingest job.
type ingestResult struct {
	OK         bool                  `json:"ok"`
	AIPs       []string              `json:"aips,omitempty"`
	Existing   int                   `json:"existing,omitempty"`
	Problems   preservation.Problems `json:"problems,omitempty"`
	Quarantine string                `json:"quarantine,omitempty"`
	Kept       string                `json:"kept,omitempty"`
}

// ingestJob ingests a submission of another profile than xdomea.
func (d *daemon) ingestJob(ctx context.Context, t *jobs.Task) (any, error) {
	j := t.Job()
	path, err := d.submission(j)
	if err != nil {
		return nil, err
	}
	res, err := d.in.Ingest(ctx, path, ingest.Options{Profile: j.Params["profile"], Bestand: j.Params["bestand"]}, nil)
	out := ingestResult{Kept: d.receivedDir(j)}
	var rej *preservation.RejectedError
	switch {
	case err == nil:
		out.OK, out.Existing, out.Problems = true, res.Existing, res.Problems
		for _, a := range res.AIPs {
			out.AIPs = append(out.AIPs, string(a.ID))
		}
		forgetDerivatives(d.e, res)
	case errors.As(err, &rej):
		out.Problems, out.Quarantine = rej.Problems, rej.Quarantine
	default:
		return nil, err
	}
	d.count(path, res, out.OK)
	if err := t.Checkpoint(ctx, "ingested"); err != nil {
		return nil, err
	}
	if err := d.keep(j, path); err != nil {
		return nil, err
	}
	return out, nil
}

// count feeds the ingest metrics.
func (d *daemon) count(path string, res *ingest.Result, ok bool) {
	if fi, err := os.Stat(path); err == nil {
		d.m.ingestBytes.Add(float64(fi.Size()))
	}
	switch {
	case res != nil:
		d.m.ingests.WithLabelValues("existing").Add(float64(res.Existing))
		d.m.ingests.WithLabelValues("archived").Add(float64(len(res.AIPs) - res.Existing))
	case !ok:
		d.m.ingests.WithLabelValues("rejected").Inc()
	}
}

// auditJob runs one full audit pass (an archivist's request through the
// admin API; the scheduled audits run beside the queue, see startAudits).
// It stops at the next object when the daemon shuts down; the job then
// runs again from the start at the next start.
func (d *daemon) auditJob(ctx context.Context, t *jobs.Task) (any, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-t.Stopping():
			cancel()
		case <-ctx.Done():
		}
	}()
	d.mu.Lock()
	o := d.audit
	d.mu.Unlock()
	o.Repair = t.Job().Params["repair"] == "true"
	rep, err := fixity.Audit(ctx, d.e.stores, o)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ok": rep.OK(), "failed": rep.Failed(), "complete": rep.Complete}, nil
}

// enqueueFile queues a received file: an xdomea message (by its name) or,
// for other names, an ingest with the agency's Bestand.
func (d *daemon) enqueueFile(ctx context.Context, j jobs.Job, dedup string) (*jobs.Job, bool, error) {
	j.Kind = jobs.KindXdomea
	if !looksXdomea(j.Name) {
		j.Kind = jobs.KindIngest
		if a, err := d.e.cat.Agency(ctx, j.Agency); err == nil {
			j.Params = map[string]string{"bestand": a.Bestand, "profile": "auto"}
		}
	}
	return d.q.Enqueue(ctx, j, dedup)
}

func looksXdomea(name string) bool {
	return strings.Contains(name, "_Aussonderung.") || strings.HasSuffix(strings.ToLower(name), ".xdomea")
}

// --- admin API -------------------------------------------------------------

// adminHandler serves the job queue to `magazin jobs` and operators:
//
//	GET  /admin/api/jobs[?state=&kind=&agency=]   list
//	GET  /admin/api/jobs/{id}[?wait=20s]           show (with wait: once it has ended, or when the wait is over)
//	POST /admin/api/jobs/{id}/cancel               cancel
//	POST /admin/api/jobs/{id}/retry                retry
//	POST /admin/api/jobs {"kind":"audit","params":{"repair":"true"}}  queue an audit
//	POST /admin/api/jobs {"kind":"migration"|"export","params":{"verb":..,"request":..}}  queue a verb (verbjobs.go)
//	GET  /admin/api/agencies                       list the agencies
//	POST /admin/api/agencies {"id","name","bestand","dir"}  add or change an agency
//	POST /admin/api/agencies/{id}/tokens          issue an upload token
//	DELETE /admin/api/agencies/{id}/tokens        revoke the agency's tokens
//	POST /admin/api/run                            run a command-line verb in the daemon (hosted.go, internal/cmdrelay)
//
// It is bound to a unix socket (default DATA/admin.sock, mode 0600) or a
// loopback address: whoever reaches it is an operator.
func (d *daemon) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/api/jobs", func(w http.ResponseWriter, r *http.Request) {
		f := jobs.Filter{Kind: jobs.Kind(r.URL.Query().Get("kind")), State: jobs.State(r.URL.Query().Get("state")), Agency: r.URL.Query().Get("agency")}
		js, err := d.q.List(r.Context(), f)
		if err != nil {
			adminError(w, err)
			return
		}
		if js == nil {
			js = []jobs.Job{}
		}
		writeJSONStatus(w, http.StatusOK, js)
	})
	mux.HandleFunc("GET /admin/api/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		var j *jobs.Job
		var err error
		if ws := r.URL.Query().Get("wait"); ws != "" {
			wait, perr := time.ParseDuration(ws)
			if perr != nil || wait <= 0 || wait > time.Minute {
				writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": "wait: want a duration up to 1m, e.g. 20s"})
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), wait)
			j, err = d.q.Wait(ctx, r.PathValue("id"))
			cancel()
			if j != nil {
				err = nil // the wait is over (or the daemon stops): the job as it stands
			}
		} else {
			j, err = d.q.Get(r.Context(), r.PathValue("id"))
		}
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSONStatus(w, http.StatusOK, j)
	})
	mux.HandleFunc("POST /admin/api/jobs/{id}/{verb}", func(w http.ResponseWriter, r *http.Request) {
		var j *jobs.Job
		var err error
		switch r.PathValue("verb") {
		case "cancel":
			j, err = d.q.Cancel(r.Context(), r.PathValue("id"))
		case "retry":
			j, err = d.q.Retry(r.Context(), r.PathValue("id"))
		default:
			http.NotFound(w, r)
			return
		}
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSONStatus(w, http.StatusOK, j)
	})
	mux.HandleFunc("GET /admin/api/agencies", func(w http.ResponseWriter, r *http.Request) {
		as, err := d.e.cat.Agencies(r.Context())
		if err != nil {
			adminError(w, err)
			return
		}
		if as == nil {
			as = []catalog.Agency{}
		}
		writeJSONStatus(w, http.StatusOK, as)
	})
	mux.HandleFunc("POST /admin/api/agencies", func(w http.ResponseWriter, r *http.Request) {
		var req agencyRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		a, err := req.add(r.Context(), d.e, d.journal)
		if err != nil {
			adminError(w, err)
			return
		}
		// The new inbox is watched at once, without a reload.
		if d.watcher != nil {
			if inboxes, err := agencyInboxes(r.Context(), d.e); err == nil {
				d.watcher.SetInboxes(inboxes)
			} else {
				d.e.cfg.Logger.Error("agency added, but the inboxes were not read again (send SIGHUP)", "agency", a.ID, "err", err)
			}
		}
		d.e.cfg.Logger.Info("agency added", "agency", a.ID, "bestand", a.Bestand, "dir", a.Dir)
		writeJSONStatus(w, http.StatusOK, a)
	})
	mux.HandleFunc("POST /admin/api/agencies/{id}/tokens", func(w http.ResponseWriter, r *http.Request) {
		tok, err := issueToken(r.Context(), d.e.cat, r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSONStatus(w, http.StatusCreated, map[string]string{"token": tok})
	})
	mux.HandleFunc("DELETE /admin/api/agencies/{id}/tokens", func(w http.ResponseWriter, r *http.Request) {
		n, err := revokeTokens(r.Context(), d.e.cat, r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSONStatus(w, http.StatusOK, map[string]int{"revoked": n})
	})
	mux.Handle("POST /admin/api/run", cmdrelay.Handler(d.runVerb))
	mux.HandleFunc("POST /admin/api/jobs", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Kind   jobs.Kind         `json:"kind"`
			Params map[string]string `json:"params"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
			writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		job := jobs.Job{Kind: req.Kind, Source: "admin", Params: req.Params}
		switch req.Kind {
		case jobs.KindAudit:
		case jobs.KindMigration, jobs.KindExport:
			if err := checkVerbJob(req.Kind, req.Params); err != nil {
				writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			job.Source, job.Name = "cli", verbJobName(req.Params)
		default:
			writeJSONStatus(w, http.StatusBadRequest, map[string]string{"error": "only audit, migration and export jobs can be queued here; transfers come through hot folders and the upload API"})
			return
		}
		j, _, err := d.q.Enqueue(r.Context(), job, "")
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSONStatus(w, http.StatusAccepted, j)
	})
	return mux
}

func adminError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, errUsage):
		code = http.StatusBadRequest
	case errors.Is(err, errFailed):
		code = http.StatusUnprocessableEntity
	case errors.Is(err, fs.ErrNotExist):
		code = http.StatusNotFound
	case errors.Is(err, jobs.ErrState):
		code = http.StatusConflict
	}
	writeJSONStatus(w, code, map[string]string{"error": err.Error()})
}

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// adminAddress returns where the admin API listens: "unix:PATH" or a TCP
// address.
func adminAddress(c *cli.Context, dataDir string) string {
	if a := c.String("admin-addr"); a != "" {
		return a
	}
	return "unix:" + filepath.Join(dataDir, "admin.sock")
}

// listenAdmin opens the admin listener. A stale socket (no daemon answers
// on it) is replaced.
func listenAdmin(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if conn, err := net.Dial("unix", path); err == nil {
			conn.Close()
			return nil, fmt.Errorf("%w: another daemon answers on %s", errUsage, path)
		}
		os.Remove(path)
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("%w: admin socket: %v", errUsage, err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			ln.Close()
			return nil, err
		}
		return ln, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: --admin-addr: %v", errUsage, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%w: --admin-addr %s: the admin API listens on a loopback address or a unix socket only", errUsage, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return ln, nil
}

// adminClient talks to a running daemon's admin API.
type adminClient struct {
	hc   *http.Client
	base string
}

func newAdminClient(addr string) *adminClient {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}
		return &adminClient{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, base: "http://magazin"}
	}
	return &adminClient{hc: &http.Client{Timeout: 30 * time.Second}, base: "http://" + addr}
}

// errNoDaemon: nothing answers on the admin address.
var errNoDaemon = errors.New("no daemon answers")

// adminErr is an error answer of the admin API; 404 matches
// fs.ErrNotExist and 409 jobs.ErrState, as the errors behind them do.
type adminErr struct {
	code int
	msg  string
}

func (e *adminErr) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("admin API: %d %s", e.code, http.StatusText(e.code))
	}
	return e.msg
}

func (e *adminErr) Is(target error) bool {
	return e.code == http.StatusNotFound && target == fs.ErrNotExist || e.code == http.StatusConflict && target == jobs.ErrState ||
		e.code == http.StatusBadRequest && target == errUsage || e.code == http.StatusUnprocessableEntity && target == errFailed
}

func (a *adminClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("%w: %v", errNoDaemon, err)
		}
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		json.Unmarshal(b, &e)
		return &adminErr{code: resp.StatusCode, msg: e.Error}
	}
	return json.Unmarshal(b, out)
}

// --- CLI ---------------------------------------------------------------------

func jobsCommand() *cli.Command {
	addr := &cli.StringFlag{Name: "admin-addr", EnvVars: []string{"MAGAZIN_ADMIN_ADDR"}, Usage: "the daemon's admin API: unix:PATH or a loopback host:port (default unix:DATA/admin.sock)"}
	jsonF := &cli.BoolFlag{Name: "json"}
	return &cli.Command{
		Name:  "jobs",
		Usage: "the daemon's job queue: list, show, cancel and retry jobs",
		Description: "With `magazin serve` running, these verbs ask it through its admin API (it holds the catalog); " +
			"without a daemon they read and change the queue in the catalog directly. See docs/operations.md.",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list jobs, oldest first", Flags: []cli.Flag{addr, jsonF,
				&cli.StringFlag{Name: "state", Usage: "queued, running, done, failed or cancelled"},
				&cli.StringFlag{Name: "kind", Usage: "ingest, xdomea, audit, migration or export"},
				&cli.StringFlag{Name: "agency", Usage: "Behördenkennung"}},
				Action: func(c *cli.Context) error {
					q := "?state=" + c.String("state") + "&kind=" + c.String("kind") + "&agency=" + c.String("agency")
					var js []jobs.Job
					err := withJobs(c, func(a *adminClient) error { return a.do(c.Context, "GET", "/admin/api/jobs"+q, nil, &js) },
						func(q *jobs.Queue) (err error) {
							js, err = q.List(c.Context, jobs.Filter{Kind: jobs.Kind(c.String("kind")), State: jobs.State(c.String("state")), Agency: c.String("agency")})
							return err
						})
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if js == nil {
							js = []jobs.Job{}
						}
						return writeJSON(c.App.Writer, js)
					}
					tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tKIND\tSTATE\tATTEMPTS\tAGENCY\tNAME\tLAST ERROR")
					for _, j := range js {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", j.ID, j.Kind, j.State, j.Attempts, j.Agency, j.Name, oneLine(j.LastError))
					}
					return tw.Flush()
				}},
			jobVerb("show", "show a job with its result", addr, func(ctx context.Context, q *jobs.Queue, id string) (*jobs.Job, error) { return q.Get(ctx, id) }, "GET", ""),
			jobVerb("cancel", "cancel a queued or running job", addr, func(ctx context.Context, q *jobs.Queue, id string) (*jobs.Job, error) { return q.Cancel(ctx, id) }, "POST", "/cancel"),
			jobVerb("retry", "queue a failed or cancelled job again", addr, func(ctx context.Context, q *jobs.Queue, id string) (*jobs.Job, error) { return q.Retry(ctx, id) }, "POST", "/retry"),
		},
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func jobVerb(name, usage string, addr cli.Flag, direct func(context.Context, *jobs.Queue, string) (*jobs.Job, error), method, suffix string) *cli.Command {
	return &cli.Command{Name: name, Usage: usage, ArgsUsage: "JOB-ID", Flags: []cli.Flag{addr},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: jobs %s needs one JOB-ID", errUsage, name)
			}
			id := c.Args().First()
			var j *jobs.Job
			err := withJobs(c, func(a *adminClient) error { return a.do(c.Context, method, "/admin/api/jobs/"+id+suffix, nil, &j) },
				func(q *jobs.Queue) (err error) { j, err = direct(c.Context, q, id); return err })
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, jobs.ErrState) {
				return fmt.Errorf("%w: %v", errFailed, err)
			}
			if err != nil {
				return err
			}
			return writeJSON(c.App.Writer, j)
		}}
}

// withJobs runs remote against a running daemon, else direct against the
// catalog's queue.
func withJobs(c *cli.Context, remote func(*adminClient) error, direct func(*jobs.Queue) error) error {
	return withDaemon(c, remote, func(cat *catalog.Catalog) error { return direct(jobs.New(cat)) })
}

// onDaemon runs remote against a running daemon's admin API; errNoDaemon
// when none answers.
func onDaemon(c *cli.Context, remote func(*adminClient) error) error {
	data, err := filepath.Abs(c.String("data"))
	if err != nil {
		return fmt.Errorf("%w: --data: %v", errUsage, err)
	}
	return remote(newAdminClient(adminAddress(c, data)))
}

// withDaemon runs remote against a running daemon's admin API, else direct
// against the catalog (which the daemon would hold).
func withDaemon(c *cli.Context, remote func(*adminClient) error, direct func(*catalog.Catalog) error) error {
	err := onDaemon(c, remote)
	if !errors.Is(err, errNoDaemon) {
		return err
	}
	data, err := filepath.Abs(c.String("data"))
	if err != nil {
		return fmt.Errorf("%w: --data: %v", errUsage, err)
	}
	cat, err := catalog.Open(catalog.DefaultDir(data), nil)
	if err != nil {
		return fmt.Errorf("%w: %v (is `magazin serve` running without its admin API at %s?)", errUsage, err, adminAddress(c, data))
	}
	defer cat.Close()
	return direct(cat)
}
