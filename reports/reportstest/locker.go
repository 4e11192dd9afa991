package reportstest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// LockerFixture is a locker holding one signed collection run of 2026-Q4
// (with a service-scope snapshot) and its signed results.json.
type LockerFixture struct {
	// Locker is the locker.
	Locker *locker.Locker
	// Signer signed the run and the results (a demo key).
	Signer *evidence.LocalSigner
	// RunID is the run.
	RunID string
	// ResultsPath is the results file, under the locker's files/.
	ResultsPath string
}

// NewRun creates a locker at root/evidence-locker holding one collection
// run of 2026-Q4, signed with a demo key written to
// root/keys/signing-key.pem (the default paths of the CLI). The run holds a
// service-scope snapshot and nothing else, so an evaluation of it finds
// every other kind of evidence missing.
func NewRun(t testing.TB, root string) *LockerFixture {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(root, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.GenerateKeyFile(filepath.Join(root, "keys", "signing-key.pem"), true)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := locker.Open(filepath.Join(root, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 31, 22, 0, 0, 0, time.UTC)
	snap := &evidence.Snapshot{Schema: evidence.SchemaV1, Kind: "aws.scope.services",
		Collector: evidence.CollectorInfo{Name: "scope", Version: "1.0.0"},
		Source:    evidence.Source{Partition: "aws", AccountID: ProdAccount, Region: evidence.GlobalRegion},
		Period:    "2026-Q4", CollectedAt: at, Status: evidence.StatusOK, Errors: []evidence.CallError{},
		APICalls: []string{"ce:GetCostAndUsage"}, Payload: ServicesPayload()}
	data, err := snap.Encode()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := lk.PutSnapshot(data, sig)
	if err != nil {
		t.Fatal(err)
	}
	runID := locker.NewRunID("2026-Q4", at)
	m := &locker.Manifest{RunID: runID, Period: "2026-Q4", ToolVersion: "test", StartedAt: at, FinishedAt: at,
		Accounts: []locker.AccountEntry{{AccountID: ProdAccount, Access: "caller"}}, Regions: []string{"us-east-1"},
		Snapshots: []locker.SnapshotEntry{{Digest: digest, Path: locker.ObjectPath(digest), Size: int64(len(data)), Kind: "aws.scope.services",
			Collector: "scope", AccountID: ProdAccount, Region: evidence.GlobalRegion, Status: evidence.StatusOK}}}
	if err := lk.CommitRun(ctx, m, signer); err != nil {
		t.Fatal(err)
	}
	return &LockerFixture{Locker: lk, Signer: signer, RunID: runID}
}

// NewLocker is NewRun plus the Results of the run, signed and stored as
// evaluate stores them. With tamper, the stored results no longer match
// their signature.
func NewLocker(t testing.TB, root string, tamper bool) *LockerFixture {
	t.Helper()
	ctx := context.Background()
	fx := NewRun(t, root)
	lk, signer, runID := fx.Locker, fx.Signer, fx.RunID
	res := Results()
	res.RunID = runID
	res.KeyID = evidence.KeyID(signer.PublicKey())
	rdata, err := res.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rsig, err := signer.Sign(ctx, rdata)
	if err != nil {
		t.Fatal(err)
	}
	if tamper {
		rdata = []byte(strings.Replace(string(rdata), `"not_met"`, `"met"`, 1))
	}
	rel := "results/2026-Q4/" + runID + "/20270101T000000.000000000Z-0123456789abcdef.json"
	if _, err := lk.PutFile(rel+".sig", rsig); err != nil {
		t.Fatal(err)
	}
	if _, err := lk.PutFile(rel, rdata); err != nil {
		t.Fatal(err)
	}
	return &LockerFixture{Locker: lk, Signer: signer, RunID: runID, ResultsPath: rel}
}
