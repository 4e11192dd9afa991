package controls_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	_ "github.com/hipaa-evidence/hipaa-evidence/collectors/all"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/cloudtrail"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/controls/hipaa"
)

// knownKinds lists every evidence kind the built-in collectors declare.
func knownKinds(t testing.TB) []string {
	t.Helper()
	var kinds []string
	for _, n := range collectors.Default.Names() {
		c, err := collectors.Default.New(n)
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, c.Describe().EvidenceKinds...)
	}
	return kinds
}

// payloadTypes maps each built-in evidence kind to the collector's payload
// type, so test payloads are decoded strictly (a field the collector does
// not write is an error) and re-encoded exactly as the collector would.
var payloadTypes = map[string]func() any{
	iam.KindCredentialReport:        func() any { return &iam.CredentialReport{} },
	iam.KindPasswordPolicy:          func() any { return &iam.PasswordPolicy{} },
	iam.KindAccountSummary:          func() any { return &iam.AccountSummary{} },
	iam.KindVirtualMFADevices:       func() any { return &iam.VirtualMFADevices{} },
	iam.KindUsers:                   func() any { return &iam.Users{} },
	iam.KindGroups:                  func() any { return &iam.Groups{} },
	iam.KindRoles:                   func() any { return &iam.Roles{} },
	iam.KindPolicies:                func() any { return &iam.Policies{} },
	iam.KindIdentityProviders:       func() any { return &iam.IdentityProviders{} },
	kms.Kind:                        func() any { return &kms.Payload{} },
	cloudtrail.KindTrails:           func() any { return &cloudtrail.TrailsPayload{} },
	cloudtrail.KindLogGroups:        func() any { return &cloudtrail.LogGroupsPayload{} },
	s3.KindBuckets:                  func() any { return &s3.BucketsPayload{} },
	s3.KindAccountPublicAccessBlock: func() any { return &s3.AccountPublicAccessBlockPayload{} },
	scope.KindServices:              func() any { return &scope.ServicesPayload{} },
}

