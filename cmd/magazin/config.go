package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/location"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "data", Value: "./magazin-data", EnvVars: []string{"MAGAZIN_DATA"},
			Usage: "data directory: catalog, index, staging, quarantine and the default store"}),
		altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "store",
			Usage: "store URL (repeatable; replicas): file:///path or s3://bucket/prefix?endpoint=host:port&tls=true; env MAGAZIN_STORES: URLs separated by spaces"}),
		&cli.StringFlag{Name: "config", EnvVars: []string{"MAGAZIN_CONFIG"}, Usage: "TOML file with settings (data, store, ...)"},
		altsrc.NewIntFlag(&cli.IntFlag{Name: "max-files", EnvVars: []string{"MAGAZIN_MAX_FILES"},
			Usage: "most files and directories one submission may hold (0: default 200000)"}),
		altsrc.NewFloat64Flag(&cli.Float64Flag{Name: "max-ratio", EnvVars: []string{"MAGAZIN_MAX_RATIO"},
			Usage: "highest ZIP expansion ratio accepted (0: default 200)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "law", Value: "saechsarchivg", EnvVars: []string{"MAGAZIN_LAW"},
			Usage: "archive law for closure periods: saechsarchivg or barchg"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "granularity", Value: "day", EnvVars: []string{"MAGAZIN_GRANULARITY"},
			Usage: "closure periods end exactly (day) or on 1 January of the following year (year)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "xdomea-schemas", EnvVars: []string{"MAGAZIN_XDOMEA_SCHEMAS"},
			Usage: "directory of the KoSIT xdomea schemas (<dir>/<version>/...); without it only structural checks"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "policy", EnvVars: []string{"MAGAZIN_POLICY"},
			Usage: "format policy file (JSON, see docs/format-policy.md); default: the built-in table"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "clamd", EnvVars: []string{"MAGAZIN_CLAMD"},
			Usage: "clamd socket for virus scanning: unix:/run/clamav/clamd.ctl or tcp:host:3310"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "scan", Value: "required", EnvVars: []string{"MAGAZIN_SCAN"},
			Usage: "with --clamd: required (a failed scan rejects) or optional (a failed scan warns)"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "log-level", Value: "warn", EnvVars: []string{"MAGAZIN_LOG_LEVEL"}, Usage: "debug, info, warn or error"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "log-format", Value: "auto", EnvVars: []string{"MAGAZIN_LOG_FORMAT"}, Usage: "auto (text on a terminal, JSON otherwise), text or json"}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "store-wait", Value: retry.DefaultMaxWait, EnvVars: []string{"MAGAZIN_STORE_WAIT"},
			Usage: "how long to wait for a store that is down (unreachable, overloaded, disk full) before giving up; 0: until interrupted; negative: not at all (docs/stores.md)"}),
	}
}

// loadConfigFile fills flags not given on the command line or in the
// environment from the TOML file named by --config.
func loadConfigFile(flags []cli.Flag) cli.BeforeFunc {
	return func(c *cli.Context) error {
		if c.String("config") == "" || c.Args().First() == "config" {
			return nil // `magazin config check` reads the file itself
		}
		if err := altsrc.InitInputSourceWithContext(flags, altsrc.NewTomlSourceFromFlagFunc("config"))(c); err != nil {
			return fmt.Errorf("%w: --config: %v", errUsage, err)
		}
		return nil
	}
}

// loadServeConfig is loadConfigFile for the flags of `magazin serve`; it
// first notes which of them the command line or the environment set, so
// that a reload (SIGHUP) leaves those alone.
func loadServeConfig(flags []cli.Flag) cli.BeforeFunc {
	return func(c *cli.Context) error {
		fixedByArgs = map[string]bool{}
		for _, n := range c.FlagNames() {
			fixedByArgs[n] = c.IsSet(n)
		}
		for _, n := range []string{"log-level", "log-format"} {
			fixedByArgs[n] = flagFromArgsOrEnv(c, n)
		}
		return loadConfigFile(flags)(c)
	}
}

// fixedByArgs records the flags of `magazin serve` given on the command
// line or in the environment (they win over the file at a reload too).
var fixedByArgs map[string]bool

// flagFromArgsOrEnv reports whether a global flag was given on the
// command line or in the environment rather than by the file.
func flagFromArgsOrEnv(c *cli.Context, name string) bool {
	for _, a := range os.Args[1:] {
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") || a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
			return true
		}
	}
	for _, f := range globalFlags() {
		if f.Names()[0] != name {
			continue
		}
		if ev, ok := f.(interface{ GetEnvVars() []string }); ok {
			for _, v := range ev.GetEnvVars() {
				if _, set := os.LookupEnv(v); set {
					return true
				}
			}
		}
	}
	return false
}

// logLevel is the level of every logger; a reload changes it.
var logLevel = new(slog.LevelVar)

// storeObserver, when set (by `magazin serve`), is told of every store
// failure that package retry sees, for the metrics.
var storeObserver func(retry.Event)

// newLogger returns the logger for format: text on a terminal, JSON
// otherwise (auto), or as asked.
func newLogger(w *os.File, format string) (*slog.Logger, error) {
	fi, err := w.Stat()
	return newLoggerTo(w, err == nil && fi.Mode()&os.ModeCharDevice != 0, logLevel, format)
}

