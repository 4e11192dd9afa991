package controls

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// ResultsSchema is the schema of results.json.
const ResultsSchema = "hipaa-evidence/results/v1"

// ResultStatus is the outcome of one check for one resource.
type ResultStatus string

// The result statuses.
const (
	// StatusPass means the pass condition holds on complete evidence.
	StatusPass ResultStatus = "pass"
	// StatusFail means the pass condition does not hold.
	StatusFail ResultStatus = "fail"
	// StatusUnknown means the evidence is missing, errored or partial, or the
	// condition could not be evaluated; FailedActions names what failed.
	StatusUnknown ResultStatus = "unknown"
	// StatusNotApplicable means the evidence shows the check does not apply
	// (e.g. a user without a console password for a console-MFA check).
	StatusNotApplicable ResultStatus = "not_applicable"
	// StatusExcepted means the check failed and an in-date exception covers
	// it. An excepted result is never a pass.
	StatusExcepted ResultStatus = "excepted"
)

// Valid reports whether s is one of the result statuses.
func (s ResultStatus) Valid() bool {
	switch s {
	case StatusPass, StatusFail, StatusUnknown, StatusNotApplicable, StatusExcepted:
		return true
	}
	return false
}

// ControlStatus is the status of one catalog entry.
type ControlStatus string

// The control statuses.
const (
	// ControlMet means every automated check that applies passes and any
	// required manual evidence is attached and in date.
	ControlMet ControlStatus = "met"
	// ControlNotMet means checks fail and none pass.
	ControlNotMet ControlStatus = "not_met"
	// ControlPartial means some checks fail (or are excepted) while others
	// pass.
	ControlPartial ControlStatus = "partial"
	// ControlUnknown means some evidence could not be seen and nothing
	// fails; not seeing is not passing.
	ControlUnknown ControlStatus = "unknown"
	// ControlManualRequired means the entry needs people-process evidence
	// (a policy, plan, contract, training record) that is not attached or
	// is out of date.
	ControlManualRequired ControlStatus = "manual_required"
	// ControlInherited means the ownership matrix assigns the entry to AWS
	// and AWS's own audit report is attached and in date.
	ControlInherited ControlStatus = "inherited"
	// ControlNotApplicable means the entry does not apply: the ownership
	// matrix says so with a justification, or every check is not applicable.
	ControlNotApplicable ControlStatus = "not_applicable"
)

// Valid reports whether s is one of the control statuses.
func (s ControlStatus) Valid() bool {
	switch s {
	case ControlMet, ControlNotMet, ControlPartial, ControlUnknown, ControlManualRequired, ControlInherited, ControlNotApplicable:
		return true
	}
	return false
}

// Results is the content of results.json: every check × resource result,
// a status for every catalog entry, and what they were derived from.
type Results struct {
	// Schema is ResultsSchema.
	Schema string `json:"schema"`
	// Period is the audit period evaluated.
	Period string `json:"period"`
	// RunID is the collection run whose evidence was evaluated.
	RunID string `json:"run_id"`
	// Organization is the organization named in the run manifest.
	Organization string `json:"organization,omitempty"`
	// EvaluatedAt is the evaluation clock: the run's finished_at, never wall
	// time, so re-evaluation gives the same bytes. Ages, expiry of
	// exceptions and validity of manual evidence are measured from it.
	EvaluatedAt time.Time `json:"evaluated_at"`
	// KeyID is the hex SHA-256 of the key that signed the evidence.
	KeyID string `json:"key_id"`
	// DemoKey is true when the evidence was signed with a throwaway demo key.
	DemoKey bool `json:"demo_key"`
	// Inputs records the digests of everything the evaluation read.
	Inputs InputDigests `json:"inputs"`
	// Summary counts results and control statuses.
	Summary Summary `json:"summary"`
	// Scope lists the accounts and regions of the run.
	Scope Scope `json:"scope"`
	// Checks describes every check that was evaluated, sorted by id.
	Checks []CheckInfo `json:"checks"`
	// NotEvaluated lists check ids the collected evidence cannot decide,
	// with why, so they are visible rather than silently dropped.
	NotEvaluated []NotEvaluated `json:"not_evaluated"`
	// Results holds one entry per check × resource, sorted by check id,
	// account, region, resource id.
	Results []Result `json:"results"`
	// Controls holds one entry per catalog entry, in catalog order.
	Controls []Control `json:"controls"`
	// OwnershipGaps lists catalog entries with a missing owner role, sorted.
	OwnershipGaps []OwnershipGap `json:"ownership_gaps"`
	// Exceptions is the exceptions register as applied, sorted by id.
	Exceptions []ExceptionState `json:"exceptions"`
	// ManualEvidence lists every attached document considered, sorted by id.
	ManualEvidence []ManualEvidence `json:"manual_evidence"`
	// Evidence indexes every snapshot of the run, sorted by kind, account,
	// region, digest.
	Evidence []EvidenceEntry `json:"evidence"`
	// Gaps lists evidence that was missing, errored or partial.
	Gaps []Gap `json:"gaps"`
	// Changes compares with the previous period's results; nil when there
	// are none.
	Changes *Changes `json:"changes"`
}

