package main

// Verbs that run as jobs of a running daemon: `magazin migrate` (kind
// migration), `magazin aip get` and `magazin export dip` (kind export).
// While `magazin serve` runs it holds the catalog; these verbs then queue
// their work in the daemon through the admin API (the request is the job's
// params), wait for the job and print its result as the foreground run
// would, with the same exit code. Without a daemon they run in the
// foreground. Both ways run the same code (the verbs' run methods).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/migrate"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// The verbs a migration or export job runs (its "verb" param).
const (
	verbMigrate   = "migrate"
	verbAIPGet    = "aip get"
	verbExportDIP = "export dip"
)

// verbKinds says which job kind runs each verb.
var verbKinds = map[string]jobs.Kind{verbMigrate: jobs.KindMigration, verbAIPGet: jobs.KindExport, verbExportDIP: jobs.KindExport}

func adminAddrFlag() cli.Flag {
	return &cli.StringFlag{Name: "admin-addr", EnvVars: []string{"MAGAZIN_ADMIN_ADDR"},
		Usage: "the daemon's admin API (default unix:DATA/admin.sock); when a daemon answers there, the work runs as its job"}
}

func detachFlag() cli.Flag {
	return &cli.BoolFlag{Name: "detach", Usage: "with a daemon running: print the job id and return at once (see `magazin jobs show`)"}
}

// verbOutcome is the result of a verb job: the exit code the foreground
// run would have had, its error, and what the verb prints its report from.
type verbOutcome struct {
	Code     int             `json:"code"`
	Error    string          `json:"error,omitempty"`
	Reported bool            `json:"reported,omitempty"`
	Out      json.RawMessage `json:"out,omitempty"`
}

// outcomeOf makes the job's result and error of a verb's run. A "no"
// (exit 1) and a usage error fail the job at once; other errors (a store
// down) are tried again; an interruption is left to the queue (cancelled,
// or queued again at a shutdown).
func outcomeOf(out any, err error) (any, error) {
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return nil, err
	}
	o := verbOutcome{Code: exitCode(err)}
	if out != nil {
		b, merr := json.Marshal(out)
		if merr != nil {
			return nil, jobs.Permanent(merr)
		}
		o.Out = b
	}
	if err == nil {
		return o, nil
	}
	o.Error, o.Reported = err.Error(), errors.Is(err, errReported)
	if errors.Is(err, errFailed) || errors.Is(err, errUsage) {
		return o, jobs.Permanent(err)
	}
	return o, err
}

// remoteErr is the error of a verb that ran as a job: it carries the exit
// class of the foreground run.
type remoteErr struct {
	code     int
	msg      string
	reported bool
}

func (e *remoteErr) Error() string { return e.msg }

func (e *remoteErr) Is(target error) bool {
	switch target {
	case errFailed:
		return e.code == 1
	case errUsage:
		return e.code == 2
	case context.Canceled:
		return e.code == 130
	case errReported:
		return e.reported
	}
	return false
}

// viaDaemon runs a verb: as a job of the daemon when one answers on the
// admin address (then print renders the job's output), else foreground.
func viaDaemon(c *cli.Context, kind jobs.Kind, verb string, req any, foreground func() error, print func(json.RawMessage) error) error {
	data, err := filepath.Abs(c.String("data"))
	if err != nil {
		return fmt.Errorf("%w: --data: %v", errUsage, err)
	}
	addr := adminAddress(c, data)
	a := newAdminClient(addr)
	if !a.answers(c.Context) {
		if c.Bool("detach") {
			return fmt.Errorf("%w: --detach needs a running daemon (`magazin serve`); none answers on %s", errUsage, addr)
		}
		return foreground()
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	var j jobs.Job
	if err := a.do(c.Context, http.MethodPost, "/admin/api/jobs", map[string]any{"kind": kind,
		"params": map[string]string{"verb": verb, "request": string(b)}}, &j); err != nil {
		return fmt.Errorf("%w: queueing the %s job in the daemon at %s: %v", errUsage, kind, addr, err)
	}
	if c.Bool("detach") {
		fmt.Fprintln(c.App.Writer, j.ID)
		return nil
	}
	fmt.Fprintf(c.App.ErrWriter, "magazin: %s runs in the daemon as job %s (Ctrl-C cancels it; --detach would return at once)\n", verb, j.ID)
	done, err := a.wait(c.Context, j.ID)
	if errors.Is(err, context.Canceled) && c.Context.Err() != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var cj jobs.Job
		if cerr := a.do(ctx, http.MethodPost, "/admin/api/jobs/"+url.PathEscape(j.ID)+"/cancel", nil, &cj); cerr != nil && !errors.Is(cerr, jobs.ErrState) {
			fmt.Fprintf(c.App.ErrWriter, "magazin: job %s could not be cancelled: %v\n", j.ID, cerr)
		} else {
			fmt.Fprintf(c.App.ErrWriter, "magazin: job %s cancelled\n", j.ID)
		}
		return err
	}
	if errors.Is(err, errNoDaemon) {
		return fmt.Errorf("%w: the daemon stopped while job %s ran; the job goes on when the daemon starts again (see `magazin jobs show %s`)", errUsage, j.ID, j.ID)
	}
	if err != nil {
		return fmt.Errorf("%w: waiting for job %s: %v (see `magazin jobs show %s`)", errUsage, j.ID, err, j.ID)
	}
	return jobOutcome(done, print)
}

