// Command bench is `make bench`: it generates its data from a fixed seed,
// measures a baseline and magazin in the same run, interleaved, and writes
// docs/benchmarks.md with the machine, the data, the baseline, the result,
// their ratio and the goals of issue 11, each marked met or missed.
//
//	go run ./internal/tools/bench [-out docs/benchmarks.md] [-full] [-runs 2] [-work DIR]
//
// What it measures (see docs/benchmarks.md for the figures):
//
//   - ingest with the folder profile into the embedded fs store of 2,000
//     and 10,000 small files (1–64 KiB: PDF, PNG, JPEG, text, XML, DOCX)
//     and of 1 GiB in 16 files (PDF, ZIP), by running the magazin binary;
//     the baseline is `sha512sum` of the same files, `cp -r` of them to the
//     same disk and identification of every file with siegfried's embedded
//     signatures in 2 goroutines (internal/tools/sfbaseline);
//   - ingest of a generated xdomea 0503 with 2,000 documents;
//   - `magazin audit` of the stored result against `sha512sum` of the
//     stored files;
//   - the finding-aid index (access/search) at 100,000 units and, with
//     -full (BENCH_FULL=1), 2,500,000: build docs/s, index size, query
//     latency p50/p95/p99, peak RSS of building and of serving;
//   - a CPU profile of an in-process ingest of 2,000 small files
//     (BenchmarkIngest in package ingest), whose top is printed.
//
// Each timed step runs in its own process; its peak RSS is the child's
// maximum resident set size. Timings are the best of -runs runs.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/magazin-archiv/magazin/internal/benchdata"
	"github.com/magazin-archiv/magazin/internal/searchbench"
)

const seed = 20261126

