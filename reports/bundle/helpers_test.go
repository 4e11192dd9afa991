package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// fixedNow is the clock of every fixture.
var fixedNow = time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)

// fakeCollector produces deterministic evidence without calling AWS.
type fakeCollector struct{ scope collectors.Scope }

func (f fakeCollector) Describe() collectors.Descriptor {
	name, kinds := "fakeacct", []string{"test.fake.users", "test.fake.policy"}
	if f.scope == collectors.PerRegion {
		name, kinds = "fakeregion", []string{"test.fake.keys"}
	}
	return collectors.Descriptor{Name: name, Version: "1.0.0", Summary: "test evidence", Scope: f.scope,
		EvidenceKinds: kinds, Actions: []string{"iam:ListUsers"}}
}

func (f fakeCollector) Collect(_ context.Context, req *collectors.Request) (*collectors.Response, error) {
	var out []*evidence.Snapshot
	for _, k := range f.Describe().EvidenceKinds {
		payload, err := json.Marshal(map[string]any{
			"account": req.Target.AccountID, "region": req.Target.Region, "kind": k,
			"users": []map[string]any{{"arn": "arn:aws:iam::" + req.Target.AccountID + ":user/alice", "mfa_active": true}},
		})
		if err != nil {
			return nil, err
		}
		out = append(out, &evidence.Snapshot{Kind: k, Status: evidence.StatusOK, APICalls: []string{"iam:ListUsers"}, Payload: payload})
	}
	return &collectors.Response{Snapshots: out}, nil
}

// newSigner returns a fresh local signing key.
func newSigner(t testing.TB, demo bool) *evidence.LocalSigner {
	t.Helper()
	s, err := evidence.GenerateKeyFile(filepath.Join(t.TempDir(), "signing-key.pem"), demo)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newRun collects fake evidence for two accounts and two regions into a new
// locker, signed by signer.
func newRun(t testing.TB, signer evidence.Signer) (*locker.Locker, string) {
	t.Helper()
	lk, err := locker.Open(filepath.Join(t.TempDir(), "locker"))
	if err != nil {
		t.Fatal(err)
	}
	reg := collectors.NewRegistry()
	reg.Register("fakeacct", func() collectors.Collector { return fakeCollector{collectors.PerAccount} })
	reg.Register("fakeregion", func() collectors.Collector { return fakeCollector{collectors.PerRegion} })
	r := &collectors.Runner{Registry: reg, Locker: lk, Signer: signer, Now: func() time.Time { return fixedNow }, ToolVersion: "test"}
	regions := []string{"us-east-1", "us-west-2"}
	acct := func(id string) collectors.Account {
		return collectors.Account{ID: id, Partition: "aws", Access: "caller", Regions: regions}
	}
	res, err := r.Run(context.Background(), collectors.Plan{
		Period: "2026-Q4", Organization: "Acme Health",
		PeriodStart: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Collectors: []string{"fakeacct", "fakeregion"},
		Caller:     acct("111111111111"),
		Accounts:   []collectors.Account{acct("111111111111"), acct("222222222222")},
		Regions:    regions,
	})
	if err != nil {
		t.Fatal(err)
	}
	return lk, res.RunID
}

// fixtureFiles returns a full set of bundle inputs: the run's evidence, an
// attachment signed by signer, results, reports, config and checks.
func fixtureFiles(t testing.TB, lk *locker.Locker, runID string, signer evidence.Signer) []File {
	t.Helper()
	files, err := RunFiles(lk, runID, signer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("Risk analysis 2026, approved by the security officer.\n")
	sig, err := signer.Sign(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	return append(files,
		BytesFile("attachments/164.308(a)(1)(ii)(A)/risk-analysis.txt", doc),
		BytesFile("attachments/164.308(a)(1)(ii)(A)/risk-analysis.txt.sig", sig),
		BytesFile(ResultsFile, []byte(`{"results": [], "controls": []}`+"\n")),
		BytesFile("reports/hipaa-evidence-acme-health-2026-Q4.pdf", []byte("%PDF-1.7\n% a report\n%%EOF\n")),
		BytesFile("reports/hipaa-evidence-acme-health-2026-Q4.xlsx", []byte("PK\x03\x04 a workbook")),
		BytesFile("config/ownership.yaml", []byte("entries: []\n")),
		BytesFile("config/exceptions.yaml", []byte("exceptions: []\n")),
		BytesFile("checks/aws.yaml", []byte("id: iam_console_users_mfa\n")),
	)
}

// fixture is a written bundle and what made it.
type fixture struct {
	signer *evidence.LocalSigner
	lk     *locker.Locker
	runID  string
	zip    []byte
	res    *Result
}

// newFixture writes a complete bundle in memory.
func newFixture(t testing.TB, demo bool) *fixture {
	t.Helper()
	s := newSigner(t, demo)
	lk, runID := newRun(t, s)
	in := &Input{Organization: "Acme Health", Period: "2026-Q4", CreatedAt: fixedNow, ToolVersion: "test", RunID: runID,
		Signer: s, Files: fixtureFiles(t, lk, runID, s)}
	var buf bytes.Buffer
	res, err := Write(context.Background(), &buf, in)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{signer: s, lk: lk, runID: runID, zip: buf.Bytes(), res: res}
}

// verifyBytes verifies a zip held in memory.
func verifyBytes(b []byte, opts Options) (*Report, error) {
	return Verify(context.Background(), bytes.NewReader(b), int64(len(b)), opts)
}

// zipEntry is one entry of a hand-built zip.
type zipEntry struct {
	name   string
	data   []byte
	mode   fs.FileMode // 0 means 0644
	method uint16
}

// unzipAll returns a zip's entries in archive order.
func unzipAll(t testing.TB, b []byte) []zipEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, zipEntry{name: f.Name, data: data})
	}
	return out
}

// buildZip writes entries into a zip, in order, without any checks.
func buildZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: e.method}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// entryMap returns the entries by name.
func entryMap(es []zipEntry) map[string][]byte {
	m := map[string][]byte{}
	for _, e := range es {
		m[e.name] = e.data
	}
	return m
}

// fromMap returns entries sorted by name.
func fromMap(m map[string][]byte) []zipEntry {
	var out []zipEntry
	for n, d := range m {
		out = append(out, zipEntry{name: n, data: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// reseal recomputes SHA256SUMS over every file but the seal files and signs
// it with signer: what an attacker holding a key (or a buggy writer) does.
func reseal(t testing.TB, m map[string][]byte, signer evidence.Signer) {
	t.Helper()
	var sums []Sum
	for n, d := range m {
		if !sealFiles(n) {
			sums = append(sums, Sum{Digest: evidence.Digest(d), Path: n})
		}
	}
	m[SumsFile] = FormatSums(sums)
	sealWith(t, m, signer)
}

// sealWith signs the current SHA256SUMS with signer.
func sealWith(t testing.TB, m map[string][]byte, signer evidence.Signer) {
	t.Helper()
	sig, err := signer.Sign(context.Background(), m[SumsFile])
	if err != nil {
		t.Fatal(err)
	}
	m[SealFile] = sig
}

// firstMatch returns the first entry name with prefix and suffix.
func firstMatch(t testing.TB, m map[string][]byte, prefix, suffix string) string {
	t.Helper()
	var names []string
	for n := range m {
		if strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatalf("no entry %s*%s", prefix, suffix)
	}
	sort.Strings(names)
	return names[0]
}

// writeTemp writes b to a new file and returns its path.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
