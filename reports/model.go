package reports

import (
	"iter"
	"slices"
	"time"
)

// PackageSchema is the value of Package.Schema for the model this version
// writes.
const PackageSchema = "hipaa-evidence/report-package/v1"

// Package is everything a report shows about one audit period. Renderers
// read nothing else. Slices are in presentation order: Controls in catalog
// order, Findings by check, account, region and resource, Evidence by kind,
// account and region.
type Package struct {
	// Schema is PackageSchema.
	Schema string `json:"schema"`
	// Organization is the name the report is made for, e.g. "Example Health".
	Organization string `json:"organization"`
	// Period is the audit period, e.g. "2026-Q4".
	Period string `json:"period"`
	// PeriodStart is the first instant of the period (UTC).
	PeriodStart time.Time `json:"period_start"`
	// PeriodEnd is the first instant after the period (UTC).
	PeriodEnd time.Time `json:"period_end"`
	// GeneratedAt is when the report was generated (UTC).
	GeneratedAt time.Time `json:"generated_at"`
	// ToolVersion is the version of hipaa-evidence that generated it.
	ToolVersion string `json:"tool_version"`
	// RunID is the collection run the evidence comes from.
	RunID string `json:"run_id"`
	// Key identifies the key that signed the evidence.
	Key SigningKey `json:"signing_key"`
	// Regulation names the rule the catalog comes from.
	Regulation string `json:"regulation"`
	// Notes are warnings a reader must see before trusting the report (a
	// demo key, a stale eligibility list, evidence gaps), most severe first.
	Notes []Note `json:"notes"`
	// Scope is what was examined.
	Scope Scope `json:"scope"`
	// Controls holds every catalog entry (all 68 for the HIPAA Security
	// Rule), in catalog order, each with its status.
	Controls []Control `json:"controls"`
	// Checks holds every check that was evaluated, sorted by id, with its
	// result counts.
	Checks []Check `json:"checks"`
	// Findings holds one result per check × resource. When FindingSource is
	// set it is ignored; use AllFindings to read findings.
	Findings []Finding `json:"findings"`
	// Exceptions is the exceptions register as applied, sorted by id.
	Exceptions []Exception `json:"exceptions"`
	// NotEvaluated lists the checks the collected evidence cannot decide.
	NotEvaluated []NotEvaluated `json:"not_evaluated"`
	// Evidence indexes every snapshot the results were computed from.
	Evidence []EvidenceItem `json:"evidence"`
	// Gaps lists the evidence that could not be seen.
	Gaps []Gap `json:"gaps"`
	// Changes is the change since the previous period.
	Changes Changes `json:"changes"`

	// FindingSource, when set, supplies the findings instead of Findings,
	// for packages too large to hold in memory. Every call must yield the
	// same findings in the same order.
	FindingSource iter.Seq[Finding] `json:"-"`
	// Digest is the package digest: the hex SHA-256 of the JSON package
	// model's bytes (see Digest). It is not part of the model itself; the
	// PDF and XLSX print it.
	Digest string `json:"-"`
}

// AllFindings returns the package's findings: FindingSource when set, else
// the Findings slice.
func (p *Package) AllFindings() iter.Seq[Finding] {
	if p.FindingSource != nil {
		return p.FindingSource
	}
	return slices.Values(p.Findings)
}

// SigningKey identifies the evidence signing key.
type SigningKey struct {
	// ID is the key's fingerprint: the hex SHA-256 of its DER
	// SubjectPublicKeyInfo (compare it with the fingerprint given out of band).
	ID string `json:"id"`
	// Demo is true when the evidence was signed with a throwaway demo key.
	Demo bool `json:"demo"`
}

// NoteLevel says how much a note matters.
type NoteLevel string

// The note levels.
const (
	// NoteWarning means the reader must take the note into account.
	NoteWarning NoteLevel = "warning"
	// NoteInfo is context.
	NoteInfo NoteLevel = "info"
)

// Note is a warning or remark shown at the top of the report.
type Note struct {
	// Level is warning or info.
	Level NoteLevel `json:"level"`
	// Text is one or two sentences.
	Text string `json:"text"`
}

// Scope is what the evidence covers.
type Scope struct {
	// Accounts lists every AWS account in scope.
	Accounts []Account `json:"accounts"`
	// Regions lists the regions collected.
	Regions []string `json:"regions"`
	// Services lists the AWS services in use during the period, sorted by
	// name, with their HIPAA eligibility.
	Services []Service `json:"services"`
	// EligibleList describes the HIPAA-eligible services list used.
	EligibleList EligibleList `json:"eligible_list"`
}