func TestBuiltinChecksLoadAgainstCollectorKinds(t *testing.T) {
	cat, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	set, err := controls.BuiltinChecks(controls.LoadOptions{Catalog: cat, KnownKinds: knownKinds(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Checks()) == 0 {
		t.Fatal("no built-in checks")
	}
}

// The check test files: testdata/checks/<check id>.yaml.
type checkCases struct {
	Check    string      `yaml:"check"`
	Accounts []string    `yaml:"accounts"`
	Cases    []checkCase `yaml:"cases"`
}

type checkCase struct {
	Name      string         `yaml:"name"`
	Accounts  []string       `yaml:"accounts"`
	Params    map[string]any `yaml:"params"`
	Snapshots []caseSnapshot `yaml:"snapshots"`
	Want      []wantResult   `yaml:"want"`
}

type caseSnapshot struct {
	Kind    string               `yaml:"kind"`
	Account string               `yaml:"account"`
	Region  string               `yaml:"region"`
	Status  string               `yaml:"status"`
	Errors  []evidence.CallError `yaml:"errors"`
	Payload map[string]any       `yaml:"payload"`
}

type wantResult struct {
	Account        string   `yaml:"account"`
	Region         string   `yaml:"region"`
	Resource       string   `yaml:"resource"`
	Status         string   `yaml:"status"`
	FailedActions  []string `yaml:"failed_actions"`
	DetailContains string   `yaml:"detail_contains"`
}

// TestBuiltinCheckTables runs every built-in check over the cases in
// testdata/checks/<id>.yaml. Every check must have a file, and its cases
// must show each of pass, fail, not_applicable and unknown, including
// unknown for missing evidence.
func TestBuiltinCheckTables(t *testing.T) {
	cat, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	kinds := knownKinds(t)
	all, err := controls.BuiltinChecks(controls.LoadOptions{Catalog: cat, KnownKinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all.Checks() {
		t.Run(c.ID, func(t *testing.T) {
			path := filepath.Join("testdata", "checks", c.ID+".yaml")
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("every built-in check needs table tests: %v", err)
			}
			var cc checkCases
			dec := yaml.NewDecoder(bytes.NewReader(raw))
			dec.KnownFields(true)
			if err := dec.Decode(&cc); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if cc.Check != c.ID {
				t.Fatalf("%s names check %q", path, cc.Check)
			}
			src, err := fs.ReadFile(hipaa.Checks(), c.ID+".yaml")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			missing := false
			for _, tc := range cc.Cases {
				t.Run(tc.Name, func(t *testing.T) {
					params := map[string]map[string]controls.ParamOverride{}
					for k, v := range tc.Params {
						if params[c.ID] == nil {
							params[c.ID] = map[string]controls.ParamOverride{}
						}
						params[c.ID][k] = controls.ParamOverride{Value: v, File: path}
					}
					set := controls.NewCheckSet()
					if err := set.Add("builtin/"+c.ID+".yaml", src, controls.LoadOptions{Catalog: cat, KnownKinds: kinds, Params: params}); err != nil {
						t.Fatal(err)
					}
					accounts := tc.Accounts
					if accounts == nil {
						accounts = cc.Accounts
					}
					if accounts == nil {
						accounts = []string{"111111111111"}
					}
					def := ""
					if len(accounts) > 0 {
						def = accounts[0]
					}
					in := &controls.Inputs{Catalog: cat, Checks: set, Run: testRun(accounts...)}
					for _, s := range tc.Snapshots {
						in.Snapshots = append(in.Snapshots, caseSnap(t, s, def))
					}
					res, err := controls.Evaluate(t.Context(), in)
					if err != nil {
						t.Fatal(err)
					}
					var got []controls.Result
					for _, r := range res.Results {
						if r.CheckID == c.ID {
							got = append(got, r)
						}
					}
					matchResults(t, got, tc.Want, def)
					for _, r := range got {
						seen[string(r.Status)] = true
						for _, a := range r.FailedActions {
							if strings.HasPrefix(a, "collect:") {
								missing = true
							}
						}
					}
				})
			}
			for _, s := range []string{"pass", "fail", "not_applicable", "unknown"} {
				_, hasApplies := c.Conditions["applies"]
				_, hasForEach := c.Conditions["for_each"]
				if s == "not_applicable" && !hasApplies && !hasForEach {
					continue // nothing in the check can make it not applicable
				}
				if !seen[s] {
					t.Errorf("no case shows %s", s)
				}
			}
			if !missing {
				t.Error("no case shows unknown for missing evidence (failed action collect:<kind>)")
			}
		})
	}
}

// testRun is a run over accounts finishing at a fixed time.
func testRun(accounts ...string) controls.RunInfo {
	r := controls.RunInfo{RunID: "2026-Q4_20261215T110000Z_abcdef", Period: "2026-Q4",
		FinishedAt: time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC), KeyID: "test", Regions: []string{"us-east-1"}}
	for _, a := range accounts {
		r.Accounts = append(r.Accounts, controls.ScopeAccount{AccountID: a})
	}
	return r
}

// caseSnap builds a signed-shape snapshot from a test case, passing the
// payload through the collector's Go type.
func caseSnap(t *testing.T, s caseSnapshot, defAccount string) controls.SnapshotData {
	t.Helper()
	return caseSnapT(t, s, defAccount)
}

// caseSnapT is caseSnap for tests and benchmarks.
func caseSnapT(t testing.TB, s caseSnapshot, defAccount string) controls.SnapshotData {
	t.Helper()
	if s.Account == "" {
		s.Account = defAccount
	}
	if s.Region == "" {
		s.Region = evidence.GlobalRegion
	}
	status := evidence.Status(s.Status)
	if status == "" {
		status = evidence.StatusOK
		if len(s.Errors) > 0 {
			status = evidence.StatusPartial
		}
	}
	for i := range s.Errors {
		if s.Errors[i].Code == "" {
			s.Errors[i].Code = "AccessDenied"
		}
	}
	var payload []byte
	if s.Payload == nil {
		payload = []byte("{}")
	} else {
		mk, ok := payloadTypes[s.Kind]
		if !ok {
			t.Fatalf("no payload type for %s", s.Kind)
		}
		j, err := json.Marshal(s.Payload)
		if err != nil {
			t.Fatal(err)
		}
		v := mk()
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("payload of %s does not fit the collector's type: %v", s.Kind, err)
		}
		if payload, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var calls []string
	for _, e := range s.Errors {
		calls = append(calls, e.Action)
	}
	snap := &evidence.Snapshot{Schema: evidence.SchemaV1, Kind: s.Kind, Collector: evidence.CollectorInfo{Name: "test", Version: "1"},
		Source: evidence.Source{Partition: "aws", AccountID: s.Account, Region: s.Region}, Period: "2026-Q4",
		CollectedAt: time.Date(2026, 12, 15, 11, 0, 0, 0, time.UTC), Status: status, Errors: s.Errors, APICalls: calls, Payload: payload}
	b, err := snap.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return controls.SnapshotData{Digest: evidence.Digest(b), Data: b}
}

// matchResults compares results with the wanted ones, in any order.
func matchResults(t *testing.T, got []controls.Result, want []wantResult, defAccount string) {
	t.Helper()
	used := make([]bool, len(got))
	var problems []string
	for _, w := range want {
		switch w.Account {
		case "":
			w.Account = defAccount
		case "-": // an organization-wide result has no account
			w.Account = ""
		}
		found := false
		for i, r := range got {
			if used[i] || r.AccountID != w.Account || r.ResourceID != w.Resource || (w.Region != "" && r.Region != w.Region) {
				continue
			}
			used[i] = true
			found = true
			if string(r.Status) != w.Status {
				problems = append(problems, fmt.Sprintf("%s %s: status %s, want %s (%s)", w.Account, w.Resource, r.Status, w.Status, r.Detail))
			}
			if w.FailedActions != nil && strings.Join(r.FailedActions, ",") != strings.Join(w.FailedActions, ",") {
				problems = append(problems, fmt.Sprintf("%s %s: failed actions %v, want %v", w.Account, w.Resource, r.FailedActions, w.FailedActions))
			}
			if w.DetailContains != "" && !strings.Contains(r.Detail, w.DetailContains) {
				problems = append(problems, fmt.Sprintf("%s %s: detail %q lacks %q", w.Account, w.Resource, r.Detail, w.DetailContains))
			}
			break
		}
		if !found {
			problems = append(problems, fmt.Sprintf("no result for %s %s %s (want %s)", w.Account, w.Region, w.Resource, w.Status))
		}
	}
	for i, r := range got {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("unexpected result %s %s %s %s: %s %v", r.AccountID, r.Region, r.ResourceID, r.Status, r.Detail, r.FailedActions))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}