// Result is the outcome of one check for one resource.
type Result struct {
	// CheckID is the check's id.
	CheckID string `json:"check_id"`
	// AccountID is the 12-digit account, or "" when no account was in scope.
	AccountID string `json:"account_id"`
	// Region is the region, or "global" for account-wide evidence.
	Region string `json:"region"`
	// ResourceID is the resource's ARN where one exists, else a stable name
	// (the account id for account-wide results).
	ResourceID string `json:"resource_id"`
	// Status is the outcome.
	Status ResultStatus `json:"status"`
	// Citations are the catalog ids the check supports.
	Citations []string `json:"citations"`
	// Evidence lists the digests of the snapshots the result was derived
	// from, sorted.
	Evidence []string `json:"evidence"`
	// Detail says why, in one sentence.
	Detail string `json:"detail"`
	// Severity is the check's severity.
	Severity string `json:"severity"`
	// FailedActions names the API actions whose failure made the result
	// unknown, sorted ("" when none failed).
	FailedActions []string `json:"failed_actions,omitempty"`
	// ExceptionID names the exception that excepted (or, when expired, no
	// longer excepts) this result.
	ExceptionID string `json:"exception_id,omitempty"`
}

// Counts counts results by status.
type Counts struct {
	// Pass counts passing results.
	Pass int `json:"pass"`
	// Fail counts failing results.
	Fail int `json:"fail"`
	// Unknown counts results whose evidence could not be seen.
	Unknown int `json:"unknown"`
	// NotApplicable counts results that do not apply.
	NotApplicable int `json:"not_applicable"`
	// Excepted counts failing results covered by an exception.
	Excepted int `json:"excepted"`
}

// Add counts one result of status s.
func (c *Counts) Add(s ResultStatus) {
	switch s {
	case StatusPass:
		c.Pass++
	case StatusFail:
		c.Fail++
	case StatusUnknown:
		c.Unknown++
	case StatusNotApplicable:
		c.NotApplicable++
	case StatusExcepted:
		c.Excepted++
	}
}

// Total returns the number of results counted.
func (c Counts) Total() int { return c.Pass + c.Fail + c.Unknown + c.NotApplicable + c.Excepted }

// ControlCounts counts catalog entries by status.
type ControlCounts struct {
	// Met counts entries that are met.
	Met int `json:"met"`
	// NotMet counts entries that are not met.
	NotMet int `json:"not_met"`
	// Partial counts entries that are partially met.
	Partial int `json:"partial"`
	// Unknown counts entries whose evidence could not be seen.
	Unknown int `json:"unknown"`
	// ManualRequired counts entries waiting for manual evidence.
	ManualRequired int `json:"manual_required"`
	// Inherited counts entries inherited from AWS.
	Inherited int `json:"inherited"`
	// NotApplicable counts entries that do not apply.
	NotApplicable int `json:"not_applicable"`
}

