package reportstest

import (
	"encoding/json"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// Dig1 and Dig2 are digests used by Results: Dig1 names the S3 snapshot
// and an attachment, Dig2 the signing key.
const (
	Dig1 = "1111111111111111111111111111111111111111111111111111111111111111"
	Dig2 = "2222222222222222222222222222222222222222222222222222222222222222"
)

const (
	acctA = ProdAccount
	acctB = StagingAccount
	dig1  = Dig1
	dig2  = Dig2
)

// Results returns an evaluation shaped like results.json: three
// catalog entries, two checks, a failing, an unknown and an excepted
// result, an attachment, exceptions and a comparison with the previous
// period.
func Results() *controls.Results {
	at := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
	return &controls.Results{
		Schema: controls.ResultsSchema, Period: "2026-Q4", RunID: "2026-Q4_20261231T230000Z_abcdef", Organization: "Example Clinic",
		EvaluatedAt: at, KeyID: dig2, DemoKey: true,
		Scope: controls.Scope{Accounts: []controls.ScopeAccount{{AccountID: acctA, Name: "prod"}, {AccountID: acctB, Name: "lost", Error: "sts:AssumeRole: AccessDenied"}},
			Regions: []string{"us-east-1"}},
		Checks: []controls.CheckInfo{
			{ID: "s3_bucket_versioning", Title: "Bucket versioning is enabled", Evidence: []string{"aws.s3.buckets"}, Citations: []string{"164.308(a)(7)(ii)(A)"},
				Severity: "medium", Remediation: "Enable versioning.", Counts: controls.Counts{Pass: 1, Fail: 1, Excepted: 1}},
			{ID: "cloudtrail_enabled", Title: "CloudTrail is logging", Evidence: []string{"aws.cloudtrail.trails"}, Citations: []string{"164.312(b)"},
				Severity: "high", Counts: controls.Counts{Unknown: 1}},
		},
		NotEvaluated: []controls.NotEvaluated{{ID: "iam_workforce_federation", Title: "Workforce access is federated", Reason: "no public mapping"}},
		Results: []controls.Result{
			{CheckID: "cloudtrail_enabled", AccountID: acctB, Region: "us-east-1", ResourceID: acctB, Status: controls.StatusUnknown,
				Citations: []string{"164.312(b)"}, Detail: "account not reached", FailedActions: []string{"sts:AssumeRole"}},
			{CheckID: "s3_bucket_versioning", AccountID: acctA, Region: "us-east-1", ResourceID: "arn:aws:s3:::a", Status: controls.StatusFail,
				Citations: []string{"164.308(a)(7)(ii)(A)"}, Evidence: []string{dig1}, Detail: "versioning is off"},
			{CheckID: "s3_bucket_versioning", AccountID: acctA, Region: "us-east-1", ResourceID: "arn:aws:s3:::b", Status: controls.StatusExcepted,
				Citations: []string{"164.308(a)(7)(ii)(A)"}, Evidence: []string{dig1}, ExceptionID: "EX-1"},
			{CheckID: "s3_bucket_versioning", AccountID: acctA, Region: "us-east-1", ResourceID: "arn:aws:s3:::c", Status: controls.StatusPass,
				Citations: []string{"164.308(a)(7)(ii)(A)"}, Evidence: []string{dig1}},
		},
		Controls: []controls.Control{
			{ID: "164.308(a)(7)(ii)(A)", Title: "Data backup plan", Parent: "164.308(a)(7)", Section: "164.308", Safeguard: "administrative",
				Kind: "implementation_specification", Requirement: "required", Status: controls.ControlNotMet, Reason: "s3_bucket_versioning fails for 1 resource",
				Checks: []controls.ControlCheck{{CheckID: "s3_bucket_versioning", Status: controls.StatusFail, Counts: controls.Counts{Pass: 1, Fail: 1, Excepted: 1}}},
				Owners: controls.Owners{Responsibility: "customer", Build: "Platform", Monitor: "SecOps", Exceptions: "CISO"}, Exceptions: []string{"EX-1"},
				ManualEvidence: controls.ManualRequirement{State: controls.ManualNotRequired}},
			{ID: "164.310(a)(1)", Title: "Facility access controls", Section: "164.310", Safeguard: "physical", Kind: "standard", Requirement: "n/a",
				Status: controls.ControlInherited, Reason: "AWS's report is attached and in date",
				Owners:         controls.Owners{Responsibility: "aws", Build: "AWS", Monitor: "Compliance", Exceptions: "CISO"},
				ManualEvidence: controls.ManualRequirement{Required: true, State: controls.ManualValid, Attachments: []string{"att-1", "att-2"}}},
			{ID: "164.312(b)", Title: "Audit controls", Section: "164.312", Safeguard: "technical", Kind: "standard", Requirement: "n/a",
				Status: controls.ControlUnknown, Reason: "cloudtrail_enabled is unknown for 1 account",
				Checks: []controls.ControlCheck{{CheckID: "cloudtrail_enabled", Status: controls.StatusUnknown, Counts: controls.Counts{Unknown: 1},
					FailedActions: []string{"sts:AssumeRole"}}},
				Owners:         controls.Owners{Responsibility: "customer", Build: "Platform", Gaps: []string{"monitor", "exceptions"}},
				ManualEvidence: controls.ManualRequirement{State: controls.ManualNotRequired}},
		},
		Exceptions: []controls.ExceptionState{
			{ID: "EX-1", Check: "s3_bucket_versioning", Resources: []string{"arn:aws:s3:::b"}, Justification: "archive", Owner: "Platform",
				ApprovedBy: "CISO", ExpiresAt: "2027-03-31", State: controls.ExceptionActive, Matched: 1},
			{ID: "EX-0", Control: "164.312(b)", Justification: "old", Owner: "Platform", ApprovedBy: "CISO", ExpiresAt: "2026-11-30",
				State: controls.ExceptionExpired, Flag: "expired on 2026-11-30"},
		},
		ManualEvidence: []controls.ManualEvidence{
			{ID: "att-1", Control: "164.310(a)(1)", FileName: "soc2-2026.pdf", SHA256: dig1, AttachedAt: at.Add(-48 * time.Hour), ValidUntil: "2027-09-30", State: controls.ManualValid},
			{ID: "att-2", Control: "164.310(a)(1)", FileName: "soc2-2025.pdf", SHA256: dig2, AttachedAt: at.Add(-400 * 24 * time.Hour), ValidUntil: "2025-12-31", State: controls.ManualExpired},
		},
		Evidence: []controls.EvidenceEntry{
			{Digest: dig1, Kind: "aws.s3.buckets", Collector: "s3", AccountID: acctA, Region: "us-east-1", CollectedAt: at, Status: "ok"},
		},
		Gaps: []controls.Gap{{Kind: "aws.cloudtrail.trails", AccountID: acctB, Region: "us-east-1", State: "missing", FailedActions: []string{"sts:AssumeRole (AccessDenied)"}}},
		Changes: &controls.Changes{
			PreviousPeriod: "2026-Q3", PreviousRunID: "2026-Q3_20260930T230000Z_123456",
			NewFailures:      []controls.ResultChange{{CheckID: "s3_bucket_versioning", AccountID: acctA, Region: "us-east-1", ResourceID: "arn:aws:s3:::a", Previous: controls.StatusPass, Current: controls.StatusFail}},
			RemovedResources: []controls.ResourceRef{{AccountID: acctA, Region: "us-east-1", ResourceID: "arn:aws:s3:::old"}},
			LapsedExceptions: []string{"EX-0"},
			ControlChanges:   []controls.ControlChange{{ID: "164.308(a)(7)(ii)(A)", Previous: controls.ControlMet, Current: controls.ControlNotMet}},
		},
	}
}

// ServicesPayload returns an aws.scope.services payload for the accounts of
// Results.
func ServicesPayload() json.RawMessage {
	// Shaped as docs/evidence/scope.md documents aws.scope.services.
	return json.RawMessage(`{
  "cost_explorer_view": "organization",
  "eligible_list": {"title": "AWS HIPAA Eligible Services Reference", "version": 2, "list_date": "2026-05-22",
    "verified_on": "2026-11-29", "stale": true, "warning": "The eligible-services list was verified 200 days ago.", "source_url": "https://aws.amazon.com/compliance/hipaa-eligible-services-reference/"},
  "accounts": [{"account_id": "111111111111", "visible": true}, {"account_id": "222222222222", "visible": false}],
  "services": [
    {"account_id": "111111111111", "service": "Amazon Simple Storage Service", "eligibility": "eligible", "eligible": true, "matched_entries": ["Amazon S3"], "match": "cost_explorer_name"},
    {"account_id": "111111111111", "service": "Amazon Relational Database Service", "eligibility": "eligible", "eligible": true, "matched_entries": ["Amazon RDS"], "qualifiers": ["MySQL, PostgreSQL engines"]},
    {"account_id": "111111111111", "service": "Amazon Lightsail", "eligibility": "unknown", "eligible": false, "reason": "matches no entry of the list"}
  ]
}`)
}