// Account is one AWS account in scope.
type Account struct {
	// ID is the 12-digit account id.
	ID string `json:"id"`
	// Name is the account's name in the organization, if known.
	Name string `json:"name,omitempty"`
	// Access says how the account was reached ("caller", "assume-role ARN").
	Access string `json:"access"`
	// Error is set when the account could not be reached.
	Error string `json:"error,omitempty"`
	// ServiceUsage says whether Cost Explorer showed the account's services
	// in use: "visible", or "unknown" (never "none"); empty when no
	// service-scope evidence was collected.
	ServiceUsage string `json:"service_usage,omitempty"`
}

// Eligibility says whether a service is on the HIPAA-eligible list.
type Eligibility string

// The eligibility values.
const (
	// Eligible means the service is on the list.
	Eligible Eligibility = "eligible"
	// NotEligible means the service is not on the list.
	NotEligible Eligibility = "not_eligible"
	// EligibilityUnknown means the service could not be matched to the list.
	EligibilityUnknown Eligibility = "unknown"
)

// Service is one AWS service in use.
type Service struct {
	// Name is the service name as Cost Explorer reports it.
	Name string `json:"name"`
	// Eligibility says whether it is on the HIPAA-eligible list.
	Eligibility Eligibility `json:"eligibility"`
	// ListedAs is the name on the eligible list it matched, if any.
	ListedAs string `json:"listed_as,omitempty"`
	// Accounts lists the accounts that used it, sorted.
	Accounts []string `json:"accounts"`
	// Note explains a match or a doubt.
	Note string `json:"note,omitempty"`
}

// EligibleList describes the HIPAA-eligible services list a report used.
type EligibleList struct {
	// Title is the list's title.
	Title string `json:"title"`
	// Date is the date the list carries (YYYY-MM-DD).
	Date string `json:"date"`
	// Source says where the copy came from.
	Source string `json:"source"`
	// Stale is true when the list is older than the tool accepts without a
	// warning.
	Stale bool `json:"stale"`
}

// Control is one catalog entry and its status for the period.
type Control struct {
	// ID is the CFR citation, e.g. "164.312(a)(2)(iv)".
	ID string `json:"id"`
	// Parent is the standard an implementation specification belongs to.
	Parent string `json:"parent,omitempty"`
	// Title is the entry's title, e.g. "Encryption and decryption".
	Title string `json:"title"`
	// Safeguard is administrative, physical, technical, organizational or
	// documentation.
	Safeguard string `json:"safeguard"`
	// Kind is standard or implementation_specification.
	Kind string `json:"kind"`
	// Requirement is required, addressable, or n/a for standards.
	Requirement string `json:"requirement"`
	// Summary is a plain-language paraphrase of the entry.
	Summary string `json:"summary"`
	// Status is the entry's status for the period.
	Status ControlStatus `json:"status"`
	// Reason says why it has that status.
	Reason string `json:"reason"`
	// PreviousStatus is the status in the previous period, empty when there
	// was none.
	PreviousStatus ControlStatus `json:"previous_status,omitempty"`
	// Checks lists the checks that cite this entry, sorted by id, with
	// their results as seen from this entry (exceptions on the entry
	// applied).
	Checks []ControlCheck `json:"checks"`
	// NotEvaluated lists the ids of checks citing this entry that the
	// collected evidence cannot decide (see Package.NotEvaluated).
	NotEvaluated []string `json:"not_evaluated"`
	// Owners is the entry's row of the ownership matrix.
	Owners Owners `json:"owners"`
	// Exceptions lists the ids of exceptions that apply to this entry or its
	// checks.
	Exceptions []string `json:"exceptions"`
	// ManualEvidence lists the documents attached to this entry.
	ManualEvidence []Attachment `json:"manual_evidence"`
}

// ControlCheck is one check as it counts towards one catalog entry.
type ControlCheck struct {
	// ID is the check id; Package.Checks describes it.
	ID string `json:"id"`
	// Status aggregates its results for the entry: fail if any fails, else
	// unknown, else excepted, else pass, else not_applicable.
	Status ResultStatus `json:"status"`
	// Counts counts its results for the entry.
	Counts Counts `json:"counts"`
	// FailedActions lists the API actions that made results unknown.
	FailedActions []string `json:"failed_actions"`
}

