package reports

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Renderer writes a Package in one format.
type Renderer interface {
	// Extension is the file name extension of the output, without the dot,
	// e.g. "pdf".
	Extension() string
	// MediaType is the IANA media type of the output.
	MediaType() string
	// Render writes p to w. It reads p and opts and changes neither.
	Render(ctx context.Context, w io.Writer, p *Package, opts *Options) error
}

// Options are what every renderer needs besides the Package.
type Options struct {
	// Text holds the report's words. Nil means the embedded templates.
	Text *Text
	// Files names the sibling files of the same report, by format name
	// ("json", "pdf", "xlsx"), so that one document can refer to the others
	// (the verification instructions name the JSON model).
	Files map[string]string
}

// Factory makes a renderer.
type Factory func() Renderer

// Registry maps format names ("pdf", "xlsx", "json") to renderer factories.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry, for tests.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Default is the registry the built-in renderers register with in init.
var Default = NewRegistry()

// Register adds a renderer to the default registry. It panics if f is nil or
// name is already registered, like database/sql.Register.
func Register(name string, f Factory) { Default.Register(name, f) }

// Register adds a renderer. It panics if f is nil or name is taken.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f == nil {
		panic("reports: Register factory is nil for " + name)
	}
	if _, dup := r.factories[name]; dup {
		panic("reports: Register called twice for " + name)
	}
	r.factories[name] = f
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.factories[name]
	return ok
}

// Names returns the registered format names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New makes the renderer registered as name.
func (r *Registry) New(name string) (Renderer, error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownFormat, name, r.Names())
	}
	return f(), nil
}
