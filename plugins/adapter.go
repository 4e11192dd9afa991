package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// Error codes recorded in the snapshots of a plugin that failed. The
// snapshot's message names the plugin and its digest.
const (
	// CodePluginUnavailable means the plugin could not be started or reached.
	CodePluginUnavailable = "PluginUnavailable"
	// CodePluginCrashed means the plugin process ended during the call.
	CodePluginCrashed = "PluginCrashed"
	// CodePluginTimeout means the call did not finish before its deadline.
	CodePluginTimeout = "PluginTimeout"
	// CodePluginOutputTooLarge means the call returned more snapshots or
	// bytes than the plugin's limits allow.
	CodePluginOutputTooLarge = "PluginOutputTooLarge"
	// CodePluginProtocolError means the plugin broke the wire contract: a
	// malformed or undeclared snapshot, an unknown collector.
	CodePluginProtocolError = "PluginProtocolError"
)

// maxErrorMessage bounds a plugin's error messages kept in evidence.
const maxErrorMessage = 500

// errTooMuch marks a call that exceeded the plugin's limits.
var errTooMuch = errors.New("output limit exceeded")

// adapter is one plugin collector as a collectors.Collector.
type adapter struct {
	p    *Plugin
	desc collectors.Descriptor
}

// Describe returns the collector's descriptor with the plugin's verified
// digest and reported version.
func (a *adapter) Describe() collectors.Descriptor {
	d := a.desc
	d.EvidenceKinds = append([]string(nil), a.desc.EvidenceKinds...)
	d.Permissions = append([]string(nil), a.desc.Permissions...)
	d.Actions = nil
	d.PluginDigest = a.p.digest
	d.PluginVersion = a.p.desc.Version
	return d
}

// Collect calls the plugin with the plugin's deadline and limits. Every
// failure of the plugin becomes error snapshots; Collect returns an error
// only when ctx itself ends.
func (a *adapter) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	cfg := a.p.cfg
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rpc, err := a.p.conn()
	if err != nil {
		return a.failed(CodePluginUnavailable, err.Error()), nil
	}
	var (
		snaps []*evidence.Snapshot
		total int64
	)
	err = rpc.Collect(cctx, a.desc.Name, req, func(s *evidence.Snapshot) error {
		if len(snaps) >= cfg.MaxSnapshots {
			return fmt.Errorf("%w: more than %d snapshots in one call", errTooMuch, cfg.MaxSnapshots)
		}
		size := snapshotSize(s)
		if size > cfg.MaxSnapshotBytes {
			return fmt.Errorf("%w: a %s snapshot of %d bytes exceeds the %d byte limit", errTooMuch, s.Kind, size, cfg.MaxSnapshotBytes)
		}
		if total += size; total > cfg.MaxCallBytes {
			return fmt.Errorf("%w: snapshots exceed %d bytes in one call", errTooMuch, cfg.MaxCallBytes)
		}
		if !a.desc.HasKind(s.Kind) {
			return fmt.Errorf("%w: evidence kind %q is not one collector %s declares", proto.ErrMalformed, s.Kind, a.desc.Name)
		}
		for i := range s.Errors {
			s.Errors[i].Message = truncate(s.Errors[i].Message)
		}
		snaps = append(snaps, s)
		return nil
	})
	if err := runEnded(ctx, cctx, err, start, cfg.Timeout); err != nil {
		// The run was cancelled or hit its own deadline: not the plugin's
		// failure, and whatever the stream held when it ended may be
		// incomplete.
		return nil, err
	}
	if err == nil && len(snaps) == 0 {
		return a.failed(CodePluginProtocolError, "returned no snapshots"), nil
	}
	if err == nil {
		return &collectors.Response{Snapshots: snaps}, nil
	}
	code, msg := a.classify(cctx, err)
	a.p.log.Warn("plugin collection failed", "plugin", cfg.Name, "collector", a.desc.Name, "code", code, "error", err)
	return a.failed(code, msg), nil
}

