package bundle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenFileRefusesAPipe verifies a named pipe nobody writes to: opening
// it for reading blocks until a writer comes, so OpenFile must refuse it
// before it opens it.
func TestOpenFileRefusesAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "bundle.zip")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := VerifyFile(context.Background(), fifo, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("VerifyFile = %v, want a refusal naming a non-regular file", err)
		}
	case <-time.After(20 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatal("VerifyFile was still opening the pipe")
	}
}
