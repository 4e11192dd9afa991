// Package proto is the versioned wire contract between hipaa-evidence and its
// collector plugins, in the layers of go-plugin's gRPC model:
//
//   - handshake.go: the domain interface a plugin serves (Plugin), the types it
//     speaks (Description, CheckFile), and the go-plugin handshake that
//     negotiates the protocol version;
//   - grpc.go: the gRPC shims, a client that implements Plugin over a
//     connection and a server that exposes a Plugin;
//   - convert.go: converters between the domain types and the generated wire
//     types, which live in internal/pluginv1 and are never seen outside this
//     package.
//
// The contract itself is collector.proto. Its generated code is committed; see
// generate.go to regenerate it. The host (package plugins) and the SDK (package
// plugins/sdk) both build on this package; vendors import only the SDK.
package proto
