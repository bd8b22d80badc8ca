package main

// Verbs while the daemon runs: the daemon holds the catalog and the
// accounts (badger: one process only). A verb that finds them held by a
// daemon that answers on its admin socket hands its whole command line to
// that daemon, which runs the same verb in-process over its already open
// archive and streams stdout, stderr and the exit code back
// (internal/cmdrelay). Only `serve` and `rebuild` are refused there
// (notInDaemon). See docs/adr/0006-verbs-through-the-daemon.md.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/internal/cmdrelay"
)

// notInDaemon are the verbs a daemon does not run for the command line,
// with the reason the operator is told.
var notInDaemon = map[string]string{
	"serve":   "a daemon already runs on this data directory",
	"rebuild": "rebuild needs the archive to itself: stop the daemon (magazin serve) first, then run magazin rebuild",
}

// host is what a verb run inside the daemon uses instead of opening the
// archive itself.
type host struct {
	e        *env
	accounts *accounts.DB
	// terminal: the client's stderr is a terminal (progress bars).
	terminal bool
	// user is the client's login name (the default --user).
	user string
}

type hostKey struct{}

// hostOf returns the daemon hosting this run, or nil on the command line.
func hostOf(ctx context.Context) *host {
	h, _ := ctx.Value(hostKey{}).(*host)
	return h
}

// env returns the daemon's archive for one verb; closing it leaves the
// daemon's open.
func (h *host) env(c *cli.Context) (*env, error) {
	e := *h.e
	e.borrowed = true
	var err error
	if e.cfg, err = h.config(c); err != nil {
		return nil, err
	}
	return &e, nil
}

// config is the daemon's Config for one verb, with a logger of its own
// that writes to the user's stderr as the command line would (at the
// verb's --log-level and --log-format); the daemon's settings and its
// log level stay as they are.
func (h *host) config(c *cli.Context) (Config, error) {
	cfg := h.e.cfg
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return Config{}, fmt.Errorf("%w: --log-level: %v", errUsage, err)
	}
	var err error
	if cfg.Logger, err = newLoggerTo(c.App.ErrWriter, h.terminal, lvl, c.String("log-format")); err != nil {
		return Config{}, fmt.Errorf("%w: --log-format: %v", errUsage, err)
	}
	return cfg, nil
}

// daemonHolds: the archive is held by a running daemon that answers on
// addr; main hands the command line to it.
type daemonHolds struct {
	addr string
	err  error
	// c is the verb's context (for the flags its environment set).
	c *cli.Context
}

func (d *daemonHolds) Error() string {
	return fmt.Sprintf("%v (held by the daemon on %s)", d.err, d.addr)
}

func (d *daemonHolds) Unwrap() error { return d.err }

// heldByDaemon is called where the catalog or the accounts could not be
// opened: err becomes a daemonHolds when a daemon answers on the data
// directory's admin address, else it stays as it is.
func heldByDaemon(c *cli.Context, dataDir string, err error) error {
	if hostOf(c.Context) != nil {
		return err
	}
	addr := c.String("admin-addr")
	if addr == "" {
		addr = os.Getenv("MAGAZIN_ADMIN_ADDR")
	}
	if addr == "" {
		addr = "unix:" + filepath.Join(dataDir, "admin.sock")
	}
	if !daemonAnswers(c.Context, addr) {
		return err
	}
	return &daemonHolds{addr: addr, err: err, c: c}
}

// daemonAnswers asks the admin API's /healthz.
func daemonAnswers(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a := newAdminClient(addr)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// forward runs args (the command line without the program name) in the
// daemon that holds the archive and returns the exit code. stdin is what
// the verb read before it found the archive held, then the rest of the
// real stdin.
func forward(ctx context.Context, held *daemonHolds, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	addr := held.addr
	args = withEnvFlags(held.c, args)
	a := newAdminClient(addr)
	hc := *a.hc
	hc.Timeout = 0 // a verb takes as long as it takes
	cl := &cmdrelay.Client{HTTP: &hc, URL: a.base + "/admin/api/run", CancelWait: 30 * time.Second}
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(stderr, "magazin:", err)
		return 2
	}
	abs, shown := absArgs(args, cwd)
	req := cmdrelay.Request{Args: abs, Terminal: term.IsTerminal(int(os.Stderr.Fd())), User: loginName()}
	code, err := cl.Run(ctx, req, stdin, asTyped{stdout, shown}, asTyped{stderr, shown})
	if err != nil {
		fmt.Fprintf(stderr, "magazin: the daemon on %s: %v\n", addr, err)
		if ctx.Err() != nil {
			return exitCode(ctx.Err())
		}
		return exitCode(errUsage)
	}
	return code
}

