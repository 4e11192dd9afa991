package bundle

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTSA is a local RFC 3161 time-stamping authority: `openssl ts -reply`
// behind an HTTP handler on loopback, with its own CA.
type testTSA struct {
	dir    string
	caPEM  string // path of the CA certificate
	caCert *x509.Certificate
	srv    *httptest.Server
	mu     sync.Mutex
	// replay, when set, is returned instead of a fresh response.
	replay []byte
}

// newTestTSA creates a CA, a TSA certificate (critical EKU timeStamping)
// with a key of keyType ("rsa" or "ecdsa"), an openssl ts configuration, and
// serves `openssl ts -reply` on loopback.
func newTestTSA(t *testing.T, keyType string) *testTSA {
	t.Helper()
	needTools(t, "openssl")
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test TSA Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	var tsaKey crypto.Signer
	switch keyType {
	case "rsa":
		tsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		tsaKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	tsaTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test TSA " + keyType},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	tsaDER, err := x509.CreateCertificate(rand.Reader, tsaTmpl, caCert, tsaKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(tsaKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca := write("ca.pem", "CERTIFICATE", caDER)
	write("tsa.pem", "CERTIFICATE", tsaDER)
	write("tsa.key", "PRIVATE KEY", keyDER)
	if err := os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = %s
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "tsa.cnf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := &testTSA{dir: dir, caPEM: ca, caCert: caCert}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *testTSA) serve(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "want a POST of application/timestamp-query", http.StatusBadRequest)
		return
	}
	if ts.replay != nil {
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(ts.replay)
		return
	}
	q, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	qf, rf := filepath.Join(ts.dir, "q.tsq"), filepath.Join(ts.dir, "r.tsr")
	if err := os.WriteFile(qf, q, 0o600); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out, err := exec.Command("openssl", "ts", "-reply", "-config", filepath.Join(ts.dir, "tsa.cnf"), "-queryfile", qf, "-out", rf).CombinedOutput()
	if err != nil {
		http.Error(w, string(out), http.StatusInternalServerError)
		return
	}
	resp, err := os.ReadFile(rf)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

func (ts *testTSA) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ts.caCert)
	return p
}

func TestTimestampEndToEnd(t *testing.T) {
	for _, keyType := range []string{"ecdsa", "rsa"} {
		t.Run(keyType, func(t *testing.T) {
			tsa := newTestTSA(t, keyType)
			s := newSigner(t, false)
			lk, runID := newRun(t, s)
			out := t.TempDir()
			res, err := WriteFile(context.Background(), out, &Input{Organization: "Acme", Period: "2026-Q4", ToolVersion: "test",
				Signer: s, Files: fixtureFiles(t, lk, runID, s), Timestamper: &TimestampClient{URL: tsa.srv.URL}}, false)
			if err != nil {
				t.Fatal(err)
			}
			if res.Timestamp == nil || time.Since(res.Timestamp.Time) > time.Minute {
				t.Fatalf("timestamp info %+v", res.Timestamp)
			}
			zipBytes := mustRead(t, res.Path)

			rep, err := verifyBytes(zipBytes, Options{TSARoots: tsa.roots()})
			if err != nil {
				t.Fatalf("verify with the TSA root: %v", err)
			}
			if rep.Timestamp == nil || !rep.Timestamp.Anchored || !strings.Contains(rep.Timestamp.Authority, "Test TSA "+keyType) {
				t.Errorf("timestamp %+v, want anchored, by Test TSA", rep.Timestamp)
			}
			rep, err = verifyBytes(zipBytes, Options{})
			if err != nil {
				t.Fatalf("verify without roots: %v", err)
			}
			if rep.Timestamp.Anchored || !containsAny(rep.Warnings, "checked against its own certificate only") {
				t.Errorf("unanchored timestamp: anchored=%v warnings=%q", rep.Timestamp.Anchored, rep.Warnings)
			}
			other := newTestTSA(t, "ecdsa")
			if _, err := verifyBytes(zipBytes, Options{TSARoots: other.roots()}); !errors.Is(err, ErrTimestamp) || !strings.Contains(err.Error(), "does not chain") {
				t.Errorf("verify with another TSA's root: %v", err)
			}

			// The auditor's openssl commands from README-VERIFY.txt step 6,
			// with the TSA's root where the README says to put it.
			dir := filepath.Join(out, "x")
			extract(t, res.Path, dir)
			if err := os.WriteFile(filepath.Join(dir, "TSA-ROOT.pem"), mustRead(t, tsa.caPEM), 0o644); err != nil {
				t.Fatal(err)
			}
			steps := readmeSteps(t, string(mustRead(t, filepath.Join(dir, ReadmeFile))))
			if o, ok := runStep(t, dir, steps["6"]); !ok || !strings.Contains(o, "Verification: OK") || !strings.Contains(o, "Time stamp:") {
				t.Errorf("README step 6: ok=%v output %q\nscript:\n%s", ok, o, steps["6"])
			}

			// Tampering with the timestamp.
			m := entryMap(unzipAll(t, zipBytes))
			for name, mutate := range map[string]func(){
				"flipped byte": func() { m[TimestampFile] = flip(m[TimestampFile], len(m[TimestampFile])-40) },
				"over other data": func() {
					d := sha256.Sum256([]byte("something else"))
					tsr, err := (&TimestampClient{URL: tsa.srv.URL}).Timestamp(context.Background(), d[:])
					if err != nil {
						t.Fatal(err)
					}
					m[TimestampFile] = tsr
				},
				"truncated": func() { m[TimestampFile] = m[TimestampFile][:len(m[TimestampFile])/2] },
			} {
				orig := m[TimestampFile]
				mutate()
				_, err := verifyBytes(buildZip(t, fromMap(m)), Options{})
				var ve *Error
				if !errors.Is(err, ErrTimestamp) || !errors.As(err, &ve) || ve.Path != TimestampFile {
					t.Errorf("%s: %v, want ErrTimestamp naming %s", name, err, TimestampFile)
				}
				m[TimestampFile] = orig
			}
		})
	}
}

func TestTimestampClientRejects(t *testing.T) {
	tsa := newTestTSA(t, "ecdsa")
	d := sha256.Sum256([]byte("seal"))
	good, err := (&TimestampClient{URL: tsa.srv.URL}).Timestamp(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/garbage" {
			w.Write([]byte("not DER"))
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer bad.Close()
	tests := []struct {
		name, url, want string
		replay          []byte
	}{
		{"not http", "file:///etc/passwd", "not an http(s) URL", nil},
		{"server error", bad.URL + "/", "503", nil},
		{"garbage", bad.URL + "/garbage", "timestamp does not verify", nil},
		{"replayed response", tsa.srv.URL, "does not echo the request's nonce", good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tsa.mu.Lock()
			tsa.replay = tt.replay
			tsa.mu.Unlock()
			defer func() { tsa.mu.Lock(); tsa.replay = nil; tsa.mu.Unlock() }()
			_, err := (&TimestampClient{URL: tt.url}).Timestamp(context.Background(), d[:])
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func containsAny(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
