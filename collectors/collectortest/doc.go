// Package collectortest is the test harness every collector uses: the kumo
// AWS emulator in-process, an HTTP-layer stub for the API calls kumo does not
// implement (answered with the response shapes the AWS API reference
// documents), fault injection (AccessDenied, throttling, latency), a recorder
// of every operation the SDK sends, a router that gives each account of a
// test organization its own emulator, and the conformance suite.
package collectortest