// withEnvFlags adds to args the flags of the verb (and the global ones)
// that the environment set: the daemon reads no one's environment for the
// verbs it runs (see runVerb), so they go as flags. Global flags go in
// front, the verb's at the end (before a "--"; interspersed puts them in
// place).
func withEnvFlags(c *cli.Context, args []string) []string {
	if c == nil {
		return args
	}
	given := func(f cli.Flag) bool {
		for _, n := range f.Names() {
			for _, a := range args {
				if a == "--" {
					break
				}
				if a == "-"+n || a == "--"+n || strings.HasPrefix(a, "-"+n+"=") || strings.HasPrefix(a, "--"+n+"=") {
					return true
				}
			}
		}
		return false
	}
	fromEnv := func(flags []cli.Flag) []string {
		var out []string
		for _, f := range flags {
			ev, ok := f.(interface{ GetEnvVars() []string })
			if !ok || given(f) {
				continue
			}
			set := false
			for _, v := range ev.GetEnvVars() {
				if _, ok := os.LookupEnv(v); ok {
					set = true
				}
			}
			if !set {
				continue
			}
			name := f.Names()[0]
			switch v := c.Value(name).(type) {
			case cli.StringSlice:
				for _, s := range v.Value() {
					out = append(out, "--"+name+"="+s)
				}
			case []string:
				for _, s := range v {
					out = append(out, "--"+name+"="+s)
				}
			case nil:
			default:
				out = append(out, fmt.Sprintf("--%s=%v", name, v))
			}
		}
		return out
	}
	front := fromEnv(c.App.Flags)
	var back []string
	if c.Command != nil && len(c.Lineage()) > 1 {
		back = fromEnv(c.Command.Flags)
	}
	out := append(front, args...)
	if len(back) == 0 {
		return out
	}
	if i := slices.Index(out, "--"); i >= 0 {
		return slices.Concat(out[:i], back, out[i:])
	}
	return append(out, back...)
}

// absArgs makes the relative paths among args absolute (against cwd), for
// the daemon, whose working directory is another: an argument or a flag's
// value (--flag=value too) that names an existing file, or a path whose
// directory exists (an output still to be made). shown maps each path
// made absolute to the path as typed, except for the global settings
// (--data, ...), which are shown absolute without the daemon too.
func absArgs(args []string, cwd string) (out []string, shown map[string]string) {
	out, shown = make([]string, len(args)), map[string]string{}
	global := false
	abs := func(v string) string {
		if v == "" || v == "-" || filepath.IsAbs(v) || strings.Contains(v, "://") {
			return v
		}
		p := filepath.Join(cwd, v)
		_, err := os.Lstat(p)
		if err != nil && strings.ContainsRune(v, filepath.Separator) {
			if fi, serr := os.Stat(filepath.Dir(p)); serr == nil && fi.IsDir() {
				err = nil
			}
		}
		if err != nil {
			return v
		}
		if !global {
			shown[p] = strings.TrimSuffix(v, string(filepath.Separator))
		}
		return p
	}
	for i, a := range args {
		name, v, hasValue := strings.Cut(a, "=")
		isFlag := strings.HasPrefix(a, "-") && a != "-"
		if isFlag {
			global = globalPathFlags[strings.TrimLeft(name, "-")]
		}
		switch {
		case isFlag && hasValue:
			out[i] = name + "=" + abs(v)
			global = false
		case isFlag:
			out[i] = a
		default:
			out[i] = abs(a)
			global = false
		}
	}
	return out, shown
}

// globalPathFlags are the global flags naming files; the command line
// resolves them itself (configFrom) and shows them absolute.
var globalPathFlags = map[string]bool{"data": true, "config": true, "store": true, "policy": true, "xdomea-schemas": true}

// asTyped writes the daemon's output with the paths absArgs made absolute
// shown as they were typed (a verb that echoes its argument echoes it as
// without the daemon): where such a path stands whole or begins a longer
// one. Output comes in the verb's writes, which do not split a path in
// practice.
type asTyped struct {
	w     io.Writer
	shown map[string]string
}

