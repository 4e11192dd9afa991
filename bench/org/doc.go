// Package org benchmarks collection over a simulated AWS organization: every
// built-in collector, through the real SDK, against the kumo emulator, with
// the calls kumo lacks answered by the collectors' fakes (iamfake, kmsfake,
// cloudtrailfake, s3fake, scopefake). It measures wall time, API calls and
// peak memory, and how they scale with the number of accounts.
//
// kumo keeps one state per process, so every account of the simulated
// organization sees the same resources (about 100 KMS keys and 20 trails);
// the router still gives each account its own id, audit role and
// credentials. That is what a scale measurement needs.
//
// Run with bench/org.sh, which records the figures in bench/org.txt.
package org
