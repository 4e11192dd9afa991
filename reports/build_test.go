package reports

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
	dig1  = "1111111111111111111111111111111111111111111111111111111111111111"
	dig2  = "2222222222222222222222222222222222222222222222222222222222222222"
)

// testResults returns an evaluation shaped like results.json: three
// catalog entries, two checks, a failing, an unknown and an excepted
// result, an attachment, exceptions and a comparison with the previous
// period.
func testResults() *controls.Results {
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

func servicesPayloadJSON(t *testing.T) json.RawMessage {
	t.Helper()
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

func TestBuildMapsResults(t *testing.T) {
	r := testResults()
	m := &locker.Manifest{Accounts: []locker.AccountEntry{{AccountID: acctA, Access: "caller"}},
		Snapshots: []locker.SnapshotEntry{{Digest: dig1, Path: "objects/sha256/11/" + dig1 + ".json"}}}
	gen := time.Date(2027, 1, 2, 3, 4, 5, 999, time.UTC)
	p, err := Build(BuildInput{Results: r, Manifest: m, Services: []json.RawMessage{servicesPayloadJSON(t)},
		Summaries: map[string]string{"164.312(b)": "Record and examine activity."}, ToolVersion: "v1.2.3", GeneratedAt: gen})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatalf("built package is invalid: %v", err)
	}
	t.Run("cover", func(t *testing.T) {
		if p.Organization != "Example Clinic" || p.Period != "2026-Q4" || p.RunID != r.RunID || p.Key.ID != dig2 || !p.Key.Demo ||
			p.ToolVersion != "v1.2.3" || !p.GeneratedAt.Equal(gen.Truncate(time.Second)) {
			t.Fatalf("cover facts wrong: %+v", p)
		}
		if !p.PeriodStart.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || !p.PeriodEnd.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("period bounds %v – %v", p.PeriodStart, p.PeriodEnd)
		}
	})
	t.Run("controls in order with statuses from the results", func(t *testing.T) {
		var ids []string
		for _, c := range p.Controls {
			ids = append(ids, c.ID+"="+string(c.Status))
		}
		want := []string{"164.308(a)(7)(ii)(A)=not_met", "164.310(a)(1)=inherited", "164.312(b)=unknown"}
		if !slices.Equal(ids, want) {
			t.Fatalf("controls = %v, want %v", ids, want)
		}
		b := p.Controls[2]
		if b.Summary != "Record and examine activity." || len(b.Checks) != 1 || b.Checks[0].Status != ResultUnknown ||
			!slices.Equal(b.Checks[0].FailedActions, []string{"sts:AssumeRole"}) || !slices.Equal(b.Owners.Gaps, []string{"monitor", "exceptions"}) {
			t.Fatalf("164.312(b) = %+v", b)
		}
	})
	t.Run("previous statuses", func(t *testing.T) {
		got := []ControlStatus{p.Controls[0].PreviousStatus, p.Controls[1].PreviousStatus, p.Controls[2].PreviousStatus}
		if !slices.Equal(got, []ControlStatus{Met, Inherited, Unknown}) {
			t.Fatalf("previous statuses = %v", got)
		}
	})
	t.Run("manual evidence", func(t *testing.T) {
		me := p.Controls[1].ManualEvidence
		if len(me) != 2 || me[0].Name != "soc2-2026.pdf" || me[0].Expired || !me[0].ValidUntil.Equal(time.Date(2027, 9, 30, 0, 0, 0, 0, time.UTC)) || !me[1].Expired {
			t.Fatalf("manual evidence = %+v", me)
		}
	})
	t.Run("findings in order with failed actions", func(t *testing.T) {
		var got []string
		for f := range p.AllFindings() {
			got = append(got, string(f.Status)+" "+f.ResourceID)
		}
		want := []string{"unknown " + acctB, "fail arn:aws:s3:::a", "excepted arn:aws:s3:::b", "pass arn:aws:s3:::c"}
		if !slices.Equal(got, want) {
			t.Fatalf("findings = %v, want %v", got, want)
		}
	})
	t.Run("scope", func(t *testing.T) {
		if p.Scope.Accounts[0].Access != "caller" || p.Scope.Accounts[0].ServiceUsage != "visible" || p.Scope.Accounts[1].ServiceUsage != "unknown" {
			t.Fatalf("accounts = %+v", p.Scope.Accounts)
		}
		var names []string
		for _, s := range p.Scope.Services {
			names = append(names, s.Name+"="+string(s.Eligibility))
		}
		want := []string{"Amazon Lightsail=unknown", "Amazon Relational Database Service=eligible", "Amazon Simple Storage Service=eligible"}
		if !slices.Equal(names, want) {
			t.Fatalf("services = %v, want %v", names, want)
		}
		if p.Scope.Services[1].Note != "eligible only: MySQL, PostgreSQL engines" || p.Scope.EligibleList.Date != "2026-05-22" || !p.Scope.EligibleList.Stale {
			t.Fatalf("service notes or list = %+v %+v", p.Scope.Services[1], p.Scope.EligibleList)
		}
	})
	t.Run("evidence and gaps", func(t *testing.T) {
		if len(p.Evidence) != 1 || p.Evidence[0].Path != "objects/sha256/11/"+dig1+".json" || len(p.Gaps) != 1 || p.Gaps[0].State != "missing" {
			t.Fatalf("evidence %+v gaps %+v", p.Evidence, p.Gaps)
		}
	})
	t.Run("changes", func(t *testing.T) {
		var kinds []string
		for _, c := range p.Changes.Items {
			kinds = append(kinds, string(c.Kind))
		}
		want := []string{"status_changed", "new_failure", "removed_resource", "lapsed_exception"}
		if p.Changes.PreviousPeriod != "2026-Q3" || !slices.Equal(kinds, want) {
			t.Fatalf("changes = %v (%s), want %v", kinds, p.Changes.PreviousPeriod, want)
		}
		if d := p.Changes.Items[3].Detail; d != "exception EX-0 expired on 2026-11-30" {
			t.Fatalf("lapsed exception detail = %q", d)
		}
	})
	t.Run("notes", func(t *testing.T) {
		var all []string
		for _, n := range p.Notes {
			all = append(all, n.Text)
		}
		text := strings.Join(all, "\n")
		for _, want := range []string{"demo key", "Account 222222222222 could not be reached", "1 evidence snapshot could not be collected",
			"not evaluated", "1 catalog entry has no owner", "Exception EX-0 expired", "verified 200 days ago", "services used by account 222222222222"} {
			if !strings.Contains(text, want) {
				t.Errorf("notes lack %q:\n%s", want, text)
			}
		}
	})
}

func TestBuildWithoutServiceEvidenceSaysUnknown(t *testing.T) {
	p, err := Build(BuildInput{Results: testResults()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Scope.Services) != 0 {
		t.Fatalf("services = %+v", p.Scope.Services)
	}
	found := false
	for _, n := range p.Notes {
		found = found || strings.Contains(n.Text, "services in use and their HIPAA eligibility are unknown")
	}
	if !found {
		t.Fatal("no note says the service scope is unknown")
	}
}

func TestBuildRejects(t *testing.T) {
	cases := []struct {
		name string
		in   BuildInput
	}{
		{"no results", BuildInput{}},
		{"bad period", BuildInput{Results: &controls.Results{Period: "last year"}}},
		{"bad services payload", BuildInput{Results: testResults(), Services: []json.RawMessage{json.RawMessage(`{"services": 7}`)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Build(tc.in); err == nil {
				t.Fatal("Build accepted bad input")
			}
		})
	}
	if _, err := Build(BuildInput{}); !errors.Is(err, ErrInvalidPackage) {
		t.Fatalf("no results: error %v, want ErrInvalidPackage", err)
	}
}