// jobOutcome prints a finished verb job's report and returns the error the
// foreground run would have returned.
func jobOutcome(j *jobs.Job, print func(json.RawMessage) error) error {
	var o verbOutcome
	if len(j.Result) > 0 {
		if err := json.Unmarshal(j.Result, &o); err != nil {
			return fmt.Errorf("job %s: its result: %w", j.ID, err)
		}
	}
	switch j.State {
	case jobs.Done:
		return print(o.Out)
	case jobs.Cancelled:
		return fmt.Errorf("job %s was cancelled: %w", j.ID, context.Canceled)
	}
	if len(o.Out) > 0 {
		if err := print(o.Out); err != nil && !errors.Is(err, errReported) {
			return err
		}
	}
	if o.Code == 0 || o.Error == "" {
		// Tried as often as allowed, or interrupted too often.
		return fmt.Errorf("%w: job %s failed: %s", errUsage, j.ID, j.LastError)
	}
	return &remoteErr{code: o.Code, msg: o.Error, reported: o.Reported}
}

// answers reports whether a daemon answers on the admin address.
func (a *adminClient) answers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// wait waits for the job to end, asking the daemon to answer when it has
// (a long poll, renewed until it has ended).
func (a *adminClient) wait(ctx context.Context, id string) (*jobs.Job, error) {
	for {
		var j jobs.Job
		if err := a.do(ctx, http.MethodGet, "/admin/api/jobs/"+url.PathEscape(id)+"?wait=20s", nil, &j); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if j.Terminal() {
			return &j, nil
		}
	}
}

// --- the daemon's side --------------------------------------------------------

// checkVerbJob checks the params of a migration or export job queued
// through the admin API.
func checkVerbJob(kind jobs.Kind, params map[string]string) error {
	verb := params["verb"]
	if k, ok := verbKinds[verb]; !ok || k != kind {
		return fmt.Errorf("a %s job needs the param verb (%q or %q for export, %q for migration)", kind, verbAIPGet, verbExportDIP, verbMigrate)
	}
	_, err := decodeVerb(verb, params["request"])
	return err
}

// decodeVerb reads a verb job's request.
func decodeVerb(verb, request string) (any, error) {
	var v interface{ check() error }
	switch verb {
	case verbMigrate:
		v = &migrateRequest{}
	case verbAIPGet:
		v = &aipGetRequest{}
	case verbExportDIP:
		v = &exportDIPRequest{}
	default:
		return nil, fmt.Errorf("unknown verb %q", verb)
	}
	if err := json.Unmarshal([]byte(request), v); err != nil {
		return nil, fmt.Errorf("the %s request: %w", verb, err)
	}
	if err := v.check(); err != nil {
		return nil, fmt.Errorf("the %s request: %w", verb, err)
	}
	return v, nil
}

func (r *migrateRequest) check() error {
	if r.Config != nil {
		if err := r.Config.Check(); err != nil {
			return err
		}
	}
	return nil
}

func (r *aipGetRequest) check() error {
	if r.ID == "" || !filepath.IsAbs(r.Out) {
		return errors.New("want an AIP id and an absolute out")
	}
	return nil
}

func (r *exportDIPRequest) check() error {
	if r.Unit == "" || !filepath.IsAbs(r.Out) {
		return errors.New("want a unit and an absolute out")
	}
	return nil
}

