package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// Agency API tokens: an agency's systems authenticate uploads with a
// bearer token that `magazin agency token` issues. Only its SHA-256 is
// kept, as an operational record of the catalog ("agency-token/<hash>"),
// never the token itself; it is shown once when issued.

// tokenRecord is what is kept of a token.
type tokenRecord struct {
	Agency  string    `json:"agency"`
	Created time.Time `json:"created"`
}

const tokenPrefix = "mzt_"

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "agency-token/" + hex.EncodeToString(sum[:])
}

// issueToken makes a new random token for agency and records its hash.
func issueToken(ctx context.Context, cat *catalog.Catalog, agency string) (string, error) {
	if _, err := cat.Agency(ctx, agency); err != nil {
		return "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	rec, _ := json.Marshal(tokenRecord{Agency: agency, Created: time.Now().UTC()})
	if err := cat.PutRecord(ctx, tokenKey(tok), rec); err != nil {
		return "", err
	}
	return tok, nil
}

// revokeTokens removes every token of agency and returns how many.
func revokeTokens(ctx context.Context, cat *catalog.Catalog, agency string) (int, error) {
	var keys []string
	for k, v := range cat.Records(ctx, "agency-token/") {
		var r tokenRecord
		if json.Unmarshal(v, &r) == nil && r.Agency == agency {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if err := cat.DeleteRecord(ctx, k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// agencyOf returns the agency a bearer token belongs to.
func agencyOf(ctx context.Context, cat *catalog.Catalog, r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(tok, tokenPrefix) || len(tok) > 200 {
		return "", false
	}
	key := tokenKey(strings.TrimSpace(tok))
	b, err := cat.Record(ctx, key)
	if err != nil {
		return "", false
	}
	var rec tokenRecord
	if json.Unmarshal(b, &rec) != nil || rec.Agency == "" {
		return "", false
	}
	return rec.Agency, true
}

func agencyTokenCommand() *cli.Command {
	return &cli.Command{Name: "token", Usage: "issue an API token for an agency's uploads (shown once; only its hash is kept)", ArgsUsage: "BEHOERDENKENNUNG",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "revoke", Usage: "revoke every token of the agency instead"},
			&cli.StringFlag{Name: "admin-addr", EnvVars: []string{"MAGAZIN_ADMIN_ADDR"}, Usage: "the daemon's admin API (default unix:DATA/admin.sock)"}},
		Description: "The agency sends the token as `Authorization: Bearer TOKEN` with PUT /api/v1/transfers/NAME (docs/operations.md). " +
			"With `magazin serve` running it asks the daemon through its admin API, else it writes the catalog directly.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: agency token needs the Behördenkennung", errUsage)
			}
			agency := c.Args().First()
			path := "/admin/api/agencies/" + url.PathEscape(agency) + "/tokens"
			if c.Bool("revoke") {
				var out struct{ Revoked int }
				err := withDaemon(c, func(a *adminClient) error { return a.do(c.Context, http.MethodDelete, path, nil, &out) },
					func(cat *catalog.Catalog) (err error) {
						out.Revoked, err = revokeTokens(c.Context, cat, agency)
						return err
					})
				if err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "revoked %d tokens of %s\n", out.Revoked, agency)
				return nil
			}
			var out struct{ Token string }
			err := withDaemon(c, func(a *adminClient) error { return a.do(c.Context, http.MethodPost, path, nil, &out) },
				func(cat *catalog.Catalog) (err error) {
					out.Token, err = issueToken(c.Context, cat, agency)
					return err
				})
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: %v (add it with `magazin agency add`)", errFailed, err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, out.Token)
			return nil
		}}
}

// --- upload API ----------------------------------------------------------------

// uploadAPI serves an agency's transfers:
//
//	PUT /api/v1/transfers/{name}   the body is the file; a SHA-512 in
//	    Content-Digest (sha-512=:BASE64:), Digest (SHA-512=BASE64) or
//	    X-Checksum-SHA512 (hex) is required and checked before the job is
//	    queued. 201 with the job; 200 with the same job for a repeated
//	    identical upload (same agency, name and digest); 400 bad name or no
//	    digest; 401 no valid token; 403 another agency named (in ?agency=
//	    or as the xdomea message's sender); 413 too large; 422 the body does
//	    not match the digest.
//	GET /api/v1/transfers          the agency's jobs and Aussonderung
//	    processes with their receipts.
//	GET /api/v1/transfers/{id}     one job of the agency.
type uploadAPI struct {
	d   *daemon
	max int64
}

func (u *uploadAPI) register(mux *http.ServeMux) {
	mux.HandleFunc("PUT /api/v1/transfers/{name}", u.put)
	mux.HandleFunc("GET /api/v1/transfers", u.list)
	mux.HandleFunc("GET /api/v1/transfers/{id}", u.get)
}

