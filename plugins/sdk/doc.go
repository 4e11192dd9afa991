// Package sdk is what a vendor imports to ship a hipaa-evidence collector as a
// plugin: a separate binary, built without hipaa-evidence's source tree, that
// the host launches, pins by sha256 and talks to over gRPC.
//
// A plugin collector is an ordinary collectors.Collector — the same interface
// the built-in AWS collectors implement — and the plugin's main is ten lines:
//
//	//go:embed checks/*.yaml
//	var checks embed.FS
//
//	func main() {
//		sdk.Serve(sdk.Plugin{
//			Name:       "acme-idp",
//			Version:    "1.0.0",
//			Collectors: []collectors.Collector{mfa.New()},
//			Checks:     checks,
//		})
//	}
//
// One binary may serve several collectors. The host asks the plugin to
// describe itself (name, version, collectors, evidence kinds, permissions,
// checks and the catalog entries they cite) without collecting anything, and
// then calls Collect once per job. The plugin returns unsigned snapshots; the
// host validates them, stamps the plugin's digest and version, signs them with
// the run's key, and stores them. The plugin never sees the signing key, the
// host's environment (only an explicit allowlist), or AWS credentials.
//
// docs/writing-a-plugin.md walks through a complete plugin, the one under
// plugins/examples.
package sdk
