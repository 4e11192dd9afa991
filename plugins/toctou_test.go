package plugins_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// TestRunsOnlyThePinnedBinary replaces the plugin binary at its path, over
// and over, with another build while the host launches it, and asks each
// plugin process that starts for the digest of the file it is running. The
// host hashes the binary before it runs it; a binary swapped in between must
// never run under the pin (the time-of-check to time-of-use window).
func TestRunsOnlyThePinnedBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the plugin reads its own binary through /proc/self/exe")
	}
	self, pin := self(t)
	dir := t.TempDir()
	good, evil, path := filepath.Join(dir, "good"), filepath.Join(dir, "evil"), filepath.Join(dir, "plugin")
	copyFile(t, self, good, nil)
	copyFile(t, self, evil, []byte("\x00another build"))
	if err := os.Link(good, path); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmp := path + ".swap"
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			src := good
			if i%2 == 1 {
				src = evil
			}
			_ = os.Remove(tmp)
			if err := os.Link(src, tmp); err != nil {
				continue
			}
			_ = os.Rename(tmp, path)
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	h, _ := testHost(t)
	cfg := plugins.Config{Name: "tp", Path: path, SHA256: pin, Env: []string{modeEnv + "=exe-digest"}}
	ran := 0
	for i := 0; i < 40; i++ {
		p, err := h.Launch(context.Background(), cfg)
		if err != nil {
			continue // the swapped binary was seen and refused: fine
		}
		resp, err := collectorNamed(t, p, "test-items").Collect(context.Background(), request())
		p.Close()
		if err != nil || len(resp.Snapshots) != 1 || resp.Snapshots[0].Status != "ok" {
			continue
		}
		var got struct{ SHA256 string }
		if err := json.Unmarshal(resp.Snapshots[0].Payload, &got); err != nil {
			t.Fatal(err)
		}
		if got.SHA256 != pin {
			t.Fatalf("launch %d ran a binary with sha256 %s under the pin %s", i, got.SHA256, pin)
		}
		ran++
	}
	t.Logf("%d launches ran, each the pinned binary", ran)
	if ran == 0 {
		t.Fatal("no launch ran: the test showed nothing")
	}
}

func copyFile(t *testing.T, from, to string, extra []byte) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Write(extra); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
