package reports_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

func TestGenerate(t *testing.T) {
	fx := reportstest.NewLocker(t, t.TempDir(), false)
	out := t.TempDir()
	clock := time.Date(2027, 1, 3, 10, 0, 0, 0, time.UTC)
	g, err := reports.Generate(context.Background(), reports.GenerateRequest{Locker: fx.Locker, Period: "2026-Q4", Dir: out,
		ToolVersion: "v9.9.9", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if g.RunID != fx.RunID || g.ResultsPath != fx.ResultsPath || g.Gaps != 1 {
		t.Fatalf("generated %+v", g)
	}
	if len(g.Files) != 3 || len(g.Stored) != 3 {
		t.Fatalf("files %v stored %v, want 3 of each", g.Files, g.Stored)
	}
	model, err := os.ReadFile(g.Path("json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(model)
	if hex.EncodeToString(sum[:]) != g.Digest {
		t.Fatal("digest is not the SHA-256 of the JSON model")
	}
	for _, rel := range g.Stored {
		b, err := fx.Locker.ReadFile(rel, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(rel, ".json") && string(b) != string(model) {
			t.Errorf("stored %s differs from the written model", rel)
		}
		if !strings.HasPrefix(rel, "reports/2026-Q4/"+fx.RunID+"/20270103T100000") {
			t.Errorf("stored at %s", rel)
		}
	}
	p := g.Package
	if len(p.Scope.Services) != 3 || p.Scope.Accounts[0].Access != "caller" || !p.GeneratedAt.Equal(clock) || p.ToolVersion != "v9.9.9" {
		t.Fatalf("package scope %+v, generated %v", p.Scope, p.GeneratedAt)
	}
}

func TestGenerateRefuses(t *testing.T) {
	other, err := evidence.GenerateKeyFile(filepath.Join(t.TempDir(), "other.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		tamper bool
		req    func(fx *reportstest.LockerFixture) reports.GenerateRequest
		want   error
	}{
		{"tampered results", true, func(fx *reportstest.LockerFixture) reports.GenerateRequest {
			return reports.GenerateRequest{Locker: fx.Locker, Period: "2026-Q4"}
		}, evidence.ErrBadSignature},
		{"no results for the period", false, func(fx *reportstest.LockerFixture) reports.GenerateRequest {
			return reports.GenerateRequest{Locker: fx.Locker, Period: "2026-Q3"}
		}, reports.ErrNoResults},
		{"run signed by another key than the pinned one", false, func(fx *reportstest.LockerFixture) reports.GenerateRequest {
			return reports.GenerateRequest{Locker: fx.Locker, Period: "2026-Q4", PinnedKey: other.PublicKey()}
		}, evidence.ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := reportstest.NewLocker(t, t.TempDir(), tc.tamper)
			req := tc.req(fx)
			req.Dir = t.TempDir()
			_, err := reports.Generate(context.Background(), req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Generate error = %v, want %v", err, tc.want)
			}
			if entries, _ := os.ReadDir(req.Dir); len(entries) != 0 {
				t.Errorf("a refused report left %d files", len(entries))
			}
		})
	}
}
