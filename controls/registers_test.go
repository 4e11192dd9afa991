package controls

import (
	"strings"
	"testing"
)

func TestParseOwnershipErrors(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct{ name, yaml, want string }{
		{"unknown id", "schema_version: 1\nentries:\n  - id: 164.999(a)\n    responsibility: customer\n", `own.yaml:3: unknown catalog id "164.999(a)"`},
		{"repeated id", "schema_version: 1\nentries:\n  - {id: 164.312(d), responsibility: customer}\n  - {id: 164.312(d), responsibility: aws}\n", "own.yaml:4: 164.312(d) is repeated (first at line 3)"},
		{"bad responsibility", "schema_version: 1\nentries:\n  - id: 164.312(d)\n    responsibility: vendor\n", "own.yaml:4: 164.312(d): responsibility must be customer, aws or shared"},
		{"unknown field", "schema_version: 1\nentries:\n  - id: 164.312(d)\n    responsibility: aws\n    owner: me\n", `own.yaml:5: unknown field "owner"`},
		{"wrong schema", "schema_version: 3\n", "schema_version must be 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseOwnership("own.yaml", []byte(tt.yaml), cat)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseExceptionsErrors(t *testing.T) {
	cat := testCatalog(t)
	set := checksFrom(t, cat, map[string]string{"c.yaml": validCheck})
	const ok = "  - id: EX-1\n    check: t_check\n    justification: j\n    owner: o\n    approved_by: a\n    expires_at: \"2027-01-31\"\n"
	tests := []struct{ name, yaml, want string }{
		{"unknown check", strings.Replace(ok, "t_check", "t_chekc", 1), `ex.yaml:4: exception EX-1: unknown check "t_chekc"`},
		{"unknown control", strings.Replace(ok, "check: t_check", "control: 164.312(zz)", 1), `ex.yaml:4: exception EX-1: unknown catalog id "164.312(zz)"`},
		{"both", strings.Replace(ok, "check: t_check", "check: t_check\n    control: 164.312(d)", 1), "name a check or a control, not both"},
		{"neither", strings.Replace(ok, "    check: t_check\n", "", 1), "a check or a control is required"},
		{"no approver", strings.Replace(ok, "    approved_by: a\n", "", 1), "approved_by is required"},
		{"bad date", strings.Replace(ok, "2027-01-31", "31/01/2027", 1), `ex.yaml:8: exception EX-1: expires_at "31/01/2027" is not a date`},
		{"bad account", ok + "    scope: {accounts: [\"12\"]}\n", "is not a 12-digit account id"},
		{"repeated", ok + ok, "ex.yaml:9: exception EX-1 is repeated (first at line 3)"},
		{"unknown field", ok + "    reason: x\n", `ex.yaml:9: unknown field "reason"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExceptions("ex.yaml", []byte("schema_version: 1\nexceptions:\n"+tt.yaml), cat, set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	x, err := ParseExceptions("ex.yaml", []byte("schema_version: 1\nexceptions:\n"+ok), cat, set)
	if err != nil || len(x.List) != 1 {
		t.Fatalf("valid register: %v", err)
	}
}

// exceptionFixture evaluates console_mfa over three users of which two fail,
// with the given exceptions register.
func exceptionFixture(t *testing.T, register string) *Results {
	t.Helper()
	cat := testCatalog(t)
	set := checksFrom(t, cat, map[string]string{"c.yaml": validCheck})
	x, err := ParseExceptions("ex.yaml", []byte(register), cat, set)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]any{"users": []any{
		map[string]any{"arn": "arn:aws:iam::111111111111:user/ok", "password_enabled": true, "mfa_active": true},
		map[string]any{"arn": "arn:aws:iam::111111111111:user/legacy-1", "password_enabled": true, "mfa_active": false},
		map[string]any{"arn": "arn:aws:iam::111111111111:user/bob", "password_enabled": true, "mfa_active": false},
	}}
	return evaluate(t, &Inputs{Catalog: cat, Checks: set, Exceptions: x, Run: runInfo("111111111111"),
		Snapshots: []SnapshotData{mkSnap(t, "aws.iam.credential_report", "111111111111", "global", "", users)}})
}

func TestExceptionsExceptNeverPass(t *testing.T) {
	r := exceptionFixture(t, `schema_version: 1
exceptions:
  - id: EX-LEGACY
    check: t_check
    scope: {resources: ["arn:aws:iam::*:user/legacy-*"]}
    justification: legacy users removed in Q1
    owner: IT
    approved_by: CISO
    expires_at: "2027-03-31"
  - id: EX-OLD
    check: t_check
    scope: {resources: ["arn:aws:iam::111111111111:user/bob"]}
    justification: was accepted last year
    owner: IT
    approved_by: CISO
    expires_at: "2026-12-14"
  - id: EX-NOTHING
    check: t_check
    scope: {accounts: ["999999999999"]}
    justification: no such account
    owner: IT
    approved_by: CISO
    expires_at: "2027-03-31"
`)
	byRes := map[string]Result{}
	for _, x := range r.Results {
		byRes[x.ResourceID] = x
	}
	if x := byRes["arn:aws:iam::111111111111:user/legacy-1"]; x.Status != StatusExcepted || x.ExceptionID != "EX-LEGACY" {
		t.Errorf("legacy user: %+v", x)
	}
	if x := byRes["arn:aws:iam::111111111111:user/bob"]; x.Status != StatusFail || x.ExceptionID != "EX-OLD" || !strings.Contains(x.Detail, "expired on 2026-12-14") {
		t.Errorf("bob (expired exception): %+v", x)
	}
	if x := byRes["arn:aws:iam::111111111111:user/ok"]; x.Status != StatusPass || x.ExceptionID != "" {
		t.Errorf("passing user: %+v", x)
	}
	states := map[string]ExceptionState{}
	for _, s := range r.Exceptions {
		states[s.ID] = s
	}
	if s := states["EX-LEGACY"]; s.State != ExceptionActive || s.Matched != 1 {
		t.Errorf("EX-LEGACY %+v", s)
	}
	if s := states["EX-OLD"]; s.State != ExceptionExpired || s.Flag == "" {
		t.Errorf("EX-OLD %+v", s)
	}
	if s := states["EX-NOTHING"]; s.State != ExceptionUnmatched || s.Flag == "" {
		t.Errorf("EX-NOTHING %+v", s)
	}
	if r.Summary.ExceptionsActive != 1 || r.Summary.ExceptionsExpired != 1 || r.Summary.ExceptionsUnmatched != 1 {
		t.Errorf("summary %+v", r.Summary)
	}
	// 164.312(d) still has a failure (bob), so it is not met.
	if c := control(t, r, "164.312(d)"); c.Status == ControlMet {
		t.Errorf("164.312(d) met with a failure: %s", c.Reason)
	}
}

func TestControlExceptionIsScopedToItsEntry(t *testing.T) {
	cat := testCatalog(t)
	src := strings.Replace(validCheck, `["164.312(d)"]`, `["164.312(d)", "164.308(a)(3)(ii)(A)"]`, 1)
	set := checksFrom(t, cat, map[string]string{"c.yaml": src})
	x, err := ParseExceptions("ex.yaml", []byte(`schema_version: 1
exceptions:
  - id: EX-D
    control: "164.312(d)"
    justification: accepted for person or entity authentication only
    owner: IT
    approved_by: CISO
    expires_at: "2027-03-31"
`), cat, set)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]any{"users": []any{
		map[string]any{"arn": "arn:aws:iam::111111111111:user/a", "password_enabled": true, "mfa_active": false},
	}}
	r := evaluate(t, &Inputs{Catalog: cat, Checks: set, Exceptions: x, Run: runInfo("111111111111"),
		Snapshots: []SnapshotData{mkSnap(t, "aws.iam.credential_report", "111111111111", "global", "", users)}})
	if r.Results[0].Status != StatusFail {
		t.Errorf("a control exception changed the result itself: %+v", r.Results[0])
	}
	d := control(t, r, "164.312(d)")
	if d.Status != ControlPartial || d.Checks[0].Counts.Excepted != 1 || !contains(d.Exceptions, "EX-D") {
		t.Errorf("164.312(d): %s %+v %v: %s", d.Status, d.Checks, d.Exceptions, d.Reason)
	}
	if a := control(t, r, "164.308(a)(3)(ii)(A)"); a.Checks[0].Counts.Fail != 1 || a.Status != ControlNotMet {
		t.Errorf("164.308(a)(3)(ii)(A) must not see the exception: %s %+v", a.Status, a.Checks)
	}
}

func TestControlStatusFromOwnershipAndManualEvidence(t *testing.T) {
	cat := testCatalog(t)
	own, err := ParseOwnership("own.yaml", []byte(`schema_version: 1
entries:
  - id: 164.310(a)(2)(ii)
    responsibility: aws
    build: AWS
    monitor: Compliance
    exceptions: CISO
  - id: 164.310(a)(2)(iii)
    responsibility: aws
    build: AWS
    monitor: ""
    exceptions: CISO
  - id: 164.308(a)(4)(ii)(A)
    responsibility: customer
    build: Security
    monitor: Compliance
    exceptions: CISO
    not_applicable: We are not a health care clearinghouse.
`), cat)
	if err != nil {
		t.Fatal(err)
	}
	in := &Inputs{Catalog: cat, Checks: NewCheckSet(), Ownership: own, Run: runInfo("111111111111"),
		Manual: []ManualEvidence{
			{ID: "m1", Control: "164.310(a)(2)(ii)", FileName: "soc2.pdf", AttachedAt: testClock.AddDate(0, -1, 0)},
			{ID: "m2", Control: "164.308(a)(2)", FileName: "designation.pdf", ValidUntil: "2026-12-14"},
			{ID: "m3", Control: "164.308(a)(8)", FileName: "evaluation.pdf", ValidUntil: "2026-12-15"},
		}}
	r := evaluate(t, in)
	want := map[string]ControlStatus{
		"164.310(a)(2)(ii)":    ControlInherited,      // AWS, report attached
		"164.310(a)(2)(iii)":   ControlManualRequired, // AWS, nothing attached
		"164.308(a)(4)(ii)(A)": ControlNotApplicable,  // justified in the matrix
		"164.308(a)(2)":        ControlManualRequired, // attachment expired the day before the clock
		"164.308(a)(8)":        ControlMet,            // valid through the clock's day
		"164.312(b)":           ControlManualRequired, // no check, nothing attached (the standard has no manual need: no component)
	}
	for id, w := range want {
		if c := control(t, r, id); c.Status != w {
			t.Errorf("%s: %s, want %s: %s", id, c.Status, w, c.Reason)
		}
	}
	if c := control(t, r, "164.310(a)(2)(iii)"); len(c.Owners.Gaps) != 1 || c.Owners.Gaps[0] != "monitor" {
		t.Errorf("gaps %v", c.Owners.Gaps)
	}
	if c := control(t, r, "164.312(d)"); len(c.Owners.Gaps) != 1 || c.Owners.Gaps[0] != "not in ownership matrix" {
		t.Errorf("an entry missing from the matrix: %v", c.Owners.Gaps)
	}
	if len(r.OwnershipGaps) != 68-2 {
		t.Errorf("%d ownership gaps, want 66", len(r.OwnershipGaps))
	}
	if r.Summary.Controls.Total() != 68 {
		t.Errorf("control counts %+v", r.Summary.Controls)
	}
	for _, c := range r.Controls {
		if !c.Status.Valid() || c.Reason == "" {
			t.Errorf("%s: status %q reason %q", c.ID, c.Status, c.Reason)
		}
	}
}

func TestCombine(t *testing.T) {
	c := func(v verdict) component { return component{v, "x"} }
	tests := []struct {
		name  string
		comps []component
		aws   bool
		want  ControlStatus
	}{
		{"nothing", nil, false, ControlManualRequired},
		{"all met", []component{c(vMet), c(vMet)}, false, ControlMet},
		{"met and na", []component{c(vMet), c(vNA)}, false, ControlMet},
		{"only na", []component{c(vNA)}, false, ControlNotApplicable},
		{"fail", []component{c(vFail)}, false, ControlNotMet},
		{"fail and met", []component{c(vFail), c(vMet)}, false, ControlPartial},
		{"fail and unknown", []component{c(vFail), c(vUnknown)}, false, ControlNotMet},
		{"unknown and met", []component{c(vUnknown), c(vMet)}, false, ControlUnknown},
		{"unknown and manual", []component{c(vUnknown), c(vManual)}, false, ControlUnknown},
		{"excepted", []component{c(vExcepted), c(vMet)}, false, ControlPartial},
		{"excepted and unknown", []component{c(vExcepted), c(vUnknown)}, false, ControlUnknown},
		{"manual and met", []component{c(vManual), c(vMet)}, false, ControlManualRequired},
		{"child partial", []component{c(vPartial)}, false, ControlPartial},
		{"inherited", []component{c(vInherited)}, true, ControlInherited},
		{"inherited children", []component{c(vInherited), c(vInherited)}, false, ControlInherited},
		{"met and inherited", []component{c(vMet), c(vInherited)}, false, ControlMet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := combine(tt.comps, tt.aws); got != tt.want {
				t.Errorf("combine = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestChangesSincePreviousPeriod(t *testing.T) {
	cat := testCatalog(t)
	set := checksFrom(t, cat, map[string]string{"c.yaml": validCheck})
	snap := func(users ...any) []SnapshotData {
		return []SnapshotData{mkSnap(t, "aws.iam.credential_report", "111111111111", "global", "", map[string]any{"users": users})}
	}
	u := func(name string, mfa bool) any {
		return map[string]any{"arn": "arn:aws:iam::111111111111:user/" + name, "password_enabled": true, "mfa_active": mfa}
	}
	prevRun := runInfo("111111111111")
	prevRun.Period, prevRun.RunID = "2026-Q3", "2026-Q3_20260930T110000Z_abcdef"
	prev := evaluate(t, &Inputs{Catalog: cat, Checks: set, Run: prevRun, Snapshots: snap(u("fixed", false), u("gone", false), u("steady", true))})
	data, err := prev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cur := evaluate(t, &Inputs{Catalog: cat, Checks: set, Run: runInfo("111111111111"), Previous: prev, PreviousData: data,
		Snapshots: snap(u("fixed", true), u("steady", false), u("new", false))})
	ch := cur.Changes
	if ch == nil || ch.PreviousPeriod != "2026-Q3" {
		t.Fatalf("changes %+v", ch)
	}
	names := func(rs []ResultChange) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ResourceID[strings.LastIndex(r.ResourceID, "/")+1:]+":"+string(r.Previous)+">"+string(r.Current))
		}
		return strings.Join(out, ",")
	}
	if got := names(ch.NewFailures); got != "new:>fail,steady:pass>fail" {
		t.Errorf("new failures %s", got)
	}
	if got := names(ch.ResolvedFailures); got != "fixed:fail>pass" {
		t.Errorf("resolved %s", got)
	}
	if len(ch.NewResources) != 1 || !strings.HasSuffix(ch.NewResources[0].ResourceID, "/new") {
		t.Errorf("new resources %+v", ch.NewResources)
	}
	if len(ch.RemovedResources) != 1 || !strings.HasSuffix(ch.RemovedResources[0].ResourceID, "/gone") {
		t.Errorf("removed resources %+v", ch.RemovedResources)
	}
	if cur.Inputs.PreviousResults == "" {
		t.Error("the previous results' digest is not recorded")
	}
}