// newLoggerTo is newLogger for any writer; terminal tells whether it is
// one.
func newLoggerTo(w io.Writer, terminal bool, level slog.Leveler, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "auto", "":
		if terminal {
			return slog.New(slog.NewTextHandler(w, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("want auto, text or json, not %q", format)
}

// Config is what the flags say, resolved.
type Config struct {
	DataDir string
	Stores  []string
	// Clamd is the clamd address (unix:/path or tcp:host:port); Scan is
	// "required" or "optional".
	Clamd, Scan string
	// PolicyFile is a JSON format policy replacing the default table.
	PolicyFile string
	// XdomeaSchemas is the KoSIT xdomea schema directory.
	XdomeaSchemas string
	// Law and Granularity configure the closure engine.
	Law, Granularity string
	// MaxFiles and MaxRatio override the unpack limits when > 0.
	MaxFiles int
	MaxRatio float64
	// StoreWait is how long operations wait for a store that is down
	// (retry.Options.MaxWait).
	StoreWait time.Duration
	Logger    *slog.Logger
}

func configFrom(c *cli.Context) (Config, error) {
	if h := hostOf(c.Context); h != nil {
		return h.config(c) // a verb run by the daemon: the daemon's settings
	}
	data, err := filepath.Abs(c.String("data"))
	if err != nil {
		return Config{}, fmt.Errorf("%w: --data: %v", errUsage, err)
	}
	cfg := Config{DataDir: data, Stores: c.StringSlice("store"), MaxFiles: c.Int("max-files"), MaxRatio: c.Float64("max-ratio"),
		Law: c.String("law"), Granularity: c.String("granularity"), XdomeaSchemas: c.String("xdomea-schemas"), PolicyFile: c.String("policy"),
		Clamd: c.String("clamd"), Scan: c.String("scan"), StoreWait: c.Duration("store-wait")}
	if len(cfg.Stores) == 0 {
		cfg.Stores = strings.Fields(os.Getenv("MAGAZIN_STORES"))
	}
	if len(cfg.Stores) == 0 {
		cfg.Stores = []string{"file://" + filepath.Join(data, "store")}
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return Config{}, fmt.Errorf("%w: --log-level: %v", errUsage, err)
	}
	logLevel.Set(lvl)
	if cfg.Logger, err = newLogger(os.Stderr, c.String("log-format")); err != nil {
		return Config{}, fmt.Errorf("%w: --log-format: %v", errUsage, err)
	}
	return cfg, nil
}

// env holds the opened parts of the archive.
type env struct {
	cfg Config
	// stores wait for a store that is down (package retry); direct are
	// the same stores without waiting, for the reading room, which fails
	// over to the next replica instead.
	stores, direct []store.Store
	cat            *catalog.Catalog
	idx            *search.Index
	room           *access.Service
	// borrowed: the daemon's archive, lent to a verb it runs (hosted.go);
	// Close leaves it open.
	borrowed bool
}

// open opens the stores and the catalog.
func open(ctx context.Context, c *cli.Context) (*env, error) {
	if h := hostOf(ctx); h != nil {
		return h.env(c)
	}
	cfg, err := configFrom(c)
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg}
	for _, u := range cfg.Stores {
		openFn := location.Open
		if !strings.HasPrefix(u, "s3://") {
			// A local directory store is made on first use; buckets are
			// created only by an explicit `magazin store init`.
			openFn = location.Init
		}
		st, err := openFn(ctx, u, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("%w: store %s: %v (for S3: run `magazin store init` first)", errUsage, location.Redact(u), err)
		}
		e.direct = append(e.direct, st)
		notify := storeNotices(os.Stderr, cfg.StoreWait)
		if obs := storeObserver; obs != nil {
			tell := notify
			notify = func(ev retry.Event) { obs(ev); tell(ev) }
		}
		e.stores = append(e.stores, retry.New(st, retry.Options{MaxWait: cfg.StoreWait, Logger: cfg.Logger, Notify: notify}))
	}
	e.cat, err = catalog.Open(catalog.DefaultDir(cfg.DataDir), cfg.Logger)
	if err != nil {
		return nil, heldByDaemon(c, cfg.DataDir, fmt.Errorf("%w: %v", errUsage, err))
	}
	e.idx, err = search.Open(filepath.Join(cfg.DataDir, "index"))
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	e.room, err = access.New(access.Config{Law: cfg.Law, Granularity: cfg.Granularity}, e.cat, e.idx, cfg.Logger)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return e, nil
}

func (e *env) Close() error {
	if e.borrowed {
		return nil
	}
	var errs []error
	if e.idx != nil {
		errs = append(errs, e.idx.Close())
	}
	if e.cat != nil {
		errs = append(errs, e.cat.Close())
	}
	return errors.Join(errs...)
}

// storeNotices tells the operator on w about a store that is down: when the
// waiting begins, once a minute while it lasts, and when the store is back.
func storeNotices(w io.Writer, maxWait time.Duration) func(retry.Event) {
	var mu sync.Mutex
	told := map[string]time.Time{} // store -> last notice in its outage
	return func(e retry.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Back {
			if _, ok := told[e.Store]; ok {
				delete(told, e.Store)
				fmt.Fprintf(w, "magazin: store %s is back after %s; going on\n", e.Store, time.Since(e.Since).Round(time.Second))
			}
			return
		}
		if t, ok := told[e.Store]; ok && time.Since(t) < time.Minute {
			return
		}
		told[e.Store] = time.Now()
		limit := "until it returns or magazin is interrupted (Ctrl-C)"
		if maxWait > 0 {
			limit = fmt.Sprintf("until %s at the latest (--store-wait %s)", e.Since.Add(maxWait).Format(time.TimeOnly), maxWait)
		}
		fmt.Fprintf(w, "magazin: waiting for store %s, unavailable since %s (%v); waiting %s\n",
			e.Store, e.Since.Format(time.TimeOnly), e.Err, limit)
	}
}
