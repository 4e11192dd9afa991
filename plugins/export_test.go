package plugins

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// FakeDigest is the digest of plugins launched in process; there is no binary.
var FakeDigest = strings.Repeat("ab", 32)

// LaunchInProcess launches impl as a plugin over an in-memory gRPC
// connection made by go-plugin's test helper: the whole host path except the
// subprocess.
func LaunchInProcess(t testing.TB, h *Host, cfg Config, impl proto.Plugin) (*Plugin, error) {
	t.Helper()
	start := func() (process, error) {
		client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{proto.PluginKey: &proto.GRPCPlugin{Impl: impl}})
		raw, err := client.Dispense(proto.PluginKey)
		if err != nil {
			return nil, err
		}
		p, ok := raw.(proto.Plugin)
		if !ok {
			return nil, fmt.Errorf("dispensed %T", raw)
		}
		return &inProcess{client: client, rpc: p}, nil
	}
	return h.launch(context.Background(), cfg.withDefaults(), FakeDigest, start)
}

type inProcess struct {
	client *plugin.GRPCClient
	rpc    proto.Plugin
}

func (p *inProcess) plugin() proto.Plugin { return p.rpc }
func (p *inProcess) exited() bool         { return false }
func (p *inProcess) kill()                { _ = p.client.Close() }
func (p *inProcess) protocol() int        { return proto.ProtocolVersion }
func (p *inProcess) stderr() string       { return "" }

// NewSetForTest returns a set of already launched plugins.
func NewSetForTest(ps ...*Plugin) *Set { return &Set{plugins: ps} }
