package controls

import (
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
)

// Config file sections read by this package.
const (
	// ChecksSection holds check parameters and extra check files:
	//
	//	checks:
	//	  params:
	//	    iam_password_policy_strong:
	//	      min_length: 16
	//	  paths: [checks/]        # extra check files or directories
	ChecksSection = "checks"
	// OwnershipSection is the path of the ownership matrix
	// (default ownership.yaml).
	OwnershipSection = "ownership"
	// ExceptionsSection is the path of the exceptions register
	// (default exceptions.yaml).
	ExceptionsSection = "exceptions"
)

// Default file names of the ownership matrix and exceptions register.
const (
	DefaultOwnershipFile  = "ownership.yaml"
	DefaultExceptionsFile = "exceptions.yaml"
)

func init() {
	config.RegisterExtension(ChecksSection)
	config.RegisterExtension(OwnershipSection)
	config.RegisterExtension(ExceptionsSection)
}

// Settings are this package's settings from the config file.
type Settings struct {
	// Params overrides check parameters: check id → name → value.
	Params map[string]map[string]ParamOverride
	// Paths lists extra check files or directories.
	Paths []string
	// Ownership is the ownership matrix path.
	Ownership string
	// Exceptions is the exceptions register path.
	Exceptions string
}

type checksSection struct {
	Params map[string]map[string]yaml.Node `yaml:"params"`
	Paths  []string                        `yaml:"paths"`
}

// SettingsFromConfig reads the checks, ownership and exceptions sections of
// c strictly, with errors at the config file's lines.
func SettingsFromConfig(c *config.Config) (*Settings, error) {
	s := &Settings{Params: map[string]map[string]ParamOverride{}, Ownership: DefaultOwnershipFile, Exceptions: DefaultExceptionsFile}
	if c == nil {
		return s, nil
	}
	file := c.Path
	if n, ok := c.Extensions[ChecksSection]; ok {
		var cs checksSection
		if err := decodeNode(file, &n, &cs); err != nil {
			return nil, err
		}
		for id, ps := range cs.Params {
			s.Params[id] = map[string]ParamOverride{}
			for k, vn := range ps {
				var v any
				if err := vn.Decode(&v); err != nil {
					return nil, config.YAMLError(file, 0, err)
				}
				s.Params[id][k] = ParamOverride{Value: v, File: file, Line: vn.Line}
			}
		}
		s.Paths = cs.Paths
	}
	for _, sec := range []struct {
		name string
		dst  *string
	}{{OwnershipSection, &s.Ownership}, {ExceptionsSection, &s.Exceptions}} {
		n, ok := c.Extensions[sec.name]
		if !ok {
			continue
		}
		if n.Kind != yaml.ScalarNode || n.Value == "" {
			return nil, &config.Error{File: file, Line: n.Line, Msg: fmt.Sprintf("%s must be a file path", sec.name)}
		}
		*sec.dst = n.Value
	}
	return s, nil
}

// ReadOptionalFile reads path, returning nil data (and no error) when the
// file does not exist. limit bounds its size. Anything but a regular file
// (a pipe, a device) is refused: its size says nothing and reading it may
// never end.
func ReadOptionalFile(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, over the %d byte limit", path, info.Size(), limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is over the %d byte limit", path, limit)
	}
	return b, nil
}