// NotEvaluated is a check the collected evidence cannot decide. It is
// listed, never silently dropped.
type NotEvaluated struct {
	// ID is the check id.
	ID string `json:"id"`
	// Title describes the check.
	Title string `json:"title"`
	// Citations lists the catalog entries it would support.
	Citations []string `json:"citations"`
	// Reason says why it cannot be decided.
	Reason string `json:"reason"`
}

// Gap is evidence that could not be seen: a snapshot missing, errored or
// partial.
type Gap struct {
	// Kind is the evidence kind.
	Kind string `json:"kind"`
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Region is the region or "global".
	Region string `json:"region"`
	// State is missing, error or partial.
	State string `json:"state"`
	// FailedActions lists the failed API actions with their error codes.
	FailedActions []string `json:"failed_actions"`
	// Evidence is the snapshot's digest, empty when missing.
	Evidence string `json:"evidence,omitempty"`
}

// Owners is one row of the ownership matrix.
type Owners struct {
	// Build is who implements the safeguard.
	Build string `json:"build"`
	// Monitor is who watches that it keeps working.
	Monitor string `json:"monitor"`
	// Exceptions is who handles exceptions to it.
	Exceptions string `json:"exceptions"`
	// Responsibility is customer, aws or shared; empty when not declared.
	Responsibility string `json:"responsibility"`
	// EvidenceSources lists where evidence for it comes from.
	EvidenceSources []string `json:"evidence_sources"`
	// Gaps names the roles with no owner ("build", "monitor", "exceptions",
	// "responsibility"); empty when the row is complete.
	Gaps []string `json:"gaps"`
}

// Attachment is a manual evidence document attached to a control.
type Attachment struct {
	// Name is the document's file name.
	Name string `json:"name"`
	// Digest is the hex SHA-256 of the document.
	Digest string `json:"digest"`
	// Note is the attacher's description.
	Note string `json:"note,omitempty"`
	// AttachedAt is when it was attached (UTC).
	AttachedAt time.Time `json:"attached_at"`
	// ValidUntil is when it stops counting as evidence; zero when open-ended.
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// Expired is true when ValidUntil is before the end of the period.
	Expired bool `json:"expired"`
}

// Check is one evaluated check and its result counts.
type Check struct {
	// ID is the check id, e.g. "iam_user_mfa_enabled".
	ID string `json:"id"`
	// Title is the check's title.
	Title string `json:"title"`
	// Severity is the check's severity (e.g. high, medium, low).
	Severity string `json:"severity,omitempty"`
	// Evidence lists the snapshot kinds it reads.
	Evidence []string `json:"evidence"`
	// Citations lists the catalog entries it supports.
	Citations []string `json:"citations"`
	// Remediation says how to fix a failure.
	Remediation string `json:"remediation,omitempty"`
	// Counts counts its results by status.
	Counts Counts `json:"counts"`
}

// Counts counts results by status.
type Counts struct {
	// Pass counts passing results.
	Pass int `json:"pass"`
	// Fail counts failing results.
	Fail int `json:"fail"`
	// Unknown counts results that could not be decided.
	Unknown int `json:"unknown"`
	// NotApplicable counts results that did not apply.
	NotApplicable int `json:"not_applicable"`
	// Excepted counts failing results covered by a valid exception.
	Excepted int `json:"excepted"`
}

// Total returns the number of results counted.
func (c Counts) Total() int { return c.Pass + c.Fail + c.Unknown + c.NotApplicable + c.Excepted }

// Add counts one result of status s.
func (c *Counts) Add(s ResultStatus) {
	switch s {
	case Pass:
		c.Pass++
	case Fail:
		c.Fail++
	case NotApplicable:
		c.NotApplicable++
	case Excepted:
		c.Excepted++
	default:
		c.Unknown++
	}
}

// Finding is the result of one check for one resource.
type Finding struct {
	// CheckID is the check.
	CheckID string `json:"check_id"`
	// AccountID is the account the resource is in.
	AccountID string `json:"account_id"`
	// Region is the resource's region or "global".
	Region string `json:"region"`
	// ResourceID identifies the resource (an ARN where one exists).
	ResourceID string `json:"resource_id"`
	// Status is pass, fail, unknown, not_applicable or excepted.
	Status ResultStatus `json:"status"`
	// Citations lists the catalog entries the check supports.
	Citations []string `json:"citations"`
	// Evidence lists the digests of the snapshots the result was computed from.
	Evidence []string `json:"evidence"`
	// Detail says what was seen, in one sentence.
	Detail string `json:"detail,omitempty"`
	// FailedActions names the API actions whose failure made an unknown
	// result unknown.
	FailedActions []string `json:"failed_actions,omitempty"`
	// ExceptionID names the exception that covers the result, when excepted.
	ExceptionID string `json:"exception_id,omitempty"`
}

