package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progressBar draws a one-line progress bar on a terminal. On anything else
// (a file, a pipe, CI logs) it draws nothing, so logs stay clean.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	last  time.Time
	drawn bool
}

// newProgress returns a bar for label, or nil when stderr is not a terminal,
// --quiet is set or logs are JSON.
func (a *app) newProgress(label string) *progressBar {
	if a.quiet || a.logFormat == "json" {
		return nil
	}
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{w: f, label: label}
}

// update redraws the bar at most ten times a second, and always at the end.
func (p *progressBar) update(done, total int, current string) {
	if p == nil || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < total && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * done / total
	if len(current) > 40 {
		current = current[:40]
	}
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %-40s", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, current)
	p.drawn = true
}

// finish ends the bar's line.
func (p *progressBar) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
