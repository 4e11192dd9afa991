package collectortest

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
	"github.com/sivchari/kumo"

	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
)

// DefaultAccount is the account id kumo reports for every caller.
const DefaultAccount = "123456789012"

// Endpoint is where test clients send their calls: a base URL, the stub
// Transport in front of it and a Recorder of every operation sent.
type Endpoint struct {
	// URL is the base URL, for BaseEndpoint.
	URL string
	// Transport answers stubbed operations and forwards the rest to URL.
	Transport *Transport
	// Recorder sees every operation every client of Config sends.
	Recorder *Recorder
}

func newEndpoint(url string) Endpoint {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 256
	return Endpoint{URL: url, Transport: NewTransport(stripAccountHostPrefix{base}), Recorder: &Recorder{}}
}

// Emulator is a kumo AWS emulator on loopback, in this process or in a child
// process (StartEmulatorProcess). kumo keeps its state in package variables:
// every in-process emulator shares one state.
type Emulator struct {
	Endpoint

	stop func()
}

// NewEmulator starts kumo for the test and stops it at cleanup.
func NewEmulator(t testing.TB) *Emulator {
	t.Helper()
	e := StartEmulator()
	t.Cleanup(e.Close)
	return e
}

// StartEmulator starts kumo; the caller must Close it. The demo uses this.
func StartEmulator() *Emulator {
	srv := kumo.NewServer()
	return &Emulator{Endpoint: newEndpoint(srv.URL), stop: srv.Close}
}

// Close stops the emulator.
func (e *Emulator) Close() {
	if e.stop != nil {
		e.stop()
	}
}

// Config returns an SDK configuration that sends every client's calls to the
// emulator through the Transport, with test credentials, region us-east-1,
// the Recorder installed and quick retries (so fault tests stay fast while
// still exercising the SDK's retry path).
func (e *Endpoint) Config() aws.Config {
	return e.ConfigWithKey("test")
}

// ConfigWithKey is Config with a given access key id, which the Organization
// router uses to tell accounts apart.
func (e *Endpoint) ConfigWithKey(accessKey string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "test", ""),
		BaseEndpoint: aws.String(e.URL),
		HTTPClient:   &http.Client{Transport: e.Transport},
		Retryer:      QuickRetryer,
		APIOptions:   []func(*middleware.Stack) error{collaws.RecordActions(e.Recorder.Add)},
	}
}

// QuickRetryer is the SDK's standard retryer with short backoff: throttling
// is retried the same way as in production, only faster.
func QuickRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 5
		o.MaxBackoff = 20 * time.Millisecond
		o.RateLimiter = noRateLimit{}
	})
}

type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

// Recorder collects the IAM actions of the operations sent.
type Recorder struct {
	mu      sync.Mutex
	actions map[string]int
}

// Add records one call of action.
func (r *Recorder) Add(action string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.actions == nil {
		r.actions = map[string]int{}
	}
	r.actions[action]++
}

// Actions returns the distinct actions recorded, sorted.
func (r *Recorder) Actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.actions))
	for a := range r.actions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Calls returns how many calls were recorded in all.
func (r *Recorder) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.actions {
		n += c
	}
	return n
}

// Reset forgets everything recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions = nil
}
