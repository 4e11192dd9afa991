package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Builder accumulates one snapshot: the calls made, the calls that failed and
// finally the payload. It is safe for concurrent use.
type Builder struct {
	mu     sync.Mutex
	kind   string
	calls  []string
	errs   []evidence.CallError
	failed bool
}

// NewBuilder starts a snapshot of kind.
func NewBuilder(kind string) *Builder { return &Builder{kind: kind} }

// Called records that action was called (successfully or not).
func (b *Builder) Called(action string) {
	b.mu.Lock()
	b.calls = append(b.calls, action)
	b.mu.Unlock()
}

// Failed records that action failed with err and returns the recorded error.
// The snapshot becomes partial.
func (b *Builder) Failed(action string, err error) evidence.CallError {
	ce := CallError(action, err)
	b.mu.Lock()
	b.calls = append(b.calls, action)
	b.errs = append(b.errs, ce)
	b.mu.Unlock()
	return ce
}

// Record records err (or success when err is nil) for action.
func (b *Builder) Record(action string, err error) {
	if err != nil {
		b.Failed(action, err)
		return
	}
	b.Called(action)
}

// Fatal marks the snapshot as status error: its payload cannot be relied on.
// At least one failure must have been recorded with Failed.
func (b *Builder) Fatal() {
	b.mu.Lock()
	b.failed = true
	b.mu.Unlock()
}

// HasErrors reports whether any call failed.
func (b *Builder) HasErrors() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.errs) > 0
}

// Snapshot returns the snapshot with payload marshalled to JSON. Status is ok
// without failures, partial with failures, error after Fatal.
func (b *Builder) Snapshot(payload any) (*evidence.Snapshot, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("marshal %s payload: %w", b.kind, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &evidence.Snapshot{
		Kind:     b.kind,
		APICalls: SortedUnique(b.calls),
		Errors:   append([]evidence.CallError(nil), b.errs...),
		Payload:  raw,
		Status:   evidence.StatusOK,
	}
	switch {
	case b.failed && len(b.errs) == 0:
		return nil, fmt.Errorf("snapshot %s marked fatal without a recorded failure", b.kind)
	case b.failed:
		s.Status = evidence.StatusError
	case len(b.errs) > 0:
		s.Status = evidence.StatusPartial
	}
	return s, nil
}

// ErrorSnapshot returns a status-error snapshot of kind whose only content is
// the failure of action.
func ErrorSnapshot(kind, action string, err error) *evidence.Snapshot {
	return &evidence.Snapshot{
		Kind:     kind,
		Status:   evidence.StatusError,
		Errors:   []evidence.CallError{CallError(action, err)},
		APICalls: []string{action},
		Payload:  json.RawMessage("{}"),
	}
}

// Local error codes for failures that have no service error code.
const (
	CodeCanceled        = "RequestCanceled"
	CodeTimeout         = "RequestTimeout"
	CodeNetwork         = "NetworkError"
	CodeUnknown         = "UnknownError"
	CodeCollectorPanic  = "CollectorPanic"
	CodeCollectorFailed = "CollectorFailed"
)

// maxMessage bounds the error message kept in evidence; service messages can
// echo request data, and evidence should stay small.
const maxMessage = 300

// CallError converts an SDK error into the evidence form: the service's
// error code when there is one, else a local code.
func CallError(action string, err error) evidence.CallError {
	ce := evidence.CallError{Action: action, Code: CodeUnknown}
	if err == nil {
		ce.Message = "no error recorded"
		return ce
	}
	var apiErr smithy.APIError
	var netErr net.Error
	switch {
	case isCredentialProcessError(err):
		ce.Message = ScrubCredentialError(err).Error()
	case errors.As(err, &apiErr) && apiErr.ErrorCode() != "":
		ce.Code = apiErr.ErrorCode()
		ce.Message = apiErr.ErrorMessage()
		if ce.Message == "" {
			ce.Message = apiErr.ErrorCode()
		}
	case errors.Is(err, context.Canceled):
		ce.Code, ce.Message = CodeCanceled, "the run was cancelled before the call finished"
	case errors.Is(err, context.DeadlineExceeded):
		ce.Code, ce.Message = CodeTimeout, "the call did not finish before its deadline"
	case errors.As(err, &netErr):
		ce.Code, ce.Message = CodeNetwork, err.Error()
	default:
		ce.Message = err.Error()
	}
	ce.Message = strings.TrimSpace(ce.Message)
	if len(ce.Message) > maxMessage {
		ce.Message = ce.Message[:maxMessage] + "…"
	}
	return ce
}

// ScrubCredentialError returns err, or, when err comes from a failed
// credential_process, err with the SDK's text of that failure replaced by a
// statement that it failed: the SDK's message quotes the process's whole
// output, which may hold the secret access key it failed to parse. The
// result still unwraps to err.
func ScrubCredentialError(err error) error {
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) {
		return err
	}
	msg := strings.Replace(err.Error(), pe.Error(), credentialProcessFailed, 1)
	if !strings.Contains(msg, credentialProcessFailed) {
		msg = credentialProcessFailed
	}
	return &scrubbedError{msg: msg, err: err}
}

// credentialProcessFailed replaces the SDK's text of a failed credential_process.
const credentialProcessFailed = "the AWS profile's credential_process failed or printed something other than its credentials document (its output is not shown: it may hold secrets; run the command yourself to see it)"

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func isCredentialProcessError(err error) bool {
	var pe *processcreds.ProviderError
	return errors.As(err, &pe)
}

// ErrorCode returns the service error code of err, or "".
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// IsAccessDenied reports whether err is an authorization failure.
func IsAccessDenied(err error) bool {
	switch ErrorCode(err) {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnauthorizedAccess":
		return true
	}
	return false
}

// IsUnsupported reports whether err says the endpoint does not implement the
// operation (an emulator, or a partition without the API).
func IsUnsupported(err error) bool {
	switch ErrorCode(err) {
	case "InvalidAction", "UnknownAction", "UnknownOperationException", "UnsupportedOperation",
		"NotImplemented":
		return true
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && (re.HTTPStatusCode() == 404 || re.HTTPStatusCode() == 501) && ErrorCode(err) == "" {
		return true
	}
	return false
}
