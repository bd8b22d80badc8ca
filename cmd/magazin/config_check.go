package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/ingest/hotfolder"
	"github.com/magazin-archiv/magazin/ingest/scan"
	"github.com/magazin-archiv/magazin/preservation/jobs"
	"github.com/magazin-archiv/magazin/preservation/policy"
	"github.com/magazin-archiv/magazin/preservation/store/location"
)

// configCommand is `magazin config check`.
func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "the configuration: one TOML file (--config), flags and environment",
		Subcommands: []*cli.Command{{
			Name:  "check",
			Usage: "check the configuration and print the effective settings (secrets redacted); exit 1 on an error",
			Description: "Reads the file given with --config (or MAGAZIN_CONFIG; without one the built-in defaults apply), " +
				"the environment and the flags, in that order of rising precedence, as `magazin serve` would. " +
				"Unknown keys in the file are errors. Nothing is opened or written.",
			Flags:  serveFlags(),
			Action: configCheck,
		}},
	}
}

// readConfigFile decodes the TOML file and returns its keys that no flag
// of globals or serve knows.
func readConfigFile(path string) (map[string]any, []string, error) {
	var m map[string]any
	if _, err := toml.DecodeFile(path, &m); err != nil {
		return nil, nil, err
	}
	known := map[string]bool{}
	for _, f := range append(globalFlags(), serveFlags()...) {
		for _, n := range f.Names() {
			known[n] = true
		}
	}
	var unknown []string
	for k := range m {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	return m, unknown, nil
}

func configCheck(c *cli.Context) error {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	source := map[string]string{}
	for _, f := range globalFlags() {
		n := f.Names()[0]
		if flagFromArgsOrEnv(c, n) {
			source[n] = "flag/env"
		}
	}
	for _, n := range c.FlagNames() {
		if c.IsSet(n) {
			source[n] = "flag/env"
		}
	}
	file := c.String("config")
	if file != "" {
		m, unknown, err := readConfigFile(file)
		switch {
		case err != nil:
			bad("--config %s: %v", file, err)
		default:
			for _, k := range unknown {
				bad("--config %s: unknown key %q", file, k)
			}
			src := altsrc.NewTomlSourceFromFlagFunc("config")
			// The flags as parsed: altsrc sets a flag through the flag set
			// it was applied to, so these instances, not new ones.
			if err := altsrc.InitInputSourceWithContext(c.App.Flags, src)(c); err != nil {
				bad("--config %s: %v", file, err)
			}
			if err := altsrc.InitInputSourceWithContext(c.Command.Flags, src)(c); err != nil {
				bad("--config %s: %v", file, err)
			}
			for k := range m {
				if source[k] == "" {
					source[k] = "file"
				}
			}
		}
	}
	cfg, err := configFrom(c)
	if err != nil {
		bad("%v", err)
	}
	for _, u := range cfg.Stores {
		switch {
		case strings.HasPrefix(u, "s3://"):
			if _, err := location.S3Config(u, os.Getenv); err != nil {
				bad("store %s: %v", location.Redact(u), err)
			}
		default:
			if _, err := location.FilePath(u); err != nil {
				bad("store %s: %v", location.Redact(u), err)
			}
		}
	}
	if l := c.String("law"); l != closure.LawSaechsArchivG && l != closure.LawBArchG {
		bad("--law %q: want %s or %s", l, closure.LawSaechsArchivG, closure.LawBArchG)
	}
	if g := c.String("granularity"); g != "day" && g != "year" {
		bad("--granularity %q: want day or year", g)
	}
	if s := c.String("scan"); s != "required" && s != "optional" {
		bad("--scan %q: want required or optional", s)
	}
	if a := c.String("clamd"); a != "" {
		if _, _, err := scan.ParseAddress(a); err != nil {
			bad("--clamd: %v", err)
		}
	}
	if p := c.String("policy"); p != "" {
		if _, err := policy.Load(p); err != nil {
			bad("--policy: %v", err)
		}
	}
	if d := c.String("xdomea-schemas"); d != "" {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			bad("--xdomea-schemas %s: not a directory", d)
		}
	}
	if _, _, err := net.SplitHostPort(c.String("addr")); err != nil {
		bad("--addr: %v", err)
	}
	if a := c.String("admin-addr"); a != "" && !strings.HasPrefix(a, "unix:") {
		host, _, err := net.SplitHostPort(a)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			bad("--admin-addr %s: want unix:PATH or a loopback host:port", a)
		}
	}
	for _, n := range []string{"audit-rate", "upload-max"} {
		if _, err := parseBytes(c.String(n)); err != nil {
			bad("--%s: %v", n, err)
		}
	}
	for _, l := range c.StringSlice("job-limit") {
		k, v, ok := strings.Cut(l, "=")
		if _, err := parseCount(v); !ok || err != nil || !validKind(jobs.Kind(k)) {
			bad("--job-limit %q: want KIND=N with KIND one of %v", l, jobs.Kinds)
		}
	}
	for _, n := range []string{"shutdown-grace", "ready-timeout", "poll", "settle"} {
		if c.Duration(n) < 0 {
			bad("--%s must not be negative", n)
		}
	}

	tw := tabwriter.NewWriter(c.App.Writer, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tFROM")
	show := func(name, val string) {
		from := source[name]
		if from == "" {
			from = "default"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, val, from)
	}
	show("config", file)
	show("data", cfg.DataDir)
	var redacted []string
	for _, u := range cfg.Stores {
		redacted = append(redacted, location.Redact(u))
	}
	show("store", strings.Join(redacted, " "))
	for _, f := range append(globalFlags(), serveFlags()...) {
		n := f.Names()[0]
		switch n {
		case "config", "data", "store":
			continue
		}
		show(n, flagValue(c, f))
	}
	for _, v := range []string{location.EnvAccessKey, location.EnvSecretKey, location.EnvSessionToken} {
		if os.Getenv(v) != "" {
			fmt.Fprintf(tw, "%s\t(set, redacted)\tenv\n", v)
		}
	}
	tw.Flush()
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(c.App.ErrWriter, "magazin: config:", p)
		}
		return fmt.Errorf("%w: %w: %d problems in the configuration", errFailed, errReported, len(problems))
	}
	fmt.Fprintln(c.App.Writer, "configuration ok")
	return nil
}

