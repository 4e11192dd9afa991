package proto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	pb "github.com/hipaa-evidence/hipaa-evidence/plugins/proto/internal/pluginv1"
)

// The converters below are the only code that touches the generated types.
// The *FromWire direction treats its input as hostile: it checks every field
// it passes on and returns ErrMalformed rather than guess.

var scopes = []struct {
	domain collectors.Scope
	wire   pb.Scope
}{
	{collectors.Once, pb.Scope_SCOPE_ONCE},
	{collectors.PerAccount, pb.Scope_SCOPE_ACCOUNT},
	{collectors.PerRegion, pb.Scope_SCOPE_REGION},
}

func scopeToWire(s collectors.Scope) pb.Scope {
	for _, m := range scopes {
		if m.domain == s {
			return m.wire
		}
	}
	return pb.Scope_SCOPE_UNSPECIFIED
}

func scopeFromWire(s pb.Scope) (collectors.Scope, error) {
	for _, m := range scopes {
		if m.wire == s {
			return m.domain, nil
		}
	}
	return "", fmt.Errorf("%w: scope %d", ErrMalformed, int32(s))
}

var statuses = []struct {
	domain evidence.Status
	wire   pb.Status
}{
	{evidence.StatusOK, pb.Status_STATUS_OK},
	{evidence.StatusPartial, pb.Status_STATUS_PARTIAL},
	{evidence.StatusError, pb.Status_STATUS_ERROR},
}

func statusToWire(s evidence.Status) pb.Status {
	for _, m := range statuses {
		if m.domain == s {
			return m.wire
		}
	}
	return pb.Status_STATUS_UNSPECIFIED
}

func statusFromWire(s pb.Status) (evidence.Status, error) {
	for _, m := range statuses {
		if m.wire == s {
			return m.domain, nil
		}
	}
	return "", fmt.Errorf("%w: status %d", ErrMalformed, int32(s))
}

func descriptionToWire(d *Description) *pb.DescribeResponse {
	out := &pb.DescribeResponse{
		Name:       d.Name,
		Version:    d.Version,
		Citations:  append([]string(nil), d.Citations...),
		SdkVersion: d.SDKVersion,
	}
	for _, c := range d.Collectors {
		out.Collectors = append(out.Collectors, &pb.CollectorInfo{
			Name:          c.Name,
			Version:       c.Version,
			Summary:       c.Summary,
			Scope:         scopeToWire(c.Scope),
			EvidenceKinds: append([]string(nil), c.EvidenceKinds...),
			Permissions:   append([]string(nil), c.Permissions...),
		})
	}
	for _, f := range d.Checks {
		out.Checks = append(out.Checks, &pb.CheckFile{Name: f.Name, Content: append([]byte(nil), f.Content...)})
	}
	return out
}

func descriptionFromWire(m *pb.DescribeResponse) (*Description, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: empty description", ErrMalformed)
	}
	d := &Description{
		Name:       m.GetName(),
		Version:    m.GetVersion(),
		Citations:  append([]string(nil), m.GetCitations()...),
		SDKVersion: m.GetSdkVersion(),
	}
	if d.Name == "" || d.Version == "" {
		return nil, fmt.Errorf("%w: plugin name and version are required", ErrMalformed)
	}
	for i, c := range m.GetCollectors() {
		scope, err := scopeFromWire(c.GetScope())
		if err != nil {
			return nil, fmt.Errorf("collector %d (%q): %w", i, c.GetName(), err)
		}
		d.Collectors = append(d.Collectors, collectors.Descriptor{
			Name:          c.GetName(),
			Version:       c.GetVersion(),
			Summary:       c.GetSummary(),
			Scope:         scope,
			EvidenceKinds: append([]string(nil), c.GetEvidenceKinds()...),
			Permissions:   append([]string(nil), c.GetPermissions()...),
		})
	}
	if len(d.Collectors) == 0 {
		return nil, fmt.Errorf("%w: plugin %s serves no collectors", ErrMalformed, d.Name)
	}
	for i, f := range m.GetChecks() {
		if f.GetName() == "" {
			return nil, fmt.Errorf("%w: check file %d has no name", ErrMalformed, i)
		}
		d.Checks = append(d.Checks, CheckFile{Name: f.GetName(), Content: append([]byte(nil), f.GetContent()...)})
	}
	return d, nil
}

func timeToWire(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeFromWire(ts *timestamppb.Timestamp, field string) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, fmt.Errorf("%w: %s: %v", ErrMalformed, field, err)
	}
	return ts.AsTime().UTC(), nil
}

// optionsToYAML renders a collector's options as YAML text, or nil when it
// has none. Options only decode, so they are decoded into a generic value
// and encoded again.
func optionsToYAML(o collectors.Options) ([]byte, error) {
	var v any
	if err := o.Decode(&v); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	if v == nil {
		return nil, nil
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	return b, nil
}

// optionsFromYAML returns Options that decode b strictly, as the host's
// config loader does for built-in collectors: unknown fields are errors.
func optionsFromYAML(b []byte) collectors.Options {
	if len(bytes.TrimSpace(b)) == 0 {
		return collectors.NewOptions(nil)
	}
	data := append([]byte(nil), b...)
	return collectors.NewOptions(func(v any) error {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("collector options: %w", err)
		}
		return nil
	})
}