// Add counts one entry of status s.
func (c *ControlCounts) Add(s ControlStatus) {
	switch s {
	case ControlMet:
		c.Met++
	case ControlNotMet:
		c.NotMet++
	case ControlPartial:
		c.Partial++
	case ControlUnknown:
		c.Unknown++
	case ControlManualRequired:
		c.ManualRequired++
	case ControlInherited:
		c.Inherited++
	case ControlNotApplicable:
		c.NotApplicable++
	}
}

// Total returns the number of entries counted.
func (c ControlCounts) Total() int {
	return c.Met + c.NotMet + c.Partial + c.Unknown + c.ManualRequired + c.Inherited + c.NotApplicable
}

// Summary counts what an evaluation found.
type Summary struct {
	// Results counts results by status.
	Results Counts `json:"results"`
	// Controls counts catalog entries by status; it always totals 68 for
	// the HIPAA catalog.
	Controls ControlCounts `json:"controls"`
	// Checks is the number of checks evaluated.
	Checks int `json:"checks"`
	// NotEvaluated is the number of check ids the evidence cannot decide.
	NotEvaluated int `json:"not_evaluated"`
	// Snapshots is the number of snapshots in the run.
	Snapshots int `json:"snapshots"`
	// Gaps is the number of evidence gaps (missing, errored or partial).
	Gaps int `json:"gaps"`
	// OwnershipGaps is the number of catalog entries with a missing owner.
	OwnershipGaps int `json:"ownership_gaps"`
	// ExceptionsActive counts in-date exceptions that matched a failure.
	ExceptionsActive int `json:"exceptions_active"`
	// ExceptionsExpired counts exceptions past their expiry date.
	ExceptionsExpired int `json:"exceptions_expired"`
	// ExceptionsUnmatched counts in-date exceptions that matched no failure.
	ExceptionsUnmatched int `json:"exceptions_unmatched"`
}

// Scope is what the run covered.
type Scope struct {
	// Accounts lists the run's accounts, sorted by id.
	Accounts []ScopeAccount `json:"accounts"`
	// Regions lists the regions requested, as in the run manifest.
	Regions []string `json:"regions"`
}

// ScopeAccount is one account in scope.
type ScopeAccount struct {
	// AccountID is the 12-digit account id.
	AccountID string `json:"account_id"`
	// Name is the account's name, if known.
	Name string `json:"name,omitempty"`
	// Error says why the account could not be reached, if it could not.
	Error string `json:"error,omitempty"`
}

// InputDigests records what an evaluation read, so a re-evaluation can show
// it used the same inputs.
type InputDigests struct {
	// Catalog is the hex SHA-256 of the catalog file.
	Catalog string `json:"catalog"`
	// Checks lists every check file, sorted by source name.
	Checks []FileDigest `json:"checks"`
	// Parameters holds each check's effective parameters, by check id.
	Parameters map[string]map[string]any `json:"parameters"`
	// Ownership is the hex SHA-256 of the ownership file ("" when none).
	Ownership string `json:"ownership"`
	// Exceptions is the hex SHA-256 of the exceptions file ("" when none).
	Exceptions string `json:"exceptions"`
	// PreviousResults is the hex SHA-256 of the previous period's
	// results.json ("" when none).
	PreviousResults string `json:"previous_results"`
}

// FileDigest names one input file and its digest.
type FileDigest struct {
	// Name is the file's source name, e.g. "builtin/iam_root_mfa_enabled.yaml".
	Name string `json:"name"`
	// SHA256 is the hex SHA-256 of its bytes.
	SHA256 string `json:"sha256"`
}

