// Command idp-mfa is an example hipaa-evidence plugin: it reports which
// users of an identity provider are enrolled in multi-factor authentication,
// from the provider's user export (a JSON file), and ships checks that map
// the evidence to 45 CFR 164.312(d), person or entity authentication.
//
// docs/writing-a-plugin.md builds it step by step.
package main

import (
	"embed"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/examples/idp-mfa/mfa"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

//go:embed checks/*.yaml
var checks embed.FS

// plugin is what the binary serves; tests check it in process too.
var plugin = sdk.Plugin{
	Name:       "example-idp",
	Version:    "1.0.0",
	Collectors: []collectors.Collector{mfa.New()},
	Checks:     checks,
}

func main() { sdk.Serve(plugin) }
