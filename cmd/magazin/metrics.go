package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/jobs"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
)

// metrics are the daemon's Prometheus metrics (docs/operations.md lists
// them). Every metric is registered in its own registry, so tests and a
// second daemon in one process do not collide.
type metrics struct {
	reg          *prometheus.Registry
	ingests      *prometheus.CounterVec   // outcome: archived, existing, rejected
	ingestBytes  prometheus.Counter       // bytes of submissions handled
	jobDuration  *prometheus.HistogramVec // kind, state
	jobsFinished *prometheus.CounterVec   // kind, state
	uploads      *prometheus.CounterVec   // outcome
	replies      prometheus.Counter
	storeErrors  *prometheus.CounterVec // store, op
	auditObjects prometheus.Counter
	httpLatency  *prometheus.HistogramVec // route, method, code
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry(),
		ingests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "magazin_ingest_aips_total",
			Help: "AIPs from handled submissions, by outcome (archived: new AIP; existing: found by fingerprint; rejected: submission quarantined, counted once)."}, []string{"outcome"}),
		ingestBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "magazin_ingest_bytes_total",
			Help: "Bytes of submissions handled by ingest and xdomea jobs."}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "magazin_job_duration_seconds",
			Help: "Duration of job attempts, by kind and the state they ended in.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 16)}, []string{"kind", "state"}),
		jobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "magazin_jobs_finished_total",
			Help: "Job attempts ended, by kind and state (queued: to be tried again)."}, []string{"kind", "state"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "magazin_uploads_total",
			Help: "Transfer uploads, by outcome (queued, duplicate, digest_mismatch, unauthorized, invalid)."}, []string{"outcome"}),
		replies: prometheus.NewCounter(prometheus.CounterOpts{Name: "magazin_xdomea_replies_total",
			Help: "xdomea replies written to agency outboxes."}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "magazin_store_errors_total",
			Help: "Failed store operations (each retried attempt counts), by store and operation."}, []string{"store", "op"}),
		auditObjects: prometheus.NewCounter(prometheus.CounterOpts{Name: "magazin_audit_objects_total",
			Help: "Objects audited by scheduled and queued audits since the start."}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "magazin_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern, method and status code.", Buckets: prometheus.DefBuckets}, []string{"route", "method", "code"}),
	}
	m.reg.MustRegister(m.ingests, m.ingestBytes, m.jobDuration, m.jobsFinished, m.uploads, m.replies, m.storeErrors, m.auditObjects, m.httpLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observeJob is the queue's Observe hook.
func (m *metrics) observeJob(j jobs.Job, from jobs.State) {
	if from != jobs.Running {
		return
	}
	d := j.Updated.Sub(j.Started).Seconds()
	m.jobDuration.WithLabelValues(string(j.Kind), string(j.State)).Observe(d)
	m.jobsFinished.WithLabelValues(string(j.Kind), string(j.State)).Inc()
}

// storeEvent counts a store failure reported by package retry.
func (m *metrics) storeEvent(e retry.Event) {
	if e.Back {
		return
	}
	m.storeErrors.WithLabelValues(e.Store, e.Op).Inc()
}

// queueCollector reports the queue depth per kind and state, and the
// audit progress recorded in the catalog, at each scrape.
type queueCollector struct {
	q         *jobs.Queue
	cat       *catalog.Catalog
	depth     *prometheus.Desc
	auditLast *prometheus.Desc
	auditObjs *prometheus.Desc
	auditFail *prometheus.Desc
	auditDone *prometheus.Desc
}

func newQueueCollector(q *jobs.Queue, cat *catalog.Catalog) *queueCollector {
	return &queueCollector{q: q, cat: cat,
		depth:     prometheus.NewDesc("magazin_jobs", "Jobs in the queue by kind and state.", []string{"kind", "state"}, nil),
		auditLast: prometheus.NewDesc("magazin_audit_last_run_timestamp_seconds", "When the latest recorded audit run (or slice) finished.", nil, nil),
		auditObjs: prometheus.NewDesc("magazin_audit_last_run_objects", "Objects checked by the latest recorded audit run.", nil, nil),
		auditFail: prometheus.NewDesc("magazin_audit_last_run_failed_objects", "Objects with damage left by the latest recorded audit run.", nil, nil),
		auditDone: prometheus.NewDesc("magazin_audit_pass_complete", "1 when the latest recorded audit run completed a pass over every object.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.auditLast
	ch <- c.auditObjs
	ch <- c.auditFail
	ch <- c.auditDone
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.q.Counts(ctx)
	if err == nil {
		for _, k := range jobs.Kinds {
			for _, s := range jobs.States {
				ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(counts[k][s]), string(k), string(s))
			}
		}
	}
	if sum, err := c.cat.LastAudit(ctx); err == nil && sum != nil {
		ch <- prometheus.MustNewConstMetric(c.auditLast, prometheus.GaugeValue, float64(sum.Finished.Unix()))
		ch <- prometheus.MustNewConstMetric(c.auditObjs, prometheus.GaugeValue, float64(sum.Objects))
		ch <- prometheus.MustNewConstMetric(c.auditFail, prometheus.GaugeValue, float64(sum.Failed))
		done := 0.0
		if sum.Complete {
			done = 1
		}
		ch <- prometheus.MustNewConstMetric(c.auditDone, prometheus.GaugeValue, done)
	}
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument measures every request, labelled with the route pattern the
// muxes matched (r.Pattern, set by http.ServeMux on the request it is
// given), never the raw path.
func (m *metrics) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "other"
		}
		m.httpLatency.WithLabelValues(route, r.Method, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// auditProgress counts audited objects into the metrics.
type auditProgress struct{ m *metrics }

func (p auditProgress) SetTotal(int64) {}
func (p auditProgress) Add(n int64)    { p.m.auditObjects.Add(float64(n)) }

// health answers /healthz (the process is alive) and /readyz (the catalog
// is open and every store answers a Stat within the timeout).
type health struct {
	cat     *catalog.Catalog
	stores  []store.Store // direct: without waiting
	timeout time.Duration
	m       *metrics
	mu      sync.Mutex
	closed  bool
}

func (h *health) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

func (h *health) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	problems := h.check(r.Context())
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, p := range problems {
			fmt.Fprintln(w, p)
		}
		return
	}
	fmt.Fprintln(w, "ready")
}

// setClosing marks the daemon as shutting down: /readyz answers 503.
func (h *health) setClosing() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
}

func (h *health) check(ctx context.Context) []string {
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return []string{"shutting down"}
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	var problems []string
	if _, err := h.cat.JournalHead(ctx); err != nil {
		problems = append(problems, "catalog: "+err.Error())
	}
	var wg sync.WaitGroup
	errs := make([]error, len(h.stores))
	for i, st := range h.stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The OCFL storage root's declaration exists in every
			// initialised store; a missing one is still an answer.
			_, err := st.Stat(ctx, aip.RootPrefix+"/0=ocfl_1.1")
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			problems = append(problems, fmt.Sprintf("store %s: %v", h.stores[i], err))
			if h.m != nil {
				h.m.storeErrors.WithLabelValues(h.stores[i].String(), "stat").Inc()
			}
		}
	}
	return problems
}