// CheckInfo describes one evaluated check.
type CheckInfo struct {
	// ID is the check id.
	ID string `json:"id"`
	// Title is a one-line description.
	Title string `json:"title"`
	// Source names the check file (e.g. "builtin/s3_bucket_versioning.yaml"
	// or "plugin/<name>/checks.yaml").
	Source string `json:"source"`
	// Evidence lists the evidence kinds the check reads.
	Evidence []string `json:"evidence"`
	// Joins lists kinds read only for lookups across accounts and regions.
	Joins []string `json:"joins,omitempty"`
	// Scope is resource, account or organization.
	Scope string `json:"scope"`
	// Citations are the catalog ids it supports.
	Citations []string `json:"citations"`
	// CitationBasis is "public_mapping" when the citations come from public
	// mappings, or "project_judgement" when they are this project's own.
	CitationBasis string `json:"citation_basis"`
	// Severity is critical, high, medium or low.
	Severity string `json:"severity"`
	// Remediation says how to fix a failure.
	Remediation string `json:"remediation"`
	// Conditions are the check's CEL expressions, by field name
	// (for_each, resource, applies, pass, ...).
	Conditions map[string]string `json:"conditions"`
	// Params holds the effective parameters.
	Params map[string]any `json:"params"`
	// Counts counts the check's results.
	Counts Counts `json:"counts"`
}

// NotEvaluated is a check id the collected evidence cannot decide.
type NotEvaluated struct {
	// ID is the check id from the public mapping.
	ID string `json:"id"`
	// Title describes the check.
	Title string `json:"title"`
	// Citations are the catalog ids the check would support.
	Citations []string `json:"citations"`
	// Reason says why it is not evaluated.
	Reason string `json:"reason"`
}

// Control is the status of one catalog entry.
type Control struct {
	// ID is the CFR citation, e.g. "164.312(a)(2)(iv)".
	ID string `json:"id"`
	// Title is the entry's title.
	Title string `json:"title"`
	// Parent is the standard a specification belongs to ("" for standards).
	Parent string `json:"parent,omitempty"`
	// Section is the CFR section, e.g. "164.312".
	Section string `json:"section"`
	// Safeguard is administrative, physical, technical, organizational or
	// documentation.
	Safeguard string `json:"safeguard"`
	// Kind is standard or implementation_specification.
	Kind string `json:"kind"`
	// Requirement is required, addressable or n/a (standards).
	Requirement string `json:"requirement"`
	// Status is the entry's status.
	Status ControlStatus `json:"status"`
	// Reason says why, in plain words.
	Reason string `json:"reason"`
	// Checks lists the checks citing the entry with their counts as seen
	// from this entry (control-level exceptions applied), sorted by id.
	Checks []ControlCheck `json:"checks"`
	// Children lists the implementation specifications of a standard.
	Children []string `json:"children,omitempty"`
	// NotEvaluated lists check ids citing the entry that the evidence
	// cannot decide.
	NotEvaluated []string `json:"not_evaluated,omitempty"`
	// Owners is the entry's row of the ownership matrix.
	Owners Owners `json:"owners"`
	// Exceptions lists the ids of exceptions that apply to the entry or to
	// its checks, sorted.
	Exceptions []string `json:"exceptions"`
	// ManualEvidence says whether people-process evidence is needed and
	// what is attached.
	ManualEvidence ManualRequirement `json:"manual_evidence"`
}

// ControlCheck is one check as it counts towards one catalog entry.
type ControlCheck struct {
	// CheckID is the check id.
	CheckID string `json:"check_id"`
	// Title is the check's title.
	Title string `json:"title"`
	// Status aggregates the check's results for this entry: fail if any
	// fails, else unknown if any is unknown, else excepted if any is
	// excepted, else pass if any passes, else not_applicable.
	Status ResultStatus `json:"status"`
	// CitationBasis is public_mapping or project_judgement.
	CitationBasis string `json:"citation_basis"`
	// Counts counts the check's results for this entry.
	Counts Counts `json:"counts"`
	// FailedActions lists the API actions that made results unknown.
	FailedActions []string `json:"failed_actions,omitempty"`
}

// Owners is one row of the ownership matrix.
type Owners struct {
	// Responsibility is customer, aws or shared.
	Responsibility string `json:"responsibility"`
	// Build names who implements the safeguard.
	Build string `json:"build"`
	// Monitor names who checks it keeps working.
	Monitor string `json:"monitor"`
	// Exceptions names who decides exceptions.
	Exceptions string `json:"exceptions"`
	// EvidenceSources lists where evidence for the entry comes from.
	EvidenceSources []string `json:"evidence_sources"`
	// NotApplicable is the documented justification when the entry does not
	// apply ("" otherwise).
	NotApplicable string `json:"not_applicable,omitempty"`
	// Gaps lists the missing roles ("build", "monitor", "exceptions"), or
	// "not in ownership matrix".
	Gaps []string `json:"gaps,omitempty"`
}

