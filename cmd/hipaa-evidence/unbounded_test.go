package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInputFilesMustBeRegular points attach and the ownership matrix at a
// named pipe nobody writes to. Its size says 0, so a size check passes, and
// reading it never ends (a device such as /dev/zero never ends either): the
// command must refuse it at once.
func TestInputFilesMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	collectTestRun(t, dir, false)
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte("ownership: pipe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"attach", "--control", "164.308(a)(1)(ii)(A)", "--file", fifo},
		{"evaluate", "--period", "2026-Q4"},
	} {
		t.Run(args[0], func(t *testing.T) {
			type result struct {
				stderr string
				code   int
			}
			done := make(chan result, 1)
			go func() {
				_, stderr, code := runCLI(t, dir, args...)
				done <- result{stderr, code}
			}()
			select {
			case r := <-done:
				if r.code != exitError || !strings.Contains(r.stderr, "not a regular file") {
					t.Errorf("exit %d, stderr %s; want a refusal naming a non-regular file", r.code, r.stderr)
				}
			case <-time.After(20 * time.Second):
				// Unblock the reader and let the command end before failing.
				if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					w.Close()
				}
				<-done
				t.Fatal("the command was still reading the pipe")
			}
		})
	}
}