func apiError(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="magazin"`)
	}
	writeJSONStatus(w, code, map[string]string{"error": msg})
}

// authorize returns the token's agency, answering 401 or 403 itself.
func (u *uploadAPI) authorize(w http.ResponseWriter, r *http.Request) (string, bool) {
	agency, ok := agencyOf(r.Context(), u.d.e.cat, r)
	if !ok {
		u.d.m.uploads.WithLabelValues("unauthorized").Inc()
		apiError(w, http.StatusUnauthorized, "a valid agency token is needed (Authorization: Bearer …)")
		return "", false
	}
	if want := r.URL.Query().Get("agency"); want != "" && want != agency {
		u.d.m.uploads.WithLabelValues("unauthorized").Inc()
		apiError(w, http.StatusForbidden, "this token belongs to another agency")
		return "", false
	}
	return agency, true
}

// requestDigest returns the SHA-512 the client declares, in hex.
func requestDigest(h http.Header) (string, error) {
	if v := h.Get("Content-Digest"); v != "" {
		for _, part := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && strings.EqualFold(k, "sha-512") {
				b, err := base64.StdEncoding.DecodeString(strings.Trim(val, ":"))
				if err != nil || len(b) != sha512.Size {
					return "", errors.New("Content-Digest: sha-512 is not a base64 SHA-512")
				}
				return hex.EncodeToString(b), nil
			}
		}
	}
	if v := h.Get("Digest"); v != "" {
		for _, part := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && strings.EqualFold(k, "sha-512") {
				b, err := base64.StdEncoding.DecodeString(val)
				if err != nil || len(b) != sha512.Size {
					return "", errors.New("Digest: SHA-512 is not a base64 SHA-512")
				}
				return hex.EncodeToString(b), nil
			}
		}
	}
	if v := strings.TrimSpace(h.Get("X-Checksum-SHA512")); v != "" {
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != sha512.Size {
			return "", errors.New("X-Checksum-SHA512 is not a hex SHA-512")
		}
		return strings.ToLower(v), nil
	}
	return "", errors.New("a SHA-512 of the body is needed: Content-Digest: sha-512=:BASE64:, Digest: SHA-512=BASE64 or X-Checksum-SHA512: HEX")
}

// validUploadName accepts a plain file name the hot folder would take.
func validUploadName(name string) bool {
	if name == "" || len(name) > 255 || name != filepath.Base(name) || strings.ContainsAny(name, "/\\\x00") {
		return false
	}
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return false
	}
	l := strings.ToLower(name)
	for _, suf := range []string{".tmp", ".part", ".partial", ".crdownload", ".filepart", ".done", ".ready"} {
		if strings.HasSuffix(l, suf) {
			return false
		}
	}
	return true
}

func uploadDedup(agency, name, digest string) string {
	return "upload/" + agency + "/" + name + "/" + digest
}

func (u *uploadAPI) put(w http.ResponseWriter, r *http.Request) {
	agency, ok := u.authorize(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if !validUploadName(name) {
		u.d.m.uploads.WithLabelValues("invalid").Inc()
		apiError(w, http.StatusBadRequest, "the name must be a plain file name (no path, not hidden, no temporary or marker suffix)")
		return
	}
	want, err := requestDigest(r.Header)
	if err != nil {
		u.d.m.uploads.WithLabelValues("invalid").Inc()
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	dedup := uploadDedup(agency, name, want)
	if j, err := u.d.q.Lookup(ctx, dedup); err == nil {
		// A retried upload: answer with its job, and read nothing.
		u.d.m.uploads.WithLabelValues("duplicate").Inc()
		writeJSONStatus(w, http.StatusOK, transferView(*j))
		return
	}
	if u.max > 0 && r.ContentLength > u.max {
		u.d.m.uploads.WithLabelValues("invalid").Inc()
		apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("larger than the %d bytes allowed", u.max))
		return
	}
	base := filepath.Join(u.d.e.cfg.DataDir, "uploads", agency)
	if err := os.MkdirAll(base, 0o750); err != nil {
		apiError(w, http.StatusInternalServerError, "staging: "+err.Error())
		return
	}
	dir, err := os.MkdirTemp(base, time.Now().UTC().Format("20060102T150405Z")+"-")
	if err != nil {
		apiError(w, http.StatusInternalServerError, "staging: "+err.Error())
		return
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	part := filepath.Join(dir, name+".part")
	f, err := os.OpenFile(part, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "staging: "+err.Error())
		return
	}
	h := sha512.New()
	body := io.Reader(r.Body)
	if u.max > 0 {
		body = http.MaxBytesReader(w, r.Body, u.max)
	}
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			u.d.m.uploads.WithLabelValues("invalid").Inc()
			apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("larger than the %d bytes allowed", u.max))
			return
		}
		apiError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	got := hex.EncodeToString(h.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		u.d.m.uploads.WithLabelValues("digest_mismatch").Inc()
		apiError(w, http.StatusUnprocessableEntity, "the body does not match the declared SHA-512; nothing was queued")
		return
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(part, final); err != nil {
		apiError(w, http.StatusInternalServerError, "staging: "+err.Error())
		return
	}
	if looksXdomea(name) {
		if err := u.d.checkSender(ctx, final, agency); err != nil {
			u.d.m.uploads.WithLabelValues("unauthorized").Inc()
			apiError(w, http.StatusForbidden, err.Error()+"; nothing was queued")
			return
		}
	}
	j, created, err := u.d.enqueueFile(ctx, jobs.Job{Agency: agency, Source: "upload", Name: name, Path: final, Digest: got, Size: n}, dedup)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "queue: "+err.Error())
		return
	}
	if !created {
		// An identical upload finished first: its copy is the one.
		u.d.m.uploads.WithLabelValues("duplicate").Inc()
		writeJSONStatus(w, http.StatusOK, transferView(*j))
		return
	}
	keep = true
	u.d.m.uploads.WithLabelValues("queued").Inc()
	u.d.e.cfg.Logger.Info("upload queued", "job", j.ID, "agency", agency, "file", name, "bytes", n)
	w.Header().Set("Location", "/api/v1/transfers/"+j.ID)
	writeJSONStatus(w, http.StatusCreated, transferView(*j))
}

// sweepUploads removes what uploads interrupted by a crash left in
// DATA/uploads: directories no job refers to (the client never got its
// answer and sends the file again).
func (d *daemon) sweepUploads(ctx context.Context) error {
	js, err := d.q.List(ctx, jobs.Filter{})
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, j := range js {
		if j.Source == "upload" {
			used[filepath.Dir(j.Path)] = true
		}
	}
	agencies, _ := os.ReadDir(filepath.Join(d.e.cfg.DataDir, "uploads"))
	for _, a := range agencies {
		dirs, _ := os.ReadDir(filepath.Join(d.e.cfg.DataDir, "uploads", a.Name()))
		for _, e := range dirs {
			p := filepath.Join(d.e.cfg.DataDir, "uploads", a.Name(), e.Name())
			if e.IsDir() && !used[p] {
				d.e.cfg.Logger.Info("removing an interrupted upload", "dir", p)
				if err := os.RemoveAll(p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// transfer is a job as an agency sees it.
type transfer struct {
	ID       string          `json:"id"`
	Kind     jobs.Kind       `json:"kind"`
	State    jobs.State      `json:"state"`
	Name     string          `json:"name"`
	Source   string          `json:"source"`
	Digest   string          `json:"sha512,omitempty"`
	Size     int64           `json:"size,omitempty"`
	Created  time.Time       `json:"created"`
	Finished time.Time       `json:"finished,omitzero"`
	Error    string          `json:"error,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
}

