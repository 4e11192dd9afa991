// Command reportbench renders one report of a generated package and prints
// how long it took and the process's peak resident memory, for
// bench/reports.sh. Findings are generated on the fly (the package's
// FindingSource), so the input costs no memory and what is measured is the
// renderer.
//
//	go run ./bench/reportbench -format xlsx -failing 10000 -passing 90000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
	_ "github.com/hipaa-evidence/hipaa-evidence/reports/all"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reportbench:", err)
		os.Exit(1)
	}
}

func run() error {
	format := flag.String("format", "xlsx", "format to render: pdf, xlsx or json")
	failing := flag.Int("failing", 10000, "failing findings")
	passing := flag.Int("passing", 0, "passing findings")
	out := flag.String("out", os.DevNull, "file to write")
	flag.Parse()

	r, err := reports.Default.New(*format)
	if err != nil {
		return err
	}
	p := reportstest.New(reportstest.Options{Failing: *failing, Passing: *passing, Stream: true})
	p.Digest = "0000000000000000000000000000000000000000000000000000000000000000"
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	start := time.Now()
	if err := r.Render(context.Background(), w, p, nil); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	elapsed := time.Since(start)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	// On Linux, Maxrss is in KiB.
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"format": *format, "failing": *failing, "findings": p.TotalCounts().Total(),
		"seconds": elapsed.Seconds(), "max_rss_mib": float64(ru.Maxrss) / 1024,
	})
}
