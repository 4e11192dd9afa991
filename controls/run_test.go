package controls

import (
	"crypto/ecdsa"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// testLocker stores snaps as one signed run of period in a new locker.
func testLocker(t *testing.T, period string, finished time.Time, snaps ...SnapshotData) (*locker.Locker, evidence.Signer, string) {
	t.Helper()
	dir := t.TempDir()
	signer, err := evidence.GenerateKeyFile(filepath.Join(dir, "key.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := locker.Open(filepath.Join(dir, "locker"))
	if err != nil {
		t.Fatal(err)
	}
	return lk, signer, commitRun(t, lk, signer, period, finished, snaps...)
}

// commitRun stores snaps as one signed run of period and returns its id.
func commitRun(t *testing.T, lk *locker.Locker, signer evidence.Signer, period string, finished time.Time, snaps ...SnapshotData) string {
	t.Helper()
	m := &locker.Manifest{RunID: locker.NewRunID(period, finished), Period: period, ToolVersion: "test",
		StartedAt: finished.Add(-time.Minute), FinishedAt: finished, RetainUntil: finished.AddDate(6, 0, 0),
		Accounts: []locker.AccountEntry{{AccountID: "111111111111", Access: "caller"}}, Regions: []string{"us-east-1"}}
	for _, s := range snaps {
		sig, err := signer.Sign(t.Context(), s.Data)
		if err != nil {
			t.Fatal(err)
		}
		d, err := lk.PutSnapshot(s.Data, sig)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := evidence.DecodeSnapshot(s.Data)
		if err != nil {
			t.Fatal(err)
		}
		m.Snapshots = append(m.Snapshots, locker.SnapshotEntry{Digest: d, Path: locker.ObjectPath(d), Size: int64(len(s.Data)),
			Kind: dec.Kind, Collector: "test", AccountID: dec.Source.AccountID, Region: dec.Source.Region, Status: dec.Status})
	}
	if err := lk.CommitRun(t.Context(), m, signer); err != nil {
		t.Fatal(err)
	}
	return m.RunID
}

func summarySnap(t *testing.T, mfa bool) SnapshotData {
	t.Helper()
	return mkSnap(t, "aws.iam.account_summary", "111111111111", "global", "",
		map[string]any{"account_mfa_enabled": mfa, "account_access_keys_present": false, "account_password_present": true})
}

func TestEvaluateRunStoresSignedResultsAndComparesPeriods(t *testing.T) {
	cat := testCatalog(t)
	set, err := BuiltinChecks(LoadOptions{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	q3 := time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)
	lk, signer, _ := testLocker(t, "2026-Q3", q3, summarySnap(t, false))
	o3, err := EvaluateRun(t.Context(), RunRequest{Locker: lk, Signer: signer, Options: LockerOptions{Period: "2026-Q3", Checks: set}, Now: func() time.Time { return q3 }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(o3.Path, "results/2026-Q3/") || o3.Results.Changes != nil {
		t.Fatalf("Q3 outcome: %s %+v", o3.Path, o3.Results.Changes)
	}
	q4 := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	commitRun(t, lk, signer, "2026-Q4", q4, summarySnap(t, true))
	o4, err := EvaluateRun(t.Context(), RunRequest{Locker: lk, Signer: signer, Options: LockerOptions{Period: "2026-Q4", Checks: set}, Now: func() time.Time { return q4 }})
	if err != nil {
		t.Fatal(err)
	}
	ch := o4.Results.Changes
	if ch == nil || ch.PreviousPeriod != "2026-Q3" || len(ch.ResolvedFailures) != 1 || ch.ResolvedFailures[0].CheckID != "iam_root_mfa_enabled" {
		t.Fatalf("changes %+v", ch)
	}
	if o4.Results.Inputs.PreviousResults != evidence.Digest(o3.Data) {
		t.Error("the previous results' digest is not the stored Q3 results")
	}
	sig, err := lk.ReadFile(o4.Path+".sig", 1024)
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(signer.PublicKey(), o4.Data, sig); err != nil {
		t.Errorf("results signature: %v", err)
	}

	// A tampered previous results file stops evaluation rather than
	// reporting changes from forged data.
	full := filepath.Join(lk.Root(), "files", filepath.FromSlash(o3.Path))
	if err := os.Chmod(full, 0o644); err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(o3.Data), `"status": "fail"`, `"status": "pass"`, 1)
	if err := os.WriteFile(full, []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	commitRun(t, lk, signer, "2026-Q4", q4.Add(time.Hour), summarySnap(t, true))
	_, err = EvaluateRun(t.Context(), RunRequest{Locker: lk, Signer: signer, Options: LockerOptions{Period: "2026-Q4", Checks: set}})
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("forged previous results: %v", err)
	}
}

func TestLoadInputsStopsOnTamperedSnapshot(t *testing.T) {
	cat := testCatalog(t)
	set, err := BuiltinChecks(LoadOptions{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	s := summarySnap(t, true)
	lk, _, run := testLocker(t, "2026-Q4", testClock, s)
	path := filepath.Join(lk.Root(), filepath.FromSlash(locker.ObjectPath(s.Digest)))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(s.Data), "true", "false", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadInputs(t.Context(), lk, LockerOptions{RunID: run, Checks: set})
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), s.Digest) {
		t.Fatalf("error %v", err)
	}
	if _, err := LoadInputs(t.Context(), lk, LockerOptions{Period: "2025-Q1", Checks: set}); !errors.Is(err, ErrNoRun) {
		t.Errorf("no run: %v", err)
	}
}

func TestAttachAndLoadAttachments(t *testing.T) {
	cat := testCatalog(t)
	lk, signer, _ := testLocker(t, "2026-Q4", testClock)
	doc := []byte("%PDF-1.4 risk analysis\n")
	m, err := Attach(t.Context(), lk, signer, cat, AttachRequest{Control: "164.308(a)(1)(ii)(A)", FileName: "/tmp/x/risk.pdf", Data: doc,
		Note: "annual", ValidUntil: "2027-06-30", Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	if m.FileName != "risk.pdf" || m.SHA256 != evidence.Digest(doc) || m.KeyID != evidence.KeyID(signer.PublicKey()) {
		t.Errorf("metadata %+v", m)
	}
	got, err := LoadAttachments(lk, []*ecdsa.PublicKey{signer.PublicKey()})
	if err != nil || len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("load: %v %+v", err, got)
	}
	if _, err := LoadAttachments(lk, nil); !errors.Is(err, ErrTampered) {
		t.Errorf("untrusted key: %v", err)
	}
	for _, bad := range []AttachRequest{
		{Control: "164.999(a)", FileName: "a.pdf", Data: doc, Now: testClock},
		{Control: "164.308(a)(2)", FileName: "a.pdf", Data: nil, Now: testClock},
		{Control: "164.308(a)(2)", FileName: "a.pdf", Data: doc, ValidUntil: "soon", Now: testClock},
		{Control: "164.308(a)(2)", FileName: "metadata.json", Data: doc, Now: testClock},
		{Control: "164.308(a)(2)", FileName: "..", Data: doc, Now: testClock},
	} {
		if _, err := Attach(t.Context(), lk, signer, cat, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	// A changed document is caught.
	path := filepath.Join(lk.Root(), "files", AttachmentsDir, m.ID, "risk.pdf")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("%PDF-1.4 something else\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAttachments(lk, []*ecdsa.PublicKey{signer.PublicKey()}); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "risk.pdf") {
		t.Errorf("tampered document: %v", err)
	}
}
