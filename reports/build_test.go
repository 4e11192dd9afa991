package reports_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	. "github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

func TestBuildMapsResults(t *testing.T) {
	r := reportstest.Results()
	m := &locker.Manifest{Accounts: []locker.AccountEntry{{AccountID: reportstest.ProdAccount, Access: "caller"}},
		Snapshots: []locker.SnapshotEntry{{Digest: reportstest.Dig1, Path: "objects/sha256/11/" + reportstest.Dig1 + ".json"}}}
	gen := time.Date(2027, 1, 2, 3, 4, 5, 999, time.UTC)
	p, err := Build(BuildInput{Results: r, Manifest: m, Services: []json.RawMessage{reportstest.ServicesPayload()},
		Summaries: map[string]string{"164.312(b)": "Record and examine activity."}, ToolVersion: "v1.2.3", GeneratedAt: gen})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatalf("built package is invalid: %v", err)
	}
	t.Run("cover", func(t *testing.T) {
		if p.Organization != "Example Clinic" || p.Period != "2026-Q4" || p.RunID != r.RunID || p.Key.ID != reportstest.Dig2 || !p.Key.Demo ||
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
		want := []string{"unknown " + reportstest.StagingAccount, "fail arn:aws:s3:::a", "excepted arn:aws:s3:::b", "pass arn:aws:s3:::c"}
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
		if len(p.Evidence) != 1 || p.Evidence[0].Path != "objects/sha256/11/"+reportstest.Dig1+".json" || len(p.Gaps) != 1 || p.Gaps[0].State != "missing" {
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
	p, err := Build(BuildInput{Results: reportstest.Results()})
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
		{"bad services payload", BuildInput{Results: reportstest.Results(), Services: []json.RawMessage{json.RawMessage(`{"services": 7}`)}}},
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