// OwnershipGap is a catalog entry with missing owners.
type OwnershipGap struct {
	// ControlID is the catalog entry.
	ControlID string `json:"control_id"`
	// Missing lists what is missing.
	Missing []string `json:"missing"`
}

// ManualRequirement says what people-process evidence an entry needs.
type ManualRequirement struct {
	// Required is true when the entry needs attached evidence.
	Required bool `json:"required"`
	// Description says what evidence is expected.
	Description string `json:"description,omitempty"`
	// State is not_required, missing, valid or expired.
	State string `json:"state"`
	// Attachments lists the ids of attachments for the entry, sorted.
	Attachments []string `json:"attachments"`
}

// Manual evidence states.
const (
	// ManualNotRequired means the entry needs no attached evidence.
	ManualNotRequired = "not_required"
	// ManualMissing means nothing is attached.
	ManualMissing = "missing"
	// ManualValid means an in-date attachment exists.
	ManualValid = "valid"
	// ManualExpired means attachments exist but all are out of date.
	ManualExpired = "expired"
)

// ManualEvidence is one attached document as considered by an evaluation.
type ManualEvidence struct {
	// ID is the attachment id.
	ID string `json:"id"`
	// Control is the catalog entry it evidences.
	Control string `json:"control"`
	// FileName is the document's base name.
	FileName string `json:"file_name"`
	// SHA256 is the hex SHA-256 of the document.
	SHA256 string `json:"sha256"`
	// Size is the document's size in bytes.
	Size int64 `json:"size"`
	// Note is the free text given at attach time.
	Note string `json:"note,omitempty"`
	// AttachedAt is when it was attached.
	AttachedAt time.Time `json:"attached_at"`
	// ValidUntil is the last day it counts (YYYY-MM-DD), "" for no expiry.
	ValidUntil string `json:"valid_until,omitempty"`
	// KeyID is the key that signed its metadata.
	KeyID string `json:"key_id"`
	// State is valid or expired at the evaluation clock.
	State string `json:"state"`
}

// ExceptionState is one exception of the register as applied.
type ExceptionState struct {
	// ID is the exception id.
	ID string `json:"id"`
	// Check is the check id it covers ("" when it covers a control).
	Check string `json:"check,omitempty"`
	// Control is the catalog entry it covers ("" when it covers a check).
	Control string `json:"control,omitempty"`
	// Accounts limits it to these accounts (empty: all).
	Accounts []string `json:"accounts"`
	// Regions limits it to these regions (empty: all).
	Regions []string `json:"regions"`
	// Resources limits it to resources matching these patterns (empty: all).
	Resources []string `json:"resources"`
	// Justification says why the risk is accepted.
	Justification string `json:"justification"`
	// Owner is who owns the risk.
	Owner string `json:"owner"`
	// ApprovedBy is who approved it.
	ApprovedBy string `json:"approved_by"`
	// ExpiresAt is the last day it applies (YYYY-MM-DD).
	ExpiresAt string `json:"expires_at"`
	// State is active, expired or unmatched.
	State string `json:"state"`
	// Matched counts the failing results it covers (or, when expired,
	// would have covered).
	Matched int `json:"matched"`
	// Flag explains an expired or unmatched exception ("" when active).
	Flag string `json:"flag,omitempty"`
}

// Exception states.
const (
	// ExceptionActive means in date and covering at least one failure.
	ExceptionActive = "active"
	// ExceptionExpired means past expires_at: it lapses and covers nothing.
	ExceptionExpired = "expired"
	// ExceptionUnmatched means in date but matching no failing result.
	ExceptionUnmatched = "unmatched"
)

