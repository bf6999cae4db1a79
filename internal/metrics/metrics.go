// Package metrics exposes the service's Prometheus metrics from its own registry (never
// the library's global one, so tests and several instances do not collide): requests by
// route template, method and status, latency, requests in flight, the draining state,
// database pool statistics, and build information.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors and their registry.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
	// series holds each seriesKey's counter and histogram (seriesOf): a map that every
	// request reads and only a new route, method or status writes.
	series sync.Map
}

// seriesKey names the series a request is recorded in.
type seriesKey struct {
	route, method string
	status        int
}

// series are a request's counter and histogram.
type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// Build describes the binary for blog_build_info.
type Build struct {
	Version, Commit string
}

// New registers the collectors. draining reports whether the server is stopping; db is the
// pool whose statistics are exported.
func New(build Build, draining func() bool, db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blog_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "blog_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blog_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	m.registry.MustRegister(
		m.requests, m.latency, m.inflight,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "blog_draining",
			Help: "1 while the server drains before stopping or handing over, else 0.",
		}, func() float64 {
			if draining() {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "blog_build_info",
			Help:        "Always 1; the labels say which build is running.",
			ConstLabels: prometheus.Labels{"version": build.Version, "commit": build.Commit, "goversion": runtime.Version()},
		}, func() float64 { return 1 }),
		collectors.NewDBStatsCollector(db, "blog"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Middleware records every request. Requests that match no route are counted under the
// route "unmatched", so scanners cannot create a series per path.
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		m.inflight.Inc()
		defer m.inflight.Dec()
		ctx := c.Request.Context() // the request's own: handlers replace c.Request's (Timeout)
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s := m.seriesOf(seriesKey{route, MethodLabel(c.Request.Method), Status(ctx, c.Writer.Status())})
		s.requests.Inc()
		s.latency.Observe(time.Since(start).Seconds())
	}
}

// seriesOf returns k's series, looked up in the vectors the first time only: the vectors'
// lookup hashes the labels and takes the vector's lock on every call.
func (m *Metrics) seriesOf(k seriesKey) series {
	if s, ok := m.series.Load(k); ok {
		return s.(series)
	}
	s := series{
		requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
		latency:  m.latency.WithLabelValues(k.route, k.method),
	}
	m.series.Store(k, s)
	return s
}

// StatusClientClosed is the status a request is counted and logged with when its client
// left before the answer (nginx's 499, "client closed request"): the handler's 503, written
// to nobody, would count a client hanging up as the server failing.
const StatusClientClosed = 499

// Status is the status to count and log for a request with context ctx (the request's own,
// as net/http made it) whose handler wrote written: StatusClientClosed if its client left
// first. net/http cancels the context without a cause of its own then; a drain cut at its
// deadline gives one, and that request was the server's failure, its 503 counted as such.
func Status(ctx context.Context, written int) int {
	if ctx.Err() != nil && context.Cause(ctx) == context.Canceled {
		return StatusClientClosed
	}
	return written
}

// MethodLabel returns m if it is a standard HTTP method, else "other". A method is any
// token the client sends (net/http accepts 10 KB of junk as one), so a raw method as a
// label or a log field would let each request add a series or a line of its choosing.
func MethodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "other"
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
