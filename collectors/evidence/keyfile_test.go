package evidence

import (
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