// verbJob runs a migration or export job: the verb's own code, in the
// daemon. A migration resumes after a restart with the AIPs it has not
// finished (each finished AIP is marked with its result); an export is
// written into a staging directory of the job beside --out and renamed to
// --out when whole, so a restart either finds it placed or starts it
// again from nothing. A cancel stops it between files (the staging
// directory is removed).
func (d *daemon) verbJob(ctx context.Context, t *jobs.Task) (any, error) {
	j := t.Job()
	v, err := decodeVerb(j.Params["verb"], j.Params["request"])
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	switch r := v.(type) {
	case *migrateRequest:
		results, err := r.run(ctx, d.e, taskMigration{t})
		if err != nil {
			return outcomeOf(nil, err)
		}
		return outcomeOf(results, migrateFailed(results))
	case *aipGetRequest:
		return outcomeOf(placeExport(ctx, t, r.Out, func(into string) (any, error) {
			out, err := r.run(ctx, d.e, into, nil)
			if err != nil {
				return nil, err
			}
			return out, nil
		}))
	case *exportDIPRequest:
		return outcomeOf(placeExport(ctx, t, r.Out, func(into string) (any, error) {
			res, err := r.run(ctx, d.e, into, nil)
			if err != nil {
				return nil, err
			}
			return res, nil
		}))
	}
	return nil, jobs.Permanent(fmt.Errorf("unknown request %T", v))
}

// taskMigration keeps a migration job's finished AIPs as marks.
type taskMigration struct{ t *jobs.Task }

func (m taskMigration) Done(id string) (*migrate.Result, bool) {
	v, ok := m.t.Marked("aip/" + id)
	if !ok {
		return nil, false
	}
	var r migrate.Result
	if json.Unmarshal([]byte(v), &r) != nil {
		return nil, false
	}
	return &r, true
}

func (m taskMigration) Finished(ctx context.Context, r *migrate.Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return m.t.Mark(ctx, "aip/"+r.AIP, string(b))
}

// placeExport runs an export job's run into the job's own staging
// directory beside out and renames it to out when it is whole. The mark
// "exported" (with the result; cleared when someone else took out) says
// the staging directory is complete:
// after a restart it is only renamed (or found renamed already);
// without the mark, whatever a killed run left there is removed and the
// export starts again.
func placeExport(ctx context.Context, t *jobs.Task, out string, run func(into string) (any, error)) (any, error) {
	into := filepath.Join(filepath.Dir(out), ".magazin-job-"+t.Job().ID)
	if v, ok := t.Marked("exported"); ok && v != "" {
		if _, err := os.Lstat(into); err == nil {
			if err := placeDir(ctx, t, into, out); err != nil {
				return nil, err
			}
		}
		if _, err := os.Lstat(out); err == nil {
			return json.RawMessage(v), nil
		}
		// Neither there nor placed: made again below.
	}
	if err := removeStaging(into); err != nil {
		return nil, err
	}
	res, err := run(into)
	if err != nil {
		removeStaging(into)
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	if err := t.Mark(ctx, "exported", string(b)); err != nil {
		return nil, err
	}
	if err := placeDir(ctx, t, into, out); err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// placeDir renames the finished export into place; an out made meanwhile
// by someone else is not touched (the export is removed and its mark
// cleared, so that a retry makes it again; a usage error).
func placeDir(ctx context.Context, t *jobs.Task, into, out string) error {
	if _, err := os.Lstat(out); err == nil {
		if err := t.Mark(ctx, "exported", ""); err != nil {
			return err
		}
		removeStaging(into)
		return fmt.Errorf("%w: --out %s exists", errUsage, out)
	}
	if err := os.Rename(into, out); err != nil {
		return fmt.Errorf("placing the export at %s: %w", out, err)
	}
	return nil
}

// removeStaging removes a job's staging directory and the partial
// folders the pack writer makes beside it (".<name>.partial-*").
func removeStaging(into string) error {
	partial, _ := filepath.Glob(filepath.Join(filepath.Dir(into), "."+filepath.Base(into)+".partial-*"))
	for _, p := range append(partial, into) {
		if err := os.RemoveAll(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// verbJobName names a verb job for `magazin jobs list`.
func verbJobName(params map[string]string) string {
	v, err := decodeVerb(params["verb"], params["request"])
	if err != nil {
		return params["verb"]
	}
	switch r := v.(type) {
	case *migrateRequest:
		if len(r.AIPs) == 0 {
			return "migrate (all AIPs)"
		}
		if len(r.AIPs) == 1 {
			return "migrate " + r.AIPs[0]
		}
		return fmt.Sprintf("migrate %s and %d more", r.AIPs[0], len(r.AIPs)-1)
	case *aipGetRequest:
		return "aip get " + r.ID + " (" + r.Format + ")"
	case *exportDIPRequest:
		return "export dip " + r.Unit
	}
	return params["verb"]
}