func main() {
	child := flag.String("child", "", "run one step in this process: build|query (a search index of -n units in -dir), small (write -n small files into -dir, for profiling)")
	dir := flag.String("dir", "", "internal: index directory of -child")
	n := flag.Int("n", 0, "internal: units of -child")
	out := flag.String("out", "docs/benchmarks.md", "write the report here")
	full := flag.Bool("full", os.Getenv("BENCH_FULL") == "1", "also index 2,500,000 units (about an hour)")
	runs := flag.Int("runs", 2, "runs of each timed ingest step (best counts)")
	work := flag.String("work", "", "work directory (default: a new temporary one, removed afterwards)")
	src := flag.String("src", ".", "build the magazin binary from this source tree (e.g. a worktree of another commit, to compare)")
	flag.Parse()
	ctx := context.Background()
	var err error
	switch *child {
	case "build":
		err = buildIndex(ctx, *dir, *n)
	case "query":
		err = queryIndex(ctx, *dir, *n)
	case "small":
		_, err = benchdata.Small(*dir, *n, seed)
	case "":
		err = run(ctx, *out, *work, *src, *full, max(1, *runs))
	default:
		err = fmt.Errorf("unknown -child %q", *child)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// logf reports progress on stderr (this is a command, not a library).
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %s: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// timed is one measured process.
type timed struct {
	sec    float64 // wall time
	cpu    float64 // user + system time of the process and its children
	rssKiB int64
	stdout string
}

// runTimed runs a command and measures its wall time and peak RSS.
func runTimed(ctx context.Context, name string, args ...string) (timed, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t := timed{sec: time.Since(start).Seconds(), stdout: stdout.String()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			t.rssKiB = ru.Maxrss
		}
		t.cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	if err != nil {
		return t, fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return t, nil
}

func sh(ctx context.Context, script string) (timed, error) { return runTimed(ctx, "sh", "-c", script) }

type dataset struct {
	name  string
	dir   string
	files int
	bytes int64
	small bool
}

// ingestFigures are the best-of-runs figures of one data set.
type ingestFigures struct {
	ds                       dataset
	sha, cp, sf, base        float64
	baseCPU, magazinCPU      float64 // CPU seconds of the best runs
	auditCPU, auditSHACPU    float64
	magazin                  float64
	rssKiB                   int64
	dataDir                  string // the store of the last magazin run (kept for the audit)
	auditSec, auditSHASec    float64
	auditRSSKiB, storedBytes int64
}

func (f ingestFigures) ratio() float64       { return f.magazin / f.base }
func (f ingestFigures) filesPerSec() float64 { return float64(f.ds.files) / f.magazin }

type report struct {
	started             time.Time
	machine             []string
	ingest              []ingestFigures
	xdomeaSec           float64
	xdomeaDocs          int
	xdomeaRSS           int64
	xdomeaFiles         int
	search              []searchFigures
	profile             string
	profileCmd          string
	runs                int
	full                bool
	loadStart, loadStop string
}

type searchFigures struct {
	build, query searchResult
	buildRSS     int64
	queryRSS     int64
}

func run(ctx context.Context, out, work, src string, full bool, runs int) error {
	rep := &report{started: time.Now().UTC(), runs: runs, full: full, loadStart: loadavg()}
	if work == "" {
		d, err := os.MkdirTemp("", "magazin-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	work, _ = filepath.Abs(work)
	bin := filepath.Join(work, "bin")
	logf("building magazin, sfbaseline and bench into %s", bin)
	for _, b := range []struct{ out, dir, pkg string }{{"magazin", src, "./cmd/magazin"}, {"sfbaseline", ".", "./internal/tools/sfbaseline"}, {"bench", ".", "./internal/tools/bench"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(bin, b.out), b.pkg)
		cmd.Dir = b.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s in %s: %w\n%s", b.pkg, b.dir, err, out)
		}
	}
	mag, sfb, self := filepath.Join(bin, "magazin"), filepath.Join(bin, "sfbaseline"), filepath.Join(bin, "bench")
	rep.machine = machine()

	logf("generating data (seed %d)", seed)
	data := filepath.Join(work, "data")
	small10k := filepath.Join(data, "small-10000")
	b10k, err := benchdata.Small(small10k, 10_000, seed)
	if err != nil {
		return err
	}
	small2k := filepath.Join(data, "small-2000")
	b2k, err := benchdata.Small(small2k, 2_000, seed+1)
	if err != nil {
		return err
	}
	large := filepath.Join(data, "large-16")
	bl, err := benchdata.Large(large, 16, 64<<20, seed)
	if err != nil {
		return err
	}
	sets := []dataset{
		{"2,000 small files", small2k, 2_000, b2k, true},
		{"10,000 small files", small10k, 10_000, b10k, true},
		{"1 GiB in 16 files", large, 16, bl, false},
	}
	for _, ds := range sets {
		f, err := benchIngest(ctx, work, mag, sfb, ds, runs)
		if err != nil {
			return err
		}
		rep.ingest = append(rep.ingest, f)
	}
	for i := range rep.ingest {
		if err := benchAudit(ctx, mag, &rep.ingest[i], runs); err != nil {
			return err
		}
	}
	logf("CPU profile of an in-process ingest of the 2,000 small files")
	rep.profileCmd, rep.profile, err = ingestProfile(ctx, work, small2k)
	if err != nil {
		return err
	}
	for _, f := range rep.ingest {
		os.RemoveAll(f.dataDir)
	}

	logf("xdomea 0503 with 2,000 documents")
	xd := filepath.Join(data, "xdomea")
	xdir, docs, err := writeXdomea(xd, 2_000, seed)
	if err != nil {
		return err
	}
	rep.xdomeaDocs, rep.xdomeaFiles = docs, docs+1
	for r := range runs {
		dd := filepath.Join(work, fmt.Sprintf("xdomea-data-%d", r))
		t, err := runTimed(ctx, mag, "--data", dd, "ingest", "--profile", "xdomea", xdir)
		os.RemoveAll(dd)
		if err != nil {
			return err
		}
		if r == 0 || t.sec < rep.xdomeaSec {
			rep.xdomeaSec, rep.xdomeaRSS = t.sec, t.rssKiB
		}
	}
	os.RemoveAll(data)

	sizes := []int{100_000}
	if full {
		sizes = append(sizes, 2_500_000)
	}
	for _, n := range sizes {
		logf("finding-aid index of %d units", n)
		idx := filepath.Join(work, fmt.Sprintf("index-%d", n))
		var sf searchFigures
		t, err := runTimed(ctx, self, "-child", "build", "-dir", idx, "-n", strconv.Itoa(n))
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(t.stdout), &sf.build); err != nil {
			return fmt.Errorf("build child: %w", err)
		}
		sf.buildRSS = t.rssKiB
		t, err = runTimed(ctx, self, "-child", "query", "-dir", idx, "-n", strconv.Itoa(n))
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(t.stdout), &sf.query); err != nil {
			return fmt.Errorf("query child: %w", err)
		}
		sf.queryRSS = t.rssKiB
		os.RemoveAll(idx)
		rep.search = append(rep.search, sf)
	}

	rep.loadStop = loadavg()
	if err := os.WriteFile(out, []byte(rep.markdown()), 0o644); err != nil {
		return err
	}
	logf("wrote %s", out)
	return nil
}

// benchIngest runs baseline and magazin on ds, interleaved, runs times.
func benchIngest(ctx context.Context, work, mag, sfb string, ds dataset, runs int) (ingestFigures, error) {
	f := ingestFigures{ds: ds}
	for r := range runs {
		logf("%s: run %d of %d: baseline", ds.name, r+1, runs)
		sha, err := sh(ctx, "find '"+ds.dir+"' -type f -print0 | xargs -0 sha512sum > /dev/null")
		if err != nil {
			return f, err
		}
		dst := filepath.Join(work, "cp-copy")
		cp, err := runTimed(ctx, "cp", "-r", ds.dir, dst)
		if err != nil {
			return f, err
		}
		os.RemoveAll(dst)
		sf, err := runTimed(ctx, sfb, "-parallel", "2", ds.dir)
		if err != nil {
			return f, err
		}
		if !strings.HasPrefix(sf.stdout, fmt.Sprintf("%d files\n", ds.files)) {
			return f, fmt.Errorf("sfbaseline on %s: %q", ds.dir, sf.stdout)
		}
		base := sha.sec + cp.sec + sf.sec
		if r == 0 || base < f.base {
			f.sha, f.cp, f.sf, f.base = sha.sec, cp.sec, sf.sec, base
			f.baseCPU = sha.cpu + cp.cpu + sf.cpu
		}
		logf("%s: run %d of %d: magazin", ds.name, r+1, runs)
		dd := filepath.Join(work, fmt.Sprintf("data-%s-%d", strings.Fields(ds.name)[0], r))
		m, err := runTimed(ctx, mag, "--data", dd, "ingest", "--profile", "folder", ds.dir)
		if err != nil {
			return f, err
		}
		if r == 0 || m.sec < f.magazin {
			f.magazin, f.rssKiB, f.magazinCPU = m.sec, m.rssKiB, m.cpu
		}
		if f.dataDir != "" {
			os.RemoveAll(f.dataDir)
		}
		f.dataDir = dd
	}
	return f, nil
}

// benchAudit audits the store of f's last ingest, interleaved with
// sha512sum of the stored files.
func benchAudit(ctx context.Context, mag string, f *ingestFigures, runs int) error {
	st := filepath.Join(f.dataDir, "store")
	f.storedBytes = searchbench.DirSize(st)
	for r := range runs {
		logf("%s: audit run %d of %d", f.ds.name, r+1, runs)
		sha, err := sh(ctx, "find '"+st+"' -type f -not -path '*/.tmp/*' -print0 | xargs -0 sha512sum > /dev/null")
		if err != nil {
			return err
		}
		a, err := runTimed(ctx, mag, "--data", f.dataDir, "audit")
		if err != nil {
			return err
		}
		if r == 0 || sha.sec < f.auditSHASec {
			f.auditSHASec, f.auditSHACPU = sha.sec, sha.cpu
		}
		if r == 0 || a.sec < f.auditSec {
			f.auditSec, f.auditRSSKiB, f.auditCPU = a.sec, a.rssKiB, a.cpu
		}
	}
	return nil
}

// ingestProfile profiles BenchmarkIngest/given, an in-process ingest of
// dir (on-disk catalog, format checks on), and returns the command and the
// top of pprof's output.
func ingestProfile(ctx context.Context, work, dir string) (string, string, error) {
	prof := filepath.Join(work, "cpu.out")
	test := filepath.Join(work, "ingest.test")
	args := []string{"test", "-run", "^$", "-bench", "BenchmarkIngest", "-benchtime", "1x", "-cpuprofile", prof, "-o", test, "./ingest"}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "MAGAZIN_BENCH_TRANSFER="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	t, err := runTimed(ctx, "go", "tool", "pprof", "-top", "-nodecount=30", test, prof)
	if err != nil {
		return "", "", err
	}
	return "MAGAZIN_BENCH_TRANSFER=DIR go test -run '^$' -bench BenchmarkIngest -benchtime 1x -cpuprofile cpu.out ./ingest && go tool pprof -top", t.stdout, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func machine() []string {
	var m []string
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	m = append(m, fmt.Sprintf("CPU: %s, %d cores (GOMAXPROCS %d)", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0)))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if l, _, ok := strings.Cut(string(b), "\n"); ok {
			m = append(m, "Memory: "+strings.Join(strings.Fields(strings.TrimPrefix(l, "MemTotal:")), " "))
		}
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m = append(m, "Go: "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		m = append(m, "Kernel: "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("sh", "-c", "df -T . | tail -1 | awk '{print $2}'").Output(); err == nil {
		m = append(m, "File system of the work directory: "+strings.TrimSpace(string(out)))
	}
	return m
}
