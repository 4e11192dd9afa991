package proto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// go-plugin's in-process test helper logs at debug level to hclog's default
// output; keep the test output readable.
func init() { hclog.DefaultOutput = io.Discard }

// fakePlugin serves a fixed description and n snapshots per Collect.
type fakePlugin struct {
	desc    *Description
	n       int
	err     error
	gotReq  *collectors.Request
	gotName string
}

func (f *fakePlugin) Describe(context.Context) (*Description, error) { return f.desc, f.err }

func (f *fakePlugin) Collect(ctx context.Context, name string, req *collectors.Request, send func(*evidence.Snapshot) error) error {
	f.gotName, f.gotReq = name, req
	if name != "c" {
		return fmt.Errorf("collector %q: %w", name, ErrUnknownCollector)
	}
	if f.err != nil {
		return f.err
	}
	for i := 0; i < f.n; i++ {
		payload := fmt.Sprintf(`{"i":%d}`, i)
		if i%100 == 99 {
			// Larger than a batch: it must travel alone, in order.
			payload = fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("x", batchBytes))
		}
		s := &evidence.Snapshot{Kind: "a.b", Status: evidence.StatusOK, Payload: json.RawMessage(payload)}
		if err := send(s); err != nil {
			return err
		}
	}
	return nil
}

// dispense connects a gRPC client to impl in process with go-plugin's test helper.
func dispense(t *testing.T, impl Plugin) Plugin {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{PluginKey: &GRPCPlugin{Impl: impl}})
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(PluginKey)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := raw.(Plugin)
	if !ok {
		t.Fatalf("dispensed %T, not a Plugin", raw)
	}
	return p
}

func TestGRPCDescribe(t *testing.T) {
	desc := &Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{
		{Name: "c", Version: "1", Scope: collectors.Once, EvidenceKinds: []string{"a.b"}},
	}, Citations: []string{"164.312(d)"}}
	p := dispense(t, &fakePlugin{desc: desc})
	got, err := p.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, desc) {
		t.Errorf("Describe = %+v, want %+v", got, desc)
	}
	if _, ok := got.Collector("c"); !ok {
		t.Error("Collector(c) not found")
	}
	if _, ok := got.Collector("x"); ok {
		t.Error("Collector(x) found")
	}
}

func TestGRPCDescribeError(t *testing.T) {
	p := dispense(t, &fakePlugin{err: errors.New("checks do not parse")})
	_, err := p.Describe(context.Background())
	if status.Code(errors.Unwrap(err)) != codes.Internal {
		t.Errorf("err = %v, want an Internal status", err)
	}
}

func TestGRPCCollectStreams(t *testing.T) {
	const n = 1000 // several batches, by count and by size
	impl := &fakePlugin{n: n}
	p := dispense(t, impl)
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	var got []*evidence.Snapshot
	err := p.Collect(context.Background(), "c", &collectors.Request{Period: "2026-Q4", Now: func() time.Time { return now }},
		func(s *evidence.Snapshot) error { got = append(got, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("got %d snapshots, want %d", len(got), n)
	}
	for i, s := range got {
		if want := fmt.Sprintf(`{"i":%d`, i); !strings.HasPrefix(string(s.Payload), want) {
			t.Fatalf("snapshot %d payload starts %.20s, want %s (order lost?)", i, s.Payload, want)
		}
	}
	if impl.gotName != "c" || impl.gotReq.Period != "2026-Q4" || !impl.gotReq.Now().Equal(now) {
		t.Errorf("plugin saw %q %+v", impl.gotName, impl.gotReq)
	}
}

func TestGRPCCollectErrors(t *testing.T) {
	stop := errors.New("enough")
	tests := []struct {
		name      string
		impl      *fakePlugin
		collector string
		send      func(*evidence.Snapshot) error
		check     func(error) bool
	}{
		{"unknown collector", &fakePlugin{}, "zzz", nil, func(err error) bool { return status.Code(errors.Unwrap(err)) == codes.NotFound }},
		{"collector error", &fakePlugin{err: errors.New("boom")}, "c", nil, func(err error) bool {
			s, _ := status.FromError(errors.Unwrap(err))
			return s.Code() == codes.Unknown && s.Message() == "boom"
		}},
		{"send refuses", &fakePlugin{n: 10}, "c", func(*evidence.Snapshot) error { return stop }, func(err error) bool { return errors.Is(err, stop) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := dispense(t, tc.impl)
			send := tc.send
			if send == nil {
				send = func(*evidence.Snapshot) error { return nil }
			}
			err := p.Collect(context.Background(), tc.collector, &collectors.Request{Period: "2026"}, send)
			if err == nil || !tc.check(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
}
