package controls_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// TestEvaluationIsDeterministic evaluates the golden inputs repeatedly, with
// the snapshots and attachments in shuffled order, and requires
// byte-identical results.json every time.
func TestEvaluationIsDeterministic(t *testing.T) {
	in := goldenInputs(t)
	first, err := controls.Evaluate(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := first.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5; i++ {
		again := goldenInputs(t)
		rng.Shuffle(len(again.Snapshots), func(a, b int) { again.Snapshots[a], again.Snapshots[b] = again.Snapshots[b], again.Snapshots[a] })
		rng.Shuffle(len(again.Manual), func(a, b int) { again.Manual[a], again.Manual[b] = again.Manual[b], again.Manual[a] })
		r, err := controls.Evaluate(t.Context(), again)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("evaluation %d gave different bytes: %s", i, firstDiff(got, want))
		}
	}
}

// TestReevaluationFromInputFiles exports the golden evaluation's inputs as a
// bundle would carry them, rebuilds the inputs from those files alone (no
// embedded catalog, checks or plugin) and requires byte-identical results.
func TestReevaluationFromInputFiles(t *testing.T) {
	in := goldenInputs(t)
	res, err := controls.Evaluate(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := res.Encode()
	if err != nil {
		t.Fatal(err)
	}
	files, err := controls.InputFiles(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{controls.InputCatalog, controls.InputNotEvaluated, controls.InputOwnership,
		controls.InputExceptions, controls.InputPrevious, controls.InputEvaluation, "checks/builtin/s3_bucket_versioning.yaml"} {
		if _, ok := files[name]; !ok {
			t.Errorf("InputFiles lacks %s", name)
		}
	}
	again, err := controls.InputsFromFiles(files, in.Snapshots)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := controls.Evaluate(t.Context(), again)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r2.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("re-evaluation from the exported files differs: %s", firstDiff(got, want))
	}

	// A changed check file changes the result: re-evaluation really runs
	// the exported checks.
	files["checks/builtin/iam_root_mfa_enabled.yaml"] = bytes.Replace(files["checks/builtin/iam_root_mfa_enabled.yaml"],
		[]byte("pass: payload.account_mfa_enabled == true"), []byte("pass: payload.account_mfa_enabled == false"), 1)
	tampered, err := controls.InputsFromFiles(files, in.Snapshots)
	if err != nil {
		t.Fatal(err)
	}
	r3, err := controls.Evaluate(t.Context(), tampered)
	if err != nil {
		t.Fatal(err)
	}
	got3, err := r3.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got3, want) {
		t.Error("a changed check file did not change the results")
	}
}