// ExceptionState is the state of an exception in the register.
type ExceptionState string

// The exception states.
const (
	// ExceptionActive is an approved, unexpired exception.
	ExceptionActive ExceptionState = "active"
	// ExceptionExpired is an exception past its expiry date; it has lapsed
	// and covers nothing.
	ExceptionExpired ExceptionState = "expired"
	// ExceptionUnmatched is a valid exception that matches no result.
	ExceptionUnmatched ExceptionState = "unmatched"
)

// Exception is one entry of the exceptions register.
type Exception struct {
	// ID is the exception's id.
	ID string `json:"id"`
	// Check is the check it applies to, if any.
	Check string `json:"check,omitempty"`
	// Control is the catalog entry it applies to, if any.
	Control string `json:"control,omitempty"`
	// Accounts limits it to these accounts; empty means all.
	Accounts []string `json:"accounts"`
	// Regions limits it to these regions; empty means all.
	Regions []string `json:"regions"`
	// Resources limits it to these resources; empty means all.
	Resources []string `json:"resources"`
	// Justification says why the risk is accepted.
	Justification string `json:"justification"`
	// Owner is who owns the risk.
	Owner string `json:"owner"`
	// ApprovedBy is who approved it.
	ApprovedBy string `json:"approved_by"`
	// ExpiresAt is when it lapses.
	ExpiresAt time.Time `json:"expires_at"`
	// State is active, expired or unmatched.
	State ExceptionState `json:"state"`
	// Matched counts the results it covers.
	Matched int `json:"matched"`
	// Flag explains an expired or unmatched exception.
	Flag string `json:"flag,omitempty"`
}

// EvidenceItem is one snapshot in the evidence index.
type EvidenceItem struct {
	// Digest is the hex SHA-256 of the snapshot bytes.
	Digest string `json:"digest"`
	// Kind is the evidence kind, e.g. "aws.iam.credential_report".
	Kind string `json:"kind"`
	// Collector is the collector that produced it.
	Collector string `json:"collector"`
	// AccountID is the account it describes.
	AccountID string `json:"account_id"`
	// Region is its region or "global".
	Region string `json:"region"`
	// CollectedAt is when it was collected (UTC).
	CollectedAt time.Time `json:"collected_at"`
	// Status is ok, partial or error.
	Status string `json:"status"`
	// FailedActions lists the API actions that failed while collecting it.
	FailedActions []string `json:"failed_actions"`
	// Path is its path in the bundle or locker.
	Path string `json:"path"`
}

// ChangeKind names a kind of change since the previous period.
type ChangeKind string

// The change kinds.
const (
	// ChangeNewFailure is a result that fails now and did not before.
	ChangeNewFailure ChangeKind = "new_failure"
	// ChangeResolved is a result that failed before and does not now.
	ChangeResolved ChangeKind = "resolved_failure"
	// ChangeNewResource is a resource seen now and not before.
	ChangeNewResource ChangeKind = "new_resource"
	// ChangeRemovedResource is a resource seen before and not now.
	ChangeRemovedResource ChangeKind = "removed_resource"
	// ChangeLapsedException is an exception that expired since.
	ChangeLapsedException ChangeKind = "lapsed_exception"
	// ChangeStatus is a catalog entry whose status changed.
	ChangeStatus ChangeKind = "status_changed"
)

// Changes is the change since the previous period.
type Changes struct {
	// PreviousPeriod is the period compared with; empty when there was none.
	PreviousPeriod string `json:"previous_period,omitempty"`
	// Items lists the changes, sorted by kind, then subject.
	Items []Change `json:"items"`
}

// Change is one change since the previous period.
type Change struct {
	// Kind is what changed.
	Kind ChangeKind `json:"kind"`
	// Control is the catalog entry concerned, if any.
	Control string `json:"control,omitempty"`
	// CheckID is the check concerned, if any.
	CheckID string `json:"check_id,omitempty"`
	// AccountID is the account concerned, if any.
	AccountID string `json:"account_id,omitempty"`
	// Region is the region concerned, if any.
	Region string `json:"region,omitempty"`
	// ResourceID is the resource concerned, if any.
	ResourceID string `json:"resource_id,omitempty"`
	// Before is the previous status or value.
	Before string `json:"before,omitempty"`
	// After is the current status or value.
	After string `json:"after,omitempty"`
	// Detail explains the change.
	Detail string `json:"detail,omitempty"`
}