func (a asTyped) Write(p []byte) (int, error) {
	if len(a.shown) == 0 {
		return a.w.Write(p)
	}
	s := string(p)
	paths := make([]string, 0, len(a.shown))
	for abs := range a.shown {
		paths = append(paths, abs)
	}
	slices.SortFunc(paths, func(x, y string) int { return len(y) - len(x) }) // the longest first
	for _, abs := range paths {
		s = replaceWhole(s, abs, a.shown[abs])
	}
	if _, err := io.WriteString(a.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// replaceWhole replaces old in s by new where it is not part of a longer
// name: followed by the end, a separator or a character that is no part
// of a file name in practice.
func replaceWhole(s, old, new string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(old)
		// A path inside "." stays absolute: it may be anything below the
		// working directory (the data directory, say).
		if end == len(s) || strings.ContainsRune(" \t\r\n\"':,;)]}>", rune(s[end])) || s[end] == '/' && new != "." {
			b.WriteString(s[:i])
			b.WriteString(new)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

// stdinRecorder is the command line's stdin: it keeps what a verb read,
// so that the daemon gets it again when the verb is handed over.
type stdinRecorder struct {
	f   *os.File
	mu  sync.Mutex
	got bytes.Buffer
}

func (r *stdinRecorder) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.record(p[:n])
	return n, err
}

func (r *stdinRecorder) record(p []byte) {
	r.mu.Lock()
	r.got.Write(p)
	r.mu.Unlock()
}

// replay returns what was read, then the rest of stdin.
func (r *stdinRecorder) replay() io.Reader {
	r.mu.Lock()
	defer r.mu.Unlock()
	return io.MultiReader(bytes.NewReader(bytes.Clone(r.got.Bytes())), r.f)
}

// stdinFile returns the file under a command's stdin, if it is one.
func stdinFile(rd io.Reader) (*os.File, bool) {
	switch r := rd.(type) {
	case *os.File:
		return r, true
	case *stdinRecorder:
		return r.f, true
	}
	return nil, false
}

// stderrTerminal tells whether the user sees stderr on a terminal.
func stderrTerminal(c *cli.Context) bool {
	if h := hostOf(c.Context); h != nil {
		return h.terminal
	}
	return term.IsTerminal(int(os.Stderr.Fd()))
}

// runVerb runs one command line handed over by a client (see forward),
// with the daemon's archive and accounts.
func (d *daemon) runVerb(ctx context.Context, req cmdrelay.Request, stdin io.Reader, stdout, stderr io.Writer) int {
	d.runs.Add(1)
	defer d.runs.Done()
	if !d.adminUnix {
		fmt.Fprintln(stderr, "magazin: the daemon runs command-line verbs only for its unix admin socket (--admin-addr unix:PATH), whose file permissions say who is an operator")
		return exitCode(errUsage)
	}
	app := newApp()
	app.Reader, app.Writer, app.ErrWriter = stdin, stdout, stderr
	// urfave/cli writes to its shared help and version flags when it
	// parses them, and runs here parse at once. Help never comes here
	// (the command line shows it without opening the archive).
	app.HideHelp, app.HideHelpCommand, app.HideVersion = true, true, true
	hideHelp(app.Commands)
	// The verb's environment is the caller's, who sent what it set as
	// flags (withEnvFlags); the daemon's own does not apply.
	app.Flags = withoutEnv(app.Flags)
	ignoreEnv(app.Commands)
	before := app.Before
	app.Before = func(c *cli.Context) error {
		if why, ok := notInDaemon[c.Args().First()]; ok {
			return fmt.Errorf("%w: %s", errUsage, why)
		}
		return before(c)
	}
	ctx = context.WithValue(ctx, hostKey{}, &host{e: d.e, accounts: d.accounts, terminal: req.Terminal, user: req.User})
	start := time.Now()
	log := d.e.cfg.Logger.With("component", "cli")
	log.Info("command line verb", "args", req.Args)
	err := app.RunContext(ctx, interspersed(app, append([]string{"magazin"}, req.Args...)))
	report(stderr, err)
	code := exitCode(err)
	log.Info("command line verb done", "args", req.Args, "exit", code, "took", time.Since(start).Round(time.Millisecond))
	return code
}

// report tells the user of a failed command.
func report(w io.Writer, err error) {
	if err != nil && !errors.Is(err, errReported) {
		fmt.Fprintln(w, "magazin:", err)
	}
}

func hideHelp(cmds []*cli.Command) {
	for _, c := range cmds {
		c.HideHelp, c.HideHelpCommand = true, true
		hideHelp(c.Subcommands)
	}
}

func ignoreEnv(cmds []*cli.Command) {
	for _, c := range cmds {
		c.Flags = withoutEnv(c.Flags)
		ignoreEnv(c.Subcommands)
	}
}

// withoutEnv clears the environment variables of flags (made for this App
// alone, see profileFlag), altsrc's too.
func withoutEnv(flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		v := reflect.ValueOf(f)
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		if ev := v.FieldByName("EnvVars"); ev.IsValid() && ev.CanSet() {
			ev.Set(reflect.Zero(ev.Type()))
		}
	}
	return flags
}
