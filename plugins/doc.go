// Package plugins is the host side of collector plugins: it reads the
// plugins section of the config, refuses any binary whose sha256 does not
// match its pin, launches the rest with go-plugin (gRPC, AutoMTLS, an
// explicit environment allowlist instead of the host's environment) from a
// private copy of the verified bytes, so the file at the configured path
// cannot be swapped between the check and the start, and
// adapts every collector a plugin serves to collectors.Collector, so the
// Runner runs, signs and stores it like a built-in.
//
// A plugin is untrusted input. Every call has a deadline; the number and size
// of the snapshots a call returns are bounded; a plugin that crashes, hangs,
// breaks the wire contract or sends too much yields error snapshots that name
// it, and the run goes on. The host, never the plugin, decides a snapshot's
// schema, collector identity, plugin digest and version, source and period,
// and only the host holds the signing key.
//
// A plugin's checks are recorded in the locker as one signed file per plugin
// binary (files/plugins/<sha256>/<key id>.json), so a run's evidence can be
// evaluated again, from the locker or a bundle, without the plugin binary.
// See RecordChecks and LoadRunChecks.
package plugins