// snapshotSize is what a plugin's snapshot holds: its payload and the
// api_calls and errors around it. The limits count all of it, or a plugin
// could fill memory and the locker around small payloads.
func snapshotSize(s *evidence.Snapshot) int64 {
	n := int64(len(s.Payload))
	for _, c := range s.APICalls {
		n += int64(len(c))
	}
	for _, e := range s.Errors {
		n += int64(len(e.Action) + len(e.Code) + len(e.Message))
	}
	return n
}

// runEnded returns the run's own context error when the call ended because
// the run was cancelled or reached its deadline. The deadline case is decided
// by the deadlines, not by which timer fired first: gRPC carries the deadline
// to the plugin, whose side can report DeadlineExceeded a moment before the
// run's context notices its own.
func runEnded(ctx, cctx context.Context, callErr error, start time.Time, timeout time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st, isStatus := grpcStatus(callErr)
	if cctx.Err() == nil && !(isStatus && st.Code() == codes.DeadlineExceeded) {
		return nil
	}
	if d, ok := ctx.Deadline(); ok && !d.After(start.Add(timeout)) {
		return context.DeadlineExceeded
	}
	return nil
}

// classify names a failed call's cause. Partial output of a failed call is
// discarded: half a collection must not pass for a whole one.
func (a *adapter) classify(cctx context.Context, err error) (code, msg string) {
	st, isStatus := grpcStatus(err)
	switch {
	case errors.Is(err, errTooMuch):
		return CodePluginOutputTooLarge, err.Error()
	case isStatus && st.Code() == codes.ResourceExhausted:
		return CodePluginOutputTooLarge, fmt.Sprintf("sent a message larger than the %d byte limit", a.p.cfg.MaxSnapshotBytes+wireOverhead)
	case errors.Is(err, proto.ErrMalformed):
		return CodePluginProtocolError, err.Error()
	case errors.Is(cctx.Err(), context.DeadlineExceeded) || (isStatus && st.Code() == codes.DeadlineExceeded):
		return CodePluginTimeout, fmt.Sprintf("did not finish within %s", a.p.cfg.Timeout)
	}
	if exited, tail := a.p.exitedNow(); exited || (isStatus && st.Code() == codes.Unavailable) {
		if tail != "" {
			a.p.log.Warn("plugin stderr", "plugin", a.p.cfg.Name, "tail", tail)
		}
		return CodePluginCrashed, "exited or dropped its connection during Collect"
	}
	if isStatus {
		switch st.Code() {
		case codes.NotFound, codes.InvalidArgument, codes.Unimplemented:
			return CodePluginProtocolError, st.Message()
		}
		// The vendor's collector returned an error.
		return collectors.CodeCollectorFailed, st.Message()
	}
	return CodePluginProtocolError, err.Error()
}

// failed returns one error snapshot per evidence kind of the collector.
func (a *adapter) failed(code, msg string) *collectors.Response {
	msg = truncate(fmt.Sprintf("plugin %s (sha256 %s) collector %s: %s", a.p.cfg.Name, short(a.p.digest), a.desc.Name, msg))
	return &collectors.Response{Snapshots: errorSnapshots(a.desc.EvidenceKinds, "collect:"+a.desc.Name, code, msg)}
}

func errorSnapshots(kinds []string, action, code, msg string) []*evidence.Snapshot {
	out := make([]*evidence.Snapshot, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, &evidence.Snapshot{
			Kind:     k,
			Status:   evidence.StatusError,
			Errors:   []evidence.CallError{{Action: action, Code: code, Message: msg}},
			APICalls: []string{action},
			Payload:  json.RawMessage("{}"),
		})
	}
	return out
}

// grpcStatus returns the gRPC status err carries, if any, with its own
// message (status.FromError would prefix the wrapping text).
func grpcStatus(err error) (*status.Status, bool) {
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		return se.GRPCStatus(), true
	}
	return nil, false
}

// truncate cuts s to maxErrorMessage bytes on a character boundary.
func truncate(s string) string {
	if len(s) <= maxErrorMessage {
		return s
	}
	n := maxErrorMessage
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}
