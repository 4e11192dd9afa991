package collectors

import (
	"fmt"
	"sort"
	"sync"
)

// Factory makes a new collector.
type Factory func() Collector

// Registry maps collector names to factories.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry, for tests and for runs that add
// plugin collectors beside the built-ins.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Default is the registry the built-in collectors register with in init.
var Default = NewRegistry()

// Register adds a collector to the default registry. It panics if f is nil or
// name is already registered, like database/sql.Register.
func Register(name string, f Factory) { Default.Register(name, f) }

// Register adds a collector. It panics if f is nil or name is taken.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f == nil {
		panic("collectors: Register factory is nil for " + name)
	}
	if _, dup := r.factories[name]; dup {
		panic("collectors: Register called twice for " + name)
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

// Names returns the registered names, sorted.
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

// New makes the collector registered as name.
func (r *Registry) New(name string) (Collector, error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown collector %q (known: %v)", name, r.Names())
	}
	return f(), nil
}

// Clone returns a new registry holding the same factories, so a run can add
// plugin collectors without touching the default registry.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := NewRegistry()
	for n, f := range r.factories {
		c.factories[n] = f
	}
	return c
}
