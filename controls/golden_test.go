package controls_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fixture is testdata/golden/snapshots.yaml.
type fixture struct {
	Accounts  []string       `yaml:"accounts"`
	Snapshots []caseSnapshot `yaml:"snapshots"`
}

// loadFixture reads the golden organization's snapshots.
func loadFixture(t testing.TB) ([]string, []caseSnapshot) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "snapshots.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f.Accounts, f.Snapshots
}

// goldenInputs builds the inputs of the golden evaluation: the fixture's
// snapshots, every built-in check, the starter ownership matrix, the
// fixture's exceptions, three attachments, and the previous quarter's
// results (the same organization before the member's bucket was collected).
func goldenInputs(t testing.TB) *controls.Inputs {
	t.Helper()
	accounts, snaps := loadFixture(t)
	in := baseInputs(t, accounts, snaps, testRun(accounts...))
	prevIn := baseInputs(t, accounts, dropSnapshots(snaps, "aws.s3.buckets", "222222222222"), controls.RunInfo{
		RunID: "2026-Q3_20260930T110000Z_a1b2c3", Period: "2026-Q3", FinishedAt: time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC), KeyID: "test",
		Accounts: in.Run.Accounts, Regions: in.Run.Regions})
	prev, err := controls.Evaluate(t.Context(), prevIn)
	if err != nil {
		t.Fatal(err)
	}
	if in.PreviousData, err = prev.Encode(); err != nil {
		t.Fatal(err)
	}
	if in.Previous, err = controls.DecodeResults(in.PreviousData); err != nil {
		t.Fatal(err)
	}
	return in
}

// baseInputs evaluates snaps with every built-in check, the starter
// ownership matrix, the golden exceptions and attachments.
func baseInputs(t testing.TB, accounts []string, snaps []caseSnapshot, run controls.RunInfo) *controls.Inputs {
	t.Helper()
	cat, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	set, err := controls.BuiltinChecks(controls.LoadOptions{Catalog: cat, KnownKinds: knownKinds(t)})
	if err != nil {
		t.Fatal(err)
	}
	ne, err := controls.DefaultNotEvaluated()
	if err != nil {
		t.Fatal(err)
	}
	ob, err := templates.ReadFile(templates.FS(), "starter/ownership.yaml")
	if err != nil {
		t.Fatal(err)
	}
	own, err := controls.ParseOwnership("ownership.yaml", ob, cat)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := os.ReadFile(filepath.Join("testdata", "golden", "exceptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	exc, err := controls.ParseExceptions("exceptions.yaml", eb, cat, set)
	if err != nil {
		t.Fatal(err)
	}
	in := &controls.Inputs{Catalog: cat, Checks: set, NotEvaluated: ne, Ownership: own, Exceptions: exc, Run: run,
		Manual: []controls.ManualEvidence{
			{ID: "20261101T090000Z-0a1b2c3d4e5f", Control: "164.308(a)(1)(ii)(A)", FileName: "risk-analysis-2026.pdf", SHA256: sha64("a"), Size: 1000,
				Note: "annual risk analysis", AttachedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), ValidUntil: "2027-10-31", KeyID: "test"},
			{ID: "20261101T090100Z-1a1b2c3d4e5f", Control: "164.310(a)(2)(ii)", FileName: "aws-soc2-type2.pdf", SHA256: sha64("b"), Size: 2000,
				AttachedAt: time.Date(2026, 11, 1, 9, 1, 0, 0, time.UTC), KeyID: "test"},
			{ID: "20250601T090000Z-2a1b2c3d4e5f", Control: "164.308(a)(1)(ii)(C)", FileName: "sanction-policy-2025.pdf", SHA256: sha64("c"), Size: 300,
				AttachedAt: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC), ValidUntil: "2026-06-30", KeyID: "test"},
		}}
	for _, s := range snaps {
		in.Snapshots = append(in.Snapshots, caseSnapT(t, s, accounts[0]))
	}
	return in
}

func sha64(c string) string { return string(bytes.Repeat([]byte(c), 64)) }

// dropSnapshots returns snaps without those of kind for account.
func dropSnapshots(snaps []caseSnapshot, kind, account string) []caseSnapshot {
	var out []caseSnapshot
	for _, s := range snaps {
		if s.Kind == kind && s.Account == account {
			continue
		}
		out = append(out, s)
	}
	return out
}

// TestGoldenResults compares results.json for the golden organization with
// testdata/golden/results.json (go test -update rewrites it).
func TestGoldenResults(t *testing.T) {
	res, err := controls.Evaluate(t.Context(), goldenInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := res.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "results.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("results.json differs from %s (run go test -update after checking the change):\n%s", path, firstDiff(got, want))
	}
}

// firstDiff shows the first differing line of a and b.
func firstDiff(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(al) && i < len(bl); i++ {
		if !bytes.Equal(al[i], bl[i]) {
			return "line " + itoa(i+1) + ":\n  got:  " + string(al[i]) + "\n  want: " + string(bl[i])
		}
	}
	return "lengths differ: " + itoa(len(al)) + " vs " + itoa(len(bl)) + " lines"
}

func itoa(i int) string { return strconv.Itoa(i) }
