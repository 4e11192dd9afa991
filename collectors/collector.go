package collectors

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Collector gathers one family of evidence.
type Collector interface {
	// Describe returns the collector's descriptor. It makes no calls.
	Describe() Descriptor
	// Collect gathers evidence for one target. It returns an error only for a
	// transport or programming failure; failed calls go into the snapshots.
	Collect(ctx context.Context, req *Request) (*Response, error)
}

// Scope says how often a collector runs.
type Scope string

// The collector scopes.
const (
	// PerRegion collectors run once per account and region (KMS, CloudTrail).
	PerRegion Scope = "region"
	// PerAccount collectors run once per account; their snapshots have region
	// "global" (IAM, S3).
	PerAccount Scope = "account"
	// Once collectors run once per run with the caller's credentials
	// (organization-wide evidence, plugins that read non-AWS sources).
	Once Scope = "once"
)

// Descriptor describes a collector without running it.
type Descriptor struct {
	// Name is the registered name, e.g. "iam".
	Name string
	// Version is the collector's version, recorded in every snapshot.
	Version string
	// Summary is a one-line description.
	Summary string
	// Scope says how often it runs.
	Scope Scope
	// EvidenceKinds lists every kind of snapshot it can produce.
	EvidenceKinds []string
	// Actions lists every IAM action it may call, e.g. "iam:ListUsers". The
	// least-privilege policy printed by `hipaa-evidence iam-policy` is built
	// from these, and the conformance suite proves the list is complete.
	Actions []string
	// Permissions lists non-AWS permissions or API scopes a plugin collector
	// needs (e.g. an identity provider's read scope). They are shown to the
	// operator but are not part of the IAM policy.
	Permissions []string
	// PluginDigest is the plugin binary's sha256 for plugin collectors.
	PluginDigest string
	// PluginVersion is the version a plugin reported.
	PluginVersion string
}

// Validate checks that d is complete.
func (d Descriptor) Validate() error {
	if d.Name == "" || d.Version == "" {
		return errors.New("descriptor: name and version are required")
	}
	switch d.Scope {
	case PerRegion, PerAccount, Once:
	default:
		return fmt.Errorf("descriptor %s: unknown scope %q", d.Name, d.Scope)
	}
	if len(d.EvidenceKinds) == 0 {
		return fmt.Errorf("descriptor %s: no evidence kinds", d.Name)
	}
	for _, k := range d.EvidenceKinds {
		if !evidence.ValidKind(k) {
			return fmt.Errorf("descriptor %s: invalid evidence kind %q", d.Name, k)
		}
	}
	return nil
}

// HasKind reports whether kind is one of d's evidence kinds.
func (d Descriptor) HasKind(kind string) bool {
	for _, k := range d.EvidenceKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Target is where one collection happens.
type Target struct {
	// Partition is the AWS partition, e.g. "aws".
	Partition string
	// AccountID is the account collected.
	AccountID string
	// Region is the region collected, or evidence.GlobalRegion for PerAccount
	// and Once collectors.
	Region string
}

// Request is one call to Collect.
type Request struct {
	// Target is the account and region to collect.
	Target Target
	// AWS is an SDK configuration with credentials for the target account.
	// Its Region is the target region, or the home region for global targets.
	AWS aws.Config
	// Period is the audit period, e.g. "2026-Q4".
	Period string
	// PeriodStart and PeriodEnd bound the period (end exclusive), in UTC.
	PeriodStart, PeriodEnd time.Time
	// Options is the collector's section of the config file.
	Options Options
	// Accounts lists every account in the run, for Once collectors that
	// report on the whole organization.
	Accounts []AccountInfo
	// Now returns the current time; collectors use it for ages and
	// collected_at so tests can fix the clock.
	Now func() time.Time
}

// AccountInfo names one account in a run.
type AccountInfo struct {
	// ID is the 12-digit account id.
	ID string
	// Name is the account name, if known.
	Name string
}

// Response is what Collect returns.
type Response struct {
	// Snapshots holds the unsigned snapshots. The Runner fills in schema,
	// collector, source, period and collected_at, then signs and stores them.
	Snapshots []*evidence.Snapshot
}

// OptionsValidator is implemented by collectors that take options, so a
// mistake in the config file is reported before collection starts rather
// than as error snapshots.
type OptionsValidator interface {
	// ValidateOptions decodes o strictly and checks its values.
	ValidateOptions(o Options) error
}

// Options holds a collector's settings from the config file.
type Options struct {
	decode func(v any) error
}

// NewOptions returns Options that decode with fn (strictly, rejecting unknown
// fields). A nil fn decodes nothing and leaves v unchanged.
func NewOptions(fn func(v any) error) Options { return Options{decode: fn} }

// Decode fills v, a pointer to the collector's options struct.
func (o Options) Decode(v any) error {
	if o.decode == nil {
		return nil
	}
	return o.decode(v)
}

// SortedUnique returns the sorted distinct elements of s.
func SortedUnique(s []string) []string {
	m := make(map[string]struct{}, len(s))
	for _, x := range s {
		m[x] = struct{}{}
	}
	out := make([]string, 0, len(m))
	for x := range m {
		out = append(out, x)
	}
	sort.Strings(out)
	return out
}