// flagValue returns the value of flag f as c sees it (c.String and its
// kin look through the lineage, so global flags are found too).
func flagValue(c *cli.Context, f cli.Flag) string {
	n := f.Names()[0]
	switch f.(type) {
	case *altsrc.DurationFlag, *cli.DurationFlag:
		return c.Duration(n).String()
	case *altsrc.BoolFlag, *cli.BoolFlag:
		return fmt.Sprint(c.Bool(n))
	case *altsrc.IntFlag, *cli.IntFlag:
		return fmt.Sprint(c.Int(n))
	case *altsrc.Float64Flag, *cli.Float64Flag:
		return fmt.Sprint(c.Float64(n))
	case *altsrc.StringSliceFlag, *cli.StringSliceFlag:
		return strings.Join(c.StringSlice(n), " ")
	}
	return c.String(n)
}

// reload applies what is safe to change while the daemon runs, from the
// configuration file (settings given as flags or in the environment stay
// as they are): the log level, the scheduled audits (every, rate,
// repair; the audits stop and resume where the journal says), the hot
// folders' poll interval and settle time, and the list of agency inboxes
// (read again from the catalog).
func reload(c *cli.Context, d *daemon, w *hotfolder.Watcher, audits *auditSettings, stopAudit *func(), ctx context.Context) error {
	log := d.e.cfg.Logger
	log.Info("reloading (SIGHUP)")
	fileVals := map[string]any{}
	if file := c.String("config"); file != "" {
		m, unknown, err := readConfigFile(file)
		if err != nil {
			return fmt.Errorf("--config %s: %w", file, err)
		}
		if len(unknown) > 0 {
			return fmt.Errorf("--config %s: unknown keys %v", file, unknown)
		}
		fileVals = m
	}
	str := func(name, def string) string {
		if v, ok := fileVals[name]; ok {
			return fmt.Sprint(v)
		}
		return def
	}
	// Parse what can fail before anything changes.
	poll, settle := w.Timing()
	for _, f := range []struct {
		name, def string
		dst       *time.Duration
	}{{"poll", "2s", &poll}, {"settle", "5s", &settle}} {
		if fixedByArgs[f.name] {
			continue
		}
		dur, err := time.ParseDuration(str(f.name, f.def))
		if err != nil || dur <= 0 {
			return fmt.Errorf("%s: want a duration above 0, e.g. %s", f.name, f.def)
		}
		*f.dst = dur
	}
	if !flagFromArgsOrEnv(c, "log-level") {
		var lvl slog.Level
		if err := lvl.UnmarshalText([]byte(str("log-level", "warn"))); err != nil {
			return fmt.Errorf("log-level: %w", err)
		}
		if lvl != logLevel.Level() {
			logLevel.Set(lvl)
			log.Warn("log level changed", "level", lvl)
		}
	}
	next := *audits
	if !fixedByArgs["audit-every"] {
		dur, err := time.ParseDuration(str("audit-every", "168h"))
		if err != nil {
			return fmt.Errorf("audit-every: %w", err)
		}
		next.Every = dur
	}
	if !fixedByArgs["audit-rate"] {
		r, err := parseBytes(str("audit-rate", "50MB"))
		if err != nil {
			return fmt.Errorf("audit-rate: %w", err)
		}
		next.Rate = r
	}
	if !fixedByArgs["audit-repair"] {
		next.Repair = str("audit-repair", "true") == "true"
	}
	if next != *audits {
		(*stopAudit)()
		stop, err := startAudits(ctx, d, next)
		if err != nil {
			stop, _ = startAudits(ctx, d, *audits)
			*stopAudit = stop
			return err
		}
		*audits, *stopAudit = next, stop
		d.setAudit(d.auditOptions(next))
		log.Info("audit schedule changed", "every", next.Every, "rate", next.Rate, "repair", next.Repair)
	}
	if i, s := w.Timing(); i != poll || s != settle {
		w.SetTiming(poll, settle)
		log.Info("hot folder timing changed", "poll", poll, "settle", settle)
	}
	inboxes, err := agencyInboxes(ctx, d.e)
	if err != nil {
		return err
	}
	w.SetInboxes(inboxes)
	log.Info("reloaded", "inboxes", len(inboxes))
	return nil
}
