package reports

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
)

type fakeRenderer struct{ ext string }

func (f fakeRenderer) Extension() string { return f.ext }
func (f fakeRenderer) MediaType() string { return "text/plain" }
func (f fakeRenderer) Render(context.Context, io.Writer, *Package, *Options) error {
	return nil
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	r.Register("txt", func() Renderer { return fakeRenderer{"txt"} })
	r.Register("abc", func() Renderer { return fakeRenderer{"abc"} })
	if got := r.Names(); !slices.Equal(got, []string{"abc", "txt"}) {
		t.Fatalf("Names = %v, want sorted [abc txt]", got)
	}
	if !r.Has("txt") || r.Has("pdf") {
		t.Fatal("Has is wrong")
	}
	rd, err := r.New("txt")
	if err != nil || rd.Extension() != "txt" {
		t.Fatalf("New(txt) = %v, %v", rd, err)
	}
	if _, err := r.New("pdf"); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("New(pdf) error = %v, want ErrUnknownFormat", err)
	}
}

func TestRegisterPanics(t *testing.T) {
	cases := []struct {
		name string
		do   func(r *Registry)
	}{
		{"nil factory", func(r *Registry) { r.Register("x", nil) }},
		{"duplicate", func(r *Registry) {
			r.Register("x", func() Renderer { return fakeRenderer{} })
			r.Register("x", func() Renderer { return fakeRenderer{} })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Register did not panic")
				}
			}()
			tc.do(NewRegistry())
		})
	}
}
