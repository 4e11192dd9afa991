package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadKeyFileRefusesNonRegularFiles points the key path at a named pipe
// with mode 0600 that nobody writes to: reading it would block for ever.
func TestLoadKeyFileRefusesNonRegularFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := LoadKeyFile(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadKeyFile = %v, want a refusal naming a non-regular file", err)
		}
	case <-time.After(20 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("LoadKeyFile was still reading the pipe")
	}
}

// TestGenerateKeyFileWritesBothHalvesOrNeither checks that keys init, when
// a public key file is already in the way, refuses before writing the
// private key: otherwise it leaves a private key without its public half,
// and the next keys init refuses because the private key exists.
func TestGenerateKeyFileWritesBothHalvesOrNeither(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing-key.pem")
	if err := os.WriteFile(PublicKeyPath(path), []byte("someone else's key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKeyFile(path, false); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("GenerateKeyFile = %v, want ErrKeyExists", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a private key was written without its public half (stat: %v)", err)
	}
}
