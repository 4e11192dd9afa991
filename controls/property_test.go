package controls_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// allGoodInputs is the golden organization's management account alone (every
// built-in check passes or does not apply there), with in-date manual
// evidence for every entry that needs it, so every control is met or
// inherited.
func allGoodInputs(t testing.TB, snaps []caseSnapshot) *controls.Inputs {
	t.Helper()
	const acct = "111111111111"
	in := baseInputs(t, []string{acct}, snaps, testRun(acct))
	in.Exceptions = nil
	in.Manual = nil
	for i, e := range in.Catalog.Entries {
		if e.ManualEvidence == "" && (in.Ownership.Entries[e.ID].Responsibility != controls.ResponsibilityAWS || len(e.Children) > 0) {
			continue
		}
		in.Manual = append(in.Manual, controls.ManualEvidence{ID: fmt.Sprintf("20261101T090000Z-%012d", i), Control: e.ID,
			FileName: "evidence.pdf", SHA256: sha64("d"), Size: 1, AttachedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), KeyID: "test"})
	}
	return in
}

// goodSnapshots returns the management account's snapshots, with the scope
// evidence narrowed to that account.
func goodSnapshots(t testing.TB) []caseSnapshot {
	t.Helper()
	_, all := loadFixture(t)
	var out []caseSnapshot
	for _, s := range all {
		if s.Account != "111111111111" {
			continue
		}
		if s.Kind == "aws.scope.services" {
			p := map[string]any{}
			for k, v := range s.Payload {
				p[k] = v
			}
			p["accounts"] = filterAccount(s.Payload["accounts"])
			p["services"] = filterAccount(s.Payload["services"])
			s.Payload = p
		}
		out = append(out, s)
	}
	return out
}

func filterAccount(v any) []any {
	var out []any
	for _, x := range v.([]any) {
		if x.(map[string]any)["account_id"] == "111111111111" {
			out = append(out, x)
		}
	}
	return out
}

// TestMissingOrErroredEvidenceNeverMeets is the property that not seeing is
// not passing: starting from an account where every control is met or
// inherited, drop snapshots or turn them into error snapshots — every one
// alone, then random combinations — and require that no catalog entry whose
// checks (or whose specifications' checks) read an affected kind is met,
// inherited or not applicable.
func TestMissingOrErroredEvidenceNeverMeets(t *testing.T) {
	base := goodSnapshots(t)
	in := allGoodInputs(t, base)
	res, err := controls.Evaluate(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Controls {
		if c.Status != controls.ControlMet && c.Status != controls.ControlInherited {
			t.Fatalf("baseline: %s is %s, want met or inherited: %s", c.ID, c.Status, c.Reason)
		}
	}
	kindsOf := controlKinds(in)

	type mutation struct {
		index    int
		errorOut bool
	}
	var trials [][]mutation
	for i := range base {
		trials = append(trials, []mutation{{i, false}}, []mutation{{i, true}})
	}
	rng := rand.New(rand.NewPCG(42, 7))
	for n := 0; n < 40; n++ {
		var m []mutation
		for i := range base {
			if rng.IntN(4) == 0 {
				m = append(m, mutation{i, rng.IntN(2) == 0})
			}
		}
		trials = append(trials, m)
	}
	for _, trial := range trials {
		var snaps []caseSnapshot
		affected := map[string]bool{}
		var desc []string
		drop := map[int]mutation{}
		for _, m := range trial {
			drop[m.index] = m
		}
		for i, s := range base {
			m, hit := drop[i]
			if !hit {
				snaps = append(snaps, s)
				continue
			}
			affected[s.Kind] = true
			if m.errorOut {
				desc = append(desc, "error "+s.Kind+" "+s.Region)
				snaps = append(snaps, caseSnapshot{Kind: s.Kind, Account: s.Account, Region: s.Region, Status: string(evidence.StatusError),
					Errors: []evidence.CallError{{Action: "test:Denied", Code: "AccessDenied"}}})
			} else {
				desc = append(desc, "drop "+s.Kind+" "+s.Region)
			}
		}
		if len(affected) == 0 {
			continue
		}
		tin := allGoodInputs(t, snaps)
		r, err := controls.Evaluate(t.Context(), tin)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Controls {
			hit := false
			for k := range kindsOf[c.ID] {
				if affected[k] {
					hit = true
				}
			}
			if !hit {
				continue
			}
			switch c.Status {
			case controls.ControlMet, controls.ControlInherited, controls.ControlNotApplicable:
				t.Errorf("%s: %s is %s although evidence it depends on is missing or errored: %s", strings.Join(desc, ", "), c.ID, c.Status, c.Reason)
			}
		}
		// And no result of a check reading an affected kind passes for
		// the affected account as a whole without naming the evidence.
		for _, x := range r.Results {
			if x.Status == controls.StatusUnknown && len(x.FailedActions) == 0 && !strings.Contains(x.Detail, "incomplete") {
				t.Errorf("%s: unknown result of %s names no failed action: %s", strings.Join(desc, ", "), x.CheckID, x.Detail)
			}
		}
	}
}

// controlKinds maps each catalog entry to the evidence kinds its checks and
// its specifications' checks read (evidence and joins).
func controlKinds(in *controls.Inputs) map[string]map[string]bool {
	own := map[string]map[string]bool{}
	for _, c := range in.Checks.Checks() {
		for _, id := range c.Citations {
			if own[id] == nil {
				own[id] = map[string]bool{}
			}
			for _, k := range append(append([]string{}, c.Evidence...), c.Joins...) {
				own[id][k] = true
			}
		}
	}
	out := map[string]map[string]bool{}
	for _, e := range in.Catalog.Entries {
		m := map[string]bool{}
		for k := range own[e.ID] {
			m[k] = true
		}
		for _, child := range e.Children {
			for k := range own[child] {
				m[k] = true
			}
		}
		out[e.ID] = m
	}
	return out
}