// EvidenceEntry indexes one snapshot.
type EvidenceEntry struct {
	// Digest is the snapshot's hex SHA-256.
	Digest string `json:"digest"`
	// Kind is the evidence kind.
	Kind string `json:"kind"`
	// Collector is the collector name.
	Collector string `json:"collector"`
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Region is the region or "global".
	Region string `json:"region"`
	// CollectedAt is when it was collected.
	CollectedAt time.Time `json:"collected_at"`
	// Status is ok, partial or error.
	Status string `json:"status"`
	// FailedActions lists the actions that failed, sorted.
	FailedActions []string `json:"failed_actions,omitempty"`
}

// Gap is evidence that could not be seen.
type Gap struct {
	// Kind is the evidence kind.
	Kind string `json:"kind"`
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Region is the region or "global".
	Region string `json:"region"`
	// State is missing, error or partial.
	State string `json:"state"`
	// FailedActions lists the failed actions with their error codes, e.g.
	// "iam:GetCredentialReport (AccessDenied)", sorted.
	FailedActions []string `json:"failed_actions"`
	// Evidence is the snapshot's digest ("" when missing).
	Evidence string `json:"evidence,omitempty"`
}

// Changes compares an evaluation with the previous period's.
type Changes struct {
	// PreviousPeriod is the period compared with.
	PreviousPeriod string `json:"previous_period"`
	// PreviousRunID is the run of the previous results.
	PreviousRunID string `json:"previous_run_id"`
	// NewFailures are results failing now that did not fail before.
	NewFailures []ResultChange `json:"new_failures"`
	// ResolvedFailures are results that failed before and now pass or no
	// longer apply.
	ResolvedFailures []ResultChange `json:"resolved_failures"`
	// NewResources are resources seen now but not before.
	NewResources []ResourceRef `json:"new_resources"`
	// RemovedResources are resources seen before but not now.
	RemovedResources []ResourceRef `json:"removed_resources"`
	// LapsedExceptions are exceptions that were in date before and have
	// expired now, sorted.
	LapsedExceptions []string `json:"lapsed_exceptions"`
	// ControlChanges lists catalog entries whose status changed.
	ControlChanges []ControlChange `json:"control_changes"`
}

// ResultChange is one result whose status changed between periods.
type ResultChange struct {
	// CheckID is the check.
	CheckID string `json:"check_id"`
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Region is the region.
	Region string `json:"region"`
	// ResourceID is the resource.
	ResourceID string `json:"resource_id"`
	// Previous is the status before ("" when the result is new).
	Previous ResultStatus `json:"previous"`
	// Current is the status now ("" when the result is gone).
	Current ResultStatus `json:"current"`
}

// ResourceRef names one resource.
type ResourceRef struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Region is the region.
	Region string `json:"region"`
	// ResourceID is the resource.
	ResourceID string `json:"resource_id"`
}

// ControlChange is a catalog entry whose status changed.
type ControlChange struct {
	// ID is the catalog entry.
	ID string `json:"id"`
	// Previous is the status before.
	Previous ControlStatus `json:"previous"`
	// Current is the status now.
	Current ControlStatus `json:"current"`
}

// Encode returns the canonical bytes of r: indented JSON with no HTML
// escaping and a final newline. The same Results always encode to the same
// bytes.
func (r *Results) Encode() ([]byte, error) {
	b, err := evidence.EncodeJSON(r)
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return b, nil
}

// maxResultsSize bounds a results.json read back (previous period, bundle):
// 100,000 results of a few hundred bytes each fit comfortably.
const maxResultsSize = 1 << 30

// DecodeResults parses results.json strictly (unknown fields rejected).
func DecodeResults(b []byte) (*Results, error) {
	if len(b) > maxResultsSize {
		return nil, fmt.Errorf("decode results: %d bytes is over the %d byte limit", len(b), maxResultsSize)
	}
	var r Results
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode results: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("decode results: trailing data")
	}
	if r.Schema != ResultsSchema {
		return nil, fmt.Errorf("decode results: schema %q, want %q", r.Schema, ResultsSchema)
	}
	return &r, nil
}
