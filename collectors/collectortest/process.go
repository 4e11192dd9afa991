package collectortest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sivchari/kumo"
)

// childEnv is set in the environment of a process started to serve one
// emulator. kumo keeps its state in package variables, so every emulator in
// one process shares one state; an account with its own state needs its own
// process.
const childEnv = "HIPAA_EVIDENCE_EMULATOR_CHILD"

// startTimeout bounds how long a child emulator may take to report its URL.
const startTimeout = 60 * time.Second

// ServeIfChild serves an emulator and returns true when this process was
// started by StartEmulatorProcess; it returns false at once otherwise. Call
// it first thing in main (the demo) or TestMain (through Main).
//
// The child prints its URL on stdout and serves until its stdin closes, so it
// never outlives its parent.
func ServeIfChild() bool {
	if os.Getenv(childEnv) != "1" {
		return false
	}
	srv := kumo.NewServer()
	fmt.Fprintln(os.Stdout, srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
	return true
}

// Main is TestMain for packages that start isolated emulators: it serves an
// emulator when the test binary was started as one, and runs the tests
// otherwise.
//
//	func TestMain(m *testing.M) { collectortest.Main(m) }
func Main(m *testing.M) {
	if ServeIfChild() {
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// StartEmulatorProcess starts a kumo emulator with its own state in a child
// process: the running executable (a test binary through Main, or the
// hipaa-evidence binary for the demo) re-executed with childEnv set.
func StartEmulatorProcess() (*Emulator, error) {
	return startEmulatorProcess("us-east-1")
}

// startEmulatorProcess starts an emulator process whose services place
// their resources in region (kumo reads AWS_DEFAULT_REGION once, when its
// services start, for the ARNs it builds).
func startEmulatorProcess(region string) (*Emulator, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start emulator process: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1", "AWS_DEFAULT_REGION="+region)
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start emulator process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start emulator process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulator process: %w", err)
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case url := <-lines:
		if !strings.HasPrefix(url, "http://") {
			stop()
			return nil, errors.New("start emulator process: the child did not report a URL (is ServeIfChild or collectortest.Main called first?)")
		}
		var once sync.Once
		return &Emulator{Endpoint: newEndpoint(url), stop: func() { once.Do(stop) }}, nil
	case <-time.After(startTimeout):
		stop()
		return nil, fmt.Errorf("start emulator process: no URL within %s", startTimeout)
	}
}
