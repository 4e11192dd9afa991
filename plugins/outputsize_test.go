package plugins_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

// bulkCollector returns snapshots whose payload is empty and whose size is
// all in the fields around it: the api_calls list and the error messages.
type bulkCollector struct {
	snapshots, calls, callSize int
	errors                     bool
}

func (c *bulkCollector) Describe() collectors.Descriptor {
	return collectors.Descriptor{Name: "bulk", Version: "1.0.0", Summary: "bulk", Scope: collectors.Once, EvidenceKinds: []string{testKind}}
}

func (c *bulkCollector) Collect(context.Context, *collectors.Request) (*collectors.Response, error) {
	var out []*evidence.Snapshot
	for i := 0; i < c.snapshots; i++ {
		s := &evidence.Snapshot{Kind: testKind, Status: evidence.StatusOK, Payload: json.RawMessage(`{}`)}
		for j := 0; j < c.calls; j++ {
			name := strings.Repeat("x", c.callSize)
			if c.errors {
				s.Status = evidence.StatusPartial
				s.Errors = append(s.Errors, evidence.CallError{Action: name, Code: name, Message: "m"})
			} else {
				s.APICalls = append(s.APICalls, name)
			}
		}
		out = append(out, s)
	}
	return &collectors.Response{Snapshots: out}, nil
}

// TestOutputLimitsCountTheWholeSnapshot checks that the byte limits of a
// call bound everything a plugin returns, not only payloads: a plugin could
// otherwise fill the host's memory (and the locker) with api_calls or
// errors around empty payloads.
func TestOutputLimitsCountTheWholeSnapshot(t *testing.T) {
	tests := []struct {
		name string
		c    *bulkCollector
	}{
		{"api_calls", &bulkCollector{snapshots: 4, calls: 512, callSize: 1 << 10}},
		{"errors", &bulkCollector{snapshots: 4, calls: 256, callSize: 1 << 10, errors: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := testHost(t)
			p := launchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process", MaxCallBytes: 1 << 20},
				sdk.Plugin{Name: "bulk", Version: "1.0.0", Collectors: []collectors.Collector{tc.c}})
			resp, err := collectorNamed(t, p, "bulk").Collect(context.Background(), request())
			if err != nil {
				t.Fatal(err)
			}
			// Compact checks: the snapshots that got through would be megabytes.
			if len(resp.Snapshots) != 1 || len(resp.Snapshots[0].Errors) != 1 || resp.Snapshots[0].Errors[0].Code != plugins.CodePluginOutputTooLarge {
				t.Fatalf("got %d snapshot(s), the first with status %s, want one %s error snapshot", len(resp.Snapshots), resp.Snapshots[0].Status, plugins.CodePluginOutputTooLarge)
			}
			if msg := resp.Snapshots[0].Errors[0].Message; !strings.Contains(msg, "exceed") {
				t.Errorf("message %q", msg)
			}
		})
	}
}
