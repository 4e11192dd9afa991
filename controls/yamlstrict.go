package controls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
)

// maxYAMLSize bounds one YAML input (catalog, check file, ownership,
// exceptions): a multi-megabyte control file is a mistake or an attack on
// the parser.
const maxYAMLSize = 8 << 20

// maxYAMLNodes bounds the nodes of one YAML input, which stops alias
// ("billion laughs") expansion and absurdly deep documents.
const maxYAMLNodes = 200_000

// parseDocuments parses every YAML document in b into nodes that keep their
// original lines. An empty input gives no documents.
func parseDocuments(file string, b []byte) ([]*yaml.Node, error) {
	if len(b) > maxYAMLSize {
		return nil, &config.Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", maxYAMLSize)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, config.YAMLError(file, 0, err)
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			count := 0
			if !countNodes(n.Content[0], &count, 0) {
				return nil, &config.Error{File: file, Line: n.Line, Msg: "document is too large or too deeply nested (aliases expand to too many nodes)"}
			}
			docs = append(docs, n.Content[0])
		}
	}
	return docs, nil
}

// countNodes counts nodes (following aliases) up to maxYAMLNodes and a
// depth of 100; it reports false when either bound is exceeded.
func countNodes(n *yaml.Node, count *int, depth int) bool {
	*count++
	if *count > maxYAMLNodes || depth > 100 {
		return false
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return countNodes(n.Alias, count, depth+1)
	}
	for _, c := range n.Content {
		if !countNodes(c, count, depth+1) {
			return false
		}
	}
	return true
}

// decodeNode decodes n into v strictly: every mapping key must be a field of
// the target struct (by yaml tag). Errors name file and line.
func decodeNode(file string, n *yaml.Node, v any) error {
	if err := knownFields(file, n, reflect.TypeOf(v)); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return config.YAMLError(file, 0, err)
	}
	return nil
}

var (
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
	nodeType        = reflect.TypeOf(yaml.Node{})
)

// knownFields walks n alongside type t and rejects mapping keys that t does
// not declare.
func knownFields(file string, n *yaml.Node, t reflect.Type) error {
	if n == nil || t == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return knownFields(file, n.Alias, t)
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) || t == nodeType || t == reflect.PointerTo(nodeType) {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // the decoder reports the type mismatch
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			name := strings.Split(tag, ",")[0]
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			fields[name] = f.Type
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				return &config.Error{File: file, Line: k.Line, Msg: fmt.Sprintf("unknown field %q", k.Value)}
			}
			if prev, dup := seen[k.Value]; dup {
				return &config.Error{File: file, Line: k.Line, Msg: fmt.Sprintf("field %q is repeated (first at line %d)", k.Value, prev)}
			}
			seen[k.Value] = k.Line
			if err := knownFields(file, n.Content[i+1], ft); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if prev, dup := seen[k.Value]; dup {
				return &config.Error{File: file, Line: k.Line, Msg: fmt.Sprintf("key %q is repeated (first at line %d)", k.Value, prev)}
			}
			seen[k.Value] = k.Line
			if err := knownFields(file, n.Content[i+1], t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for _, c := range n.Content {
			if err := knownFields(file, c, t.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

// errAt returns a config.Error at the line of n.
func errAt(file string, n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &config.Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// field returns the value node of key in mapping n, or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// fieldOr returns the value node of key in n, or n itself when absent, so
// errors point at the nearest line.
func fieldOr(n *yaml.Node, key string) *yaml.Node {
	if f := field(n, key); f != nil {
		return f
	}
	return n
}