func requestToWire(collector string, r *collectors.Request) (*pb.CollectRequest, error) {
	if r == nil {
		return nil, errors.New("no request")
	}
	opts, err := optionsToYAML(r.Options)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	out := &pb.CollectRequest{
		Collector:   collector,
		Period:      r.Period,
		PeriodStart: timeToWire(r.PeriodStart),
		PeriodEnd:   timeToWire(r.PeriodEnd),
		Target: &pb.Target{
			Partition: r.Target.Partition,
			AccountId: r.Target.AccountID,
			Region:    r.Target.Region,
		},
		OptionsYaml: opts,
		Now:         timestamppb.New(now),
	}
	for _, a := range r.Accounts {
		out.Accounts = append(out.Accounts, &pb.Account{Id: a.ID, Name: a.Name})
	}
	return out, nil
}

func requestFromWire(m *pb.CollectRequest) (string, *collectors.Request, error) {
	if m == nil || m.GetCollector() == "" {
		return "", nil, fmt.Errorf("%w: request names no collector", ErrMalformed)
	}
	start, err := timeFromWire(m.GetPeriodStart(), "period_start")
	if err != nil {
		return "", nil, err
	}
	end, err := timeFromWire(m.GetPeriodEnd(), "period_end")
	if err != nil {
		return "", nil, err
	}
	now, err := timeFromWire(m.GetNow(), "now")
	if err != nil {
		return "", nil, err
	}
	if now.IsZero() {
		now = time.Now().UTC()
	}
	r := &collectors.Request{
		Target: collectors.Target{
			Partition: m.GetTarget().GetPartition(),
			AccountID: m.GetTarget().GetAccountId(),
			Region:    m.GetTarget().GetRegion(),
		},
		Period:      m.GetPeriod(),
		PeriodStart: start,
		PeriodEnd:   end,
		Options:     optionsFromYAML(m.GetOptionsYaml()),
		// One instant for the whole call, so ages computed by the collector
		// are consistent and a host with a fixed clock gets fixed results.
		Now: func() time.Time { return now },
	}
	for _, a := range m.GetAccounts() {
		r.Accounts = append(r.Accounts, collectors.AccountInfo{ID: a.GetId(), Name: a.GetName()})
	}
	return m.GetCollector(), r, nil
}

func snapshotToWire(s *evidence.Snapshot) *pb.Snapshot {
	if s == nil {
		return nil
	}
	out := &pb.Snapshot{
		Kind:     s.Kind,
		Status:   statusToWire(s.Status),
		ApiCalls: append([]string(nil), s.APICalls...),
		Payload:  append([]byte(nil), s.Payload...),
	}
	for _, e := range s.Errors {
		out.Errors = append(out.Errors, &pb.CallError{Action: e.Action, Code: e.Code, Message: e.Message})
	}
	return out
}

// snapshotFromWire checks everything a plugin decides about a snapshot. The
// host decides the rest (schema, collector, source, period, collected_at) and
// the evidence package validates the whole before it is signed.
func snapshotFromWire(m *pb.Snapshot) (*evidence.Snapshot, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: message carries no snapshot", ErrMalformed)
	}
	if !evidence.ValidKind(m.GetKind()) {
		return nil, fmt.Errorf("%w: evidence kind %q", ErrMalformed, m.GetKind())
	}
	st, err := statusFromWire(m.GetStatus())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.GetKind(), err)
	}
	payload := m.GetPayload()
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		return nil, fmt.Errorf("%w: %s: payload is not JSON", ErrMalformed, m.GetKind())
	}
	// The message is decoded afresh for each Recv and never reused, so its
	// slices are handed on without copying.
	s := &evidence.Snapshot{
		Kind:     m.GetKind(),
		Status:   st,
		APICalls: m.GetApiCalls(),
		Payload:  json.RawMessage(payload),
	}
	for i, e := range m.GetErrors() {
		if e.GetAction() == "" || e.GetCode() == "" {
			return nil, fmt.Errorf("%w: %s: errors[%d] lacks action or code", ErrMalformed, m.GetKind(), i)
		}
		s.Errors = append(s.Errors, evidence.CallError{Action: e.GetAction(), Code: e.GetCode(), Message: e.GetMessage()})
	}
	switch {
	case st == evidence.StatusOK && len(s.Errors) > 0:
		return nil, fmt.Errorf("%w: %s: status ok with %d errors", ErrMalformed, m.GetKind(), len(s.Errors))
	case st != evidence.StatusOK && len(s.Errors) == 0:
		return nil, fmt.Errorf("%w: %s: status %s without errors", ErrMalformed, m.GetKind(), st)
	}
	return s, nil
}
