package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// SchemaV1 is the value of the schema field of every snapshot this version writes.
const SchemaV1 = "hipaa-evidence/snapshot/v1"

// MaxSnapshotSize bounds the size of a snapshot that DecodeSnapshot accepts. It
// stops a corrupted or hostile locker or bundle from exhausting memory; the
// largest real snapshots (IAM authorization details of big accounts) are far
// below it.
const MaxSnapshotSize = 256 << 20

// GlobalRegion is the region of evidence that belongs to an account, not to a
// region (IAM, Organizations).
const GlobalRegion = "global"

// Status says how complete a snapshot's payload is.
type Status string

// The snapshot statuses.
const (
	// StatusOK means every call the collector needed succeeded.
	StatusOK Status = "ok"
	// StatusPartial means some calls failed; the payload holds what was seen.
	StatusPartial Status = "partial"
	// StatusError means the evidence could not be collected; the payload is
	// empty or meaningless.
	StatusError Status = "error"
)

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool {
	return s == StatusOK || s == StatusPartial || s == StatusError
}

// CollectorInfo names what produced a snapshot.
type CollectorInfo struct {
	// Name is the collector's registered name, e.g. "iam".
	Name string `json:"name"`
	// Version is the collector's version.
	Version string `json:"version"`
	// PluginDigest is the hex SHA-256 of the plugin binary, for plugin collectors.
	PluginDigest string `json:"plugin_digest,omitempty"`
	// PluginVersion is the version the plugin reported, for plugin collectors.
	PluginVersion string `json:"plugin_version,omitempty"`
}

// Source says where evidence was collected.
type Source struct {
	// Partition is the AWS partition, e.g. "aws".
	Partition string `json:"partition"`
	// AccountID is the 12-digit AWS account id.
	AccountID string `json:"account_id"`
	// Region is the AWS region, or GlobalRegion.
	Region string `json:"region"`
}

// CallError records one failed API call.
type CallError struct {
	// Action is the IAM-style action name that failed, e.g. "iam:GetCredentialReport".
	Action string `json:"action"`
	// Code is the service's error code, e.g. "AccessDenied", or a local code
	// such as "RequestCanceled".
	Code string `json:"code"`
	// Message is a short, secret-free description.
	Message string `json:"message"`
}

// Snapshot is one piece of evidence: what one collector saw of one evidence
// kind in one account and region. Its JSON form is the on-disk format.
type Snapshot struct {
	// Schema is always SchemaV1.
	Schema string `json:"schema"`
	// Kind names the evidence, e.g. "aws.iam.credential_report".
	Kind string `json:"kind"`
	// Collector names the collector that produced it.
	Collector CollectorInfo `json:"collector"`
	// Source is the account and region it describes.
	Source Source `json:"source"`
	// Period is the audit period, e.g. "2026-Q4".
	Period string `json:"period"`
	// CollectedAt is when collection finished, in UTC.
	CollectedAt time.Time `json:"collected_at"`
	// Status says whether the payload is complete.
	Status Status `json:"status"`
	// Errors lists every failed call; empty when Status is StatusOK.
	Errors []CallError `json:"errors"`
	// APICalls lists the distinct actions called to build the payload.
	APICalls []string `json:"api_calls"`
	// Payload is the normalised evidence.
	Payload json.RawMessage `json:"payload"`
}

var (
	kindPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$`)
	periodPattern  = regexp.MustCompile(`^[0-9]{4}(-Q[1-4]|-H[12]|-[0-9]{2})?$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
)

// ValidKind reports whether k is a well-formed evidence kind: dotted lower-case
// words with at least two parts, e.g. "aws.kms.keys" or "vendor.idp.mfa".
func ValidKind(k string) bool { return len(k) <= 128 && kindPattern.MatchString(k) }

// ValidPeriod reports whether p is a period name: a year ("2026"), a quarter
// ("2026-Q4"), a half ("2026-H2") or a month ("2026-11").
func ValidPeriod(p string) bool { return periodPattern.MatchString(p) }

// Validate checks that s is a well-formed snapshot.
func (s *Snapshot) Validate() error {
	switch {
	case s.Schema != SchemaV1:
		return fmt.Errorf("%w: schema %q, want %q", ErrMalformed, s.Schema, SchemaV1)
	case !ValidKind(s.Kind):
		return fmt.Errorf("%w: kind %q", ErrMalformed, s.Kind)
	case s.Collector.Name == "":
		return fmt.Errorf("%w: collector name is empty", ErrMalformed)
	case !ValidPeriod(s.Period):
		return fmt.Errorf("%w: period %q", ErrMalformed, s.Period)
	case !s.Status.Valid():
		return fmt.Errorf("%w: status %q", ErrMalformed, s.Status)
	case s.Source.AccountID != "" && !accountPattern.MatchString(s.Source.AccountID):
		return fmt.Errorf("%w: account id %q", ErrMalformed, s.Source.AccountID)
	case s.Source.Region == "":
		return fmt.Errorf("%w: region is empty", ErrMalformed)
	case s.CollectedAt.IsZero():
		return fmt.Errorf("%w: collected_at is missing", ErrMalformed)
	case s.Status == StatusOK && len(s.Errors) > 0:
		return fmt.Errorf("%w: status ok with %d errors", ErrMalformed, len(s.Errors))
	case s.Status != StatusOK && len(s.Errors) == 0:
		return fmt.Errorf("%w: status %s without errors", ErrMalformed, s.Status)
	}
	if len(s.Payload) > 0 && !json.Valid(s.Payload) {
		return fmt.Errorf("%w: payload is not JSON", ErrMalformed)
	}
	for i, e := range s.Errors {
		if e.Action == "" || e.Code == "" {
			return fmt.Errorf("%w: errors[%d] lacks action or code", ErrMalformed, i)
		}
	}
	return nil
}

// Encode validates s and returns its canonical bytes: indented JSON with a
// trailing newline. These are the bytes that are signed and stored.
func (s *Snapshot) Encode() ([]byte, error) {
	c := *s
	c.CollectedAt = c.CollectedAt.UTC()
	if c.Errors == nil {
		c.Errors = []CallError{}
	}
	if c.APICalls == nil {
		c.APICalls = []string{}
	}
	if len(c.Payload) == 0 {
		c.Payload = json.RawMessage("{}")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b, err := EncodeJSON(&c)
	if err != nil {
		return nil, fmt.Errorf("encode snapshot %s: %w", c.Kind, err)
	}
	return b, nil
}

// EncodeJSON returns v as the project's signed and stored JSON documents are
// written: indented by two spaces, without HTML escaping, with a final
// newline. Equal values always encode to the same bytes.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeSnapshot parses and validates snapshot bytes. Unknown fields, trailing
// data and oversize input are rejected.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	if len(b) > MaxSnapshotSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds the %d byte limit", ErrMalformed, len(b), MaxSnapshotSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the snapshot", ErrMalformed)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// FileName returns a stable, readable file name for the snapshot:
// <kind>.<account>.<region>.json, with anything outside [a-z0-9._-] replaced.
func (s *Snapshot) FileName() string {
	acct := s.Source.AccountID
	if acct == "" {
		acct = "none"
	}
	name := s.Kind + "." + acct + "." + s.Source.Region + ".json"
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '_'
	}, name)
}