func transferView(j jobs.Job) transfer {
	return transfer{ID: j.ID, Kind: j.Kind, State: j.State, Name: j.Name, Source: j.Source, Digest: j.Digest, Size: j.Size,
		Created: j.Created, Finished: j.Finished, Error: j.LastError, Result: j.Result}
}

// process is an Aussonderung process as its agency sees it: the steps
// and the receipts (message keys) of each.
type processView struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Title   string `json:"title,omitempty"`
	Steps   []struct {
		Step    string    `json:"step"`
		Time    time.Time `json:"time"`
		OK      bool      `json:"ok"`
		Message string    `json:"message,omitempty"`
		AIPs    int       `json:"aips,omitempty"`
	} `json:"steps"`
}

func (u *uploadAPI) list(w http.ResponseWriter, r *http.Request) {
	agency, ok := u.authorize(w, r)
	if !ok {
		return
	}
	js, err := u.d.q.List(r.Context(), jobs.Filter{Agency: agency})
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := struct {
		Agency    string        `json:"agency"`
		Transfers []transfer    `json:"transfers"`
		Processes []processView `json:"processes"`
	}{Agency: agency, Transfers: []transfer{}, Processes: []processView{}}
	for _, j := range js {
		out.Transfers = append(out.Transfers, transferView(j))
	}
	ps, err := u.d.e.cat.Processes(r.Context())
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	for _, p := range ps {
		if p.Agency != agency {
			continue
		}
		v := processView{ID: p.ID, Version: p.Version, Title: p.Title}
		for _, ev := range p.Events {
			v.Steps = append(v.Steps, struct {
				Step    string    `json:"step"`
				Time    time.Time `json:"time"`
				OK      bool      `json:"ok"`
				Message string    `json:"message,omitempty"`
				AIPs    int       `json:"aips,omitempty"`
			}{ev.Step, ev.Time, ev.OK, filepath.Base(ev.Message), len(ev.AIPs)})
		}
		out.Processes = append(out.Processes, v)
	}
	writeJSONStatus(w, http.StatusOK, out)
}

func (u *uploadAPI) get(w http.ResponseWriter, r *http.Request) {
	agency, ok := u.authorize(w, r)
	if !ok {
		return
	}
	j, err := u.d.q.Get(r.Context(), r.PathValue("id"))
	if err != nil || j.Agency != agency {
		apiError(w, http.StatusNotFound, "no such transfer of this agency")
		return
	}
	writeJSONStatus(w, http.StatusOK, transferView(*j))
}
